"""ARCHITECTURE §11.1 Language: Russian by default, English for ``Accept-Language: en``, one
language per response, choice errors that list the allowed values, ``/api/meta/`` labels from
the catalogs. Needs the compiled Russian catalog (``locale/``)."""

from __future__ import annotations

import json
import re
from collections.abc import Callable, Iterator
from typing import Any

import pytest
from django.test import Client
from django.utils import translation
from rest_framework import serializers
from rest_framework.test import APIClient

from apps.shops.models import Membership
from apps.shops.sessions import tokens_issue
from apps.warehouse.models import StockItem
from apps.warehouse.tests.factories import StockItemFactory
from flowercrm.asgi import scope_language, too_large_body
from flowercrm.roles import Role
from flowercrm.testing import assert_error

pytestmark = pytest.mark.django_db

CYRILLIC = re.compile("[а-яА-ЯёЁ]")
ITEMS = "/api/warehouse/items/"


@pytest.fixture(autouse=True)
def _default_language() -> Iterator[None]:
    # LocaleMiddleware activates the request's language in this thread and leaves it there.
    yield
    translation.deactivate()


@pytest.fixture
def manager_client(member: Callable[..., Membership]) -> Callable[..., APIClient]:
    membership = member(Role.MANAGER)

    def make(language: str | None = None) -> APIClient:
        client = APIClient()
        headers = {"HTTP_AUTHORIZATION": f"Bearer {tokens_issue(membership=membership).access}"}
        if language:
            headers["HTTP_ACCEPT_LANGUAGE"] = language
        client.credentials(**headers)
        return client

    return make


def _messages(body: Any) -> list[str]:
    """Every human text of an error body: ``detail`` and each message in ``errors``."""
    found: list[str] = []

    def walk(value: Any) -> None:
        if isinstance(value, dict):
            for item in value.values():
                walk(item)
        elif isinstance(value, list):
            for item in value:
                walk(item)
        elif isinstance(value, str):
            found.append(value)

    walk(body.get("detail"))
    walk(body.get("errors"))
    return found


# --- one language per response ----------------------------------------------------------------

# Our message (name taken), DRF's own (a required field missing) and our choice error in one body.
BAD_ITEM = {"category": "xyz", "unit": "stem"}


def test_validation_error_is_russian_by_default(manager_client: Callable[..., APIClient]) -> None:
    body = assert_error(manager_client().post(ITEMS, BAD_ITEM, format="json"), 400, "invalid")
    assert body["errors"]["name"] == ["Обязательное поле."]
    assert body["errors"]["category"] == [
        '"xyz" — недопустимое значение. Допустимые: flower, greenery, material, packaging, other.'
    ]
    messages = _messages(body)
    assert len(messages) >= 3
    assert all(CYRILLIC.search(m) for m in messages), messages


def test_validation_error_is_english_on_request(manager_client: Callable[..., APIClient]) -> None:
    body = assert_error(manager_client("en").post(ITEMS, BAD_ITEM, format="json"), 400, "invalid")
    assert body["errors"]["name"] == ["This field is required."]
    assert body["errors"]["category"] == [
        '"xyz" is not a valid choice. Allowed: flower, greenery, material, packaging, other.'
    ]
    assert not CYRILLIC.search(json.dumps(body, ensure_ascii=False)), body


def test_accept_language_with_region_and_quality(manager_client: Callable[..., APIClient]) -> None:
    english = manager_client("en-GB,en;q=0.9,ru;q=0.5").get(f"{ITEMS}?ordering=nope")
    assert assert_error(english, 400, "invalid")["detail"].startswith("Cannot sort by “nope”. Allowed: ")
    unsupported = manager_client("de").get(f"{ITEMS}?ordering=nope")
    assert assert_error(unsupported, 400, "invalid")["detail"].startswith("Нельзя сортировать по «nope». Можно: ")


def test_domain_error_follows_the_language(manager_client: Callable[..., APIClient], shop: Any) -> None:
    item = StockItemFactory(shop=shop, stock=5)
    body = {"quantity": 1, "reason": "other"}
    ru = assert_error(manager_client().post(f"{ITEMS}{item.pk}/write-off/", body, format="json"), 400, "invalid")
    assert ru["errors"] == {"note": ["Опишите причину списания."]}
    en = assert_error(manager_client("en").post(f"{ITEMS}{item.pk}/write-off/", body, format="json"), 400, "invalid")
    assert en["errors"] == {"note": ["Describe the reason for the write-off."]}
    assert en["detail"] == "Describe the reason for the write-off."


def test_errors_outside_drf_follow_the_language() -> None:
    # Django's own 404 handler and the NUL guard (which runs before the views).
    assert Client().get("/api/no-such-thing/").json() == {"detail": "Не найдено.", "code": "not_found"}
    english = Client(headers={"accept-language": "en"})
    assert english.get("/api/no-such-thing/").json() == {"detail": "Not found.", "code": "not_found"}
    assert english.get("/api/meta/?q=%00").json() == {"detail": "The request contains a NUL byte.", "code": "invalid"}
    assert Client().get("/api/meta/?q=%00").json()["detail"] == "Запрос содержит нулевой байт."


def test_unauthenticated_answer_follows_the_language(api: APIClient) -> None:
    assert CYRILLIC.search(assert_error(api.get("/api/meta/"), 401, "not_authenticated")["detail"])
    english = assert_error(api.get("/api/meta/", HTTP_ACCEPT_LANGUAGE="en"), 401, "not_authenticated")
    assert not CYRILLIC.search(english["detail"])


def test_asgi_guards_read_accept_language() -> None:
    assert scope_language({"headers": []}) == "ru"
    assert scope_language({"headers": [(b"accept-language", b"en-US,en;q=0.8")]}) == "en"
    assert scope_language({"headers": [(b"accept-language", b"de, *;q=0.1")]}) == "ru"
    assert json.loads(too_large_body("en")) == {"detail": "The request is too large.", "code": "too_large"}
    assert json.loads(too_large_body("ru")) == {"detail": "Слишком большой запрос.", "code": "too_large"}


# --- choice errors list the allowed values -----------------------------------------------------


class _Explicit(serializers.Serializer[Any]):
    unit = serializers.ChoiceField(choices=[("stem", "Stem"), ("pcs", "Pieces")])
    tags = serializers.MultipleChoiceField(choices=["a", "b"], required=False)
    custom = serializers.ChoiceField(
        choices=["x"], required=False, error_messages={"invalid_choice": "Only x, not {input}."}
    )


class _FromModel(serializers.ModelSerializer[StockItem]):
    class Meta:
        model = StockItem
        fields = ["unit"]


def test_every_choice_field_lists_the_allowed_values() -> None:
    with translation.override("en"):
        explicit = _Explicit(data={"unit": "kg", "tags": ["a", "c"], "custom": "y"})
        assert not explicit.is_valid()
        assert explicit.errors == {
            "unit": ['"kg" is not a valid choice. Allowed: stem, pcs.'],
            "tags": ['"c" is not a valid choice. Allowed: a, b.'],
            "custom": ["Only x, not y."],  # a field's own message still wins
        }
        model = _FromModel(data={"unit": "kg"})
        assert not model.is_valid()
        assert model.errors == {"unit": ['"kg" is not a valid choice. Allowed: stem, pcs, m, pack.']}
    with translation.override("ru"):
        model = _FromModel(data={"unit": "kg"})
        assert not model.is_valid()
        assert model.errors == {"unit": ['"kg" — недопустимое значение. Допустимые: stem, pcs, m, pack.']}


def test_choice_error_on_an_action(manager_client: Callable[..., APIClient], shop: Any) -> None:
    item = StockItemFactory(shop=shop, stock=5)
    response = manager_client().post(f"{ITEMS}{item.pk}/write-off/", {"quantity": 1, "reason": "eaten"}, format="json")
    assert assert_error(response, 400, "invalid")["errors"] == {
        "reason": ['"eaten" — недопустимое значение. Допустимые: wilted, damaged, lost, other.']
    }


# --- /api/meta/ -------------------------------------------------------------------------------


@pytest.mark.parametrize("language", [None, "en", "ru"])
def test_meta_gives_both_labels_whatever_the_request_language(
    manager_client: Callable[..., APIClient], language: str | None
) -> None:
    enums = manager_client(language).get("/api/meta/").json()["enums"]
    assert enums["stock_categories"] == [
        {"value": "flower", "ru": "Цветы", "en": "Flowers"},
        {"value": "greenery", "ru": "Зелень", "en": "Greenery"},
        {"value": "material", "ru": "Материалы", "en": "Materials"},
        {"value": "packaging", "ru": "Упаковка", "en": "Packaging"},
        {"value": "other", "ru": "Прочее", "en": "Other"},  # its own context: not "Другое"
    ]
    assert {"value": "other", "ru": "Другое", "en": "Other"} in enums["write_off_reasons"]
    assert enums["stock_units"][2] == {"value": "m", "ru": "м", "en": "metre"}
    assert enums["roles"][0] == {"value": "admin", "ru": "Администратор", "en": "Administrator"}
    assert enums["movement_kinds"][1] == {"value": "consumption", "ru": "Расход на заказ", "en": "Consumption"}
    assert enums["product_categories"][2] == {"value": "potted", "ru": "Горшечное растение", "en": "Potted plant"}


def test_meta_labels_are_read_from_the_catalogs() -> None:
    from flowercrm import meta

    with translation.override("en"):  # the request's language does not leak into either label
        entries = meta.enum_entries(Role)
    assert [e["ru"] for e in entries] == ["Администратор", "Менеджер", "Флорист", "Курьер"]
    assert [e["en"] for e in entries] == ["Administrator", "Manager", "Florist", "Courier"]
