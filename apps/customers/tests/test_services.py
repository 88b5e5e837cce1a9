"""Customer services: nested writes, phone rules, intake upsert and delete (the merge, which
moves orders: apps/orders/tests/test_customers.py)."""

from __future__ import annotations

from typing import Any

import pytest

from apps.customers import services
from apps.customers.models import Customer, CustomerAddress, CustomerPhone, CustomerTag, ImportantDate
from apps.customers.services import edit
from apps.customers.tests.factories import (
    CustomerFactory,
    ExtraPhoneFactory,
)
from apps.orders.models import OrderStatus
from apps.orders.tests.factories import make_order
from apps.shops.models import Shop
from flowercrm.errors import Invalid, Protected
from flowercrm.testing import run_threads

pytestmark = pytest.mark.django_db

PHONE = "+77011234567"


def full_data(**overrides: Any) -> dict[str, Any]:
    data: dict[str, Any] = {
        "phone": "8 701 123 45 67",
        "name": "Айгерим",
        "email": "aigerim@example.kz",
        "notes": "Любит пионы",
        "source": "instagram",
        "addresses": [
            {"label": "Дом", "address": "ул. Абая 10, кв 5", "entrance": "2", "floor": "4", "intercom": "5К"},
            {"label": "Офис", "address": "пр. Достык 5", "is_default": True},
        ],
        "important_dates": [
            {"day": 29, "month": 2, "title": "День рождения мамы", "remind_days_before": 7},
            {"day": 8, "month": 3, "title": "8 марта"},
        ],
        "tags": ["VIP", "корпоратив"],
    }
    data.update(overrides)
    return data


def snapshot() -> tuple[int, ...]:
    return (
        Customer.objects.count(),
        CustomerAddress.objects.count(),
        ImportantDate.objects.count(),
        CustomerTag.objects.count(),
    )


# --- create and update ---------------------------------------------------------------------


def test_create_with_nested_rows(shop: Shop) -> None:
    customer = services.customer_create(shop=shop, data=full_data())

    customer.refresh_from_db()
    assert customer.phone == PHONE
    assert (customer.name, customer.email, customer.source) == ("Айгерим", "aigerim@example.kz", "instagram")
    addresses = list(customer.addresses.order_by("id"))
    assert [(a.label, a.address, a.entrance, a.floor, a.intercom, a.is_default) for a in addresses] == [
        ("Дом", "ул. Абая 10, кв 5", "2", "4", "5К", False),
        ("Офис", "пр. Достык 5", "", "", "", True),
    ]
    dates = sorted((d.day, d.month, d.title, d.remind_days_before) for d in customer.important_dates.all())
    assert dates == [(8, 3, "8 марта", 3), (29, 2, "День рождения мамы", 7)]
    assert sorted(customer.tags.values_list("name", flat=True)) == ["VIP", "корпоратив"]
    assert "айгерим" in customer.search_text and "77011234567" in customer.search_text


@pytest.mark.parametrize("raw", ["8 701 123 45 67", "+7 (701) 123-45-67", "77011234567", "87011234567", PHONE])
def test_phone_formats_are_normalised(shop: Shop, raw: str) -> None:
    assert services.customer_create(shop=shop, data={"phone": raw}).phone == PHONE


@pytest.mark.parametrize("raw", ["8 701 123 45 67", "+7 (701) 123-45-67", PHONE])
def test_duplicate_phone_in_any_format_is_refused_and_writes_nothing(shop: Shop, raw: str) -> None:
    CustomerFactory(shop=shop, phone=PHONE)
    before = snapshot()
    with pytest.raises(Invalid) as exc:
        services.customer_create(shop=shop, data=full_data(phone=raw))
    assert list(exc.value.extra["errors"]) == ["phone"]
    assert snapshot() == before


def test_same_phone_in_another_shop_is_another_customer(shop: Shop, other_shop: Shop) -> None:
    CustomerFactory(shop=other_shop, phone=PHONE)
    assert services.customer_create(shop=shop, data={"phone": PHONE}).shop_id == shop.id


def test_insert_race_on_phone_is_invalid_not_integrity_error(shop: Shop, monkeypatch: pytest.MonkeyPatch) -> None:
    """Another request inserts the phone after our duplicate check and before our insert."""
    original = edit.clean_nested

    def racing(data: Any) -> Any:
        Customer.objects.create(shop=shop, phone=PHONE, name="Быстрее")
        return original(data)

    monkeypatch.setattr(edit, "clean_nested", racing)
    with pytest.raises(Invalid) as exc:
        services.customer_create(shop=shop, data={"phone": PHONE})
    assert list(exc.value.extra["errors"]) == ["phone"]


def test_tags_deduplicated_case_insensitively(shop: Shop) -> None:
    customer = services.customer_create(
        shop=shop, data={"phone": PHONE, "tags": ["VIP", "vip", "  Vip ", "Корпоратив", "КОРПОРАТИВ", "свадьба  осень"]}
    )
    assert list(customer.tags.order_by("id").values_list("name", flat=True)) == ["VIP", "Корпоратив", "свадьба осень"]


def test_update_replaces_given_lists_and_keeps_the_others(shop: Shop) -> None:
    customer = services.customer_create(shop=shop, data=full_data())
    services.customer_update(
        customer=customer,
        data={"name": "Айгерим Б.", "addresses": [{"address": "ул. Сатпаева 1", "is_default": True}], "tags": []},
    )
    customer.refresh_from_db()
    assert customer.name == "Айгерим Б."
    assert customer.email == "aigerim@example.kz"  # not given: unchanged
    assert list(customer.addresses.values_list("address", "is_default")) == [("ул. Сатпаева 1", True)]
    assert customer.tags.count() == 0
    assert customer.important_dates.count() == 2  # not given: unchanged
    assert "айгерим б." in customer.search_text


def test_update_to_another_customers_phone_is_refused(shop: Shop) -> None:
    CustomerFactory(shop=shop, phone=PHONE)
    customer = CustomerFactory(shop=shop, name="Дана")
    with pytest.raises(Invalid) as exc:
        services.customer_update(customer=customer, data={"phone": "87011234567", "name": "Другое"})
    assert list(exc.value.extra["errors"]) == ["phone"]
    customer.refresh_from_db()
    assert customer.name == "Дана"


def test_update_keeping_own_phone_is_fine(shop: Shop) -> None:
    customer = CustomerFactory(shop=shop, phone=PHONE)
    assert services.customer_update(customer=customer, data={"phone": "8 701 123 45 67"}).phone == PHONE


BAD_INPUT = [
    ("bad phone", {"phone": "12345"}, "phone"),
    ("letters in phone", {"phone": "+7701abc4567"}, "phone"),
    ("blank phone", {"phone": ""}, "phone"),
    ("bad email", {"email": "not-an-email"}, "email"),
    ("unknown source", {"source": "pigeon"}, "source"),
    ("long name", {"name": "я" * 151}, "name"),
    ("32nd day", {"important_dates": [{"day": 32, "month": 1, "title": "x"}]}, "important_dates"),
    ("30 February", {"important_dates": [{"day": 30, "month": 2, "title": "x"}]}, "important_dates"),
    ("31 April", {"important_dates": [{"day": 31, "month": 4, "title": "x"}]}, "important_dates"),
    ("13th month", {"important_dates": [{"day": 1, "month": 13, "title": "x"}]}, "important_dates"),
    (
        "remind 61",
        {"important_dates": [{"day": 1, "month": 1, "title": "x", "remind_days_before": 61}]},
        "important_dates",
    ),
    ("blank title", {"important_dates": [{"day": 1, "month": 1, "title": " "}]}, "important_dates"),
    ("51 dates", {"important_dates": [{"day": 1, "month": 1, "title": "x"}] * 51}, "important_dates"),
    ("21 addresses", {"addresses": [{"address": "a"}] * 21}, "addresses"),
    (
        "two defaults",
        {"addresses": [{"address": "a", "is_default": True}, {"address": "b", "is_default": True}]},
        "addresses",
    ),
    ("blank address", {"addresses": [{"address": "  "}]}, "addresses"),
    ("long address", {"addresses": [{"address": "a" * 501}]}, "addresses"),
    ("long intercom", {"addresses": [{"address": "a", "intercom": "1" * 51}]}, "addresses"),
    ("address not an object", {"addresses": ["ул. Абая"]}, "addresses"),
    ("21 tags", {"tags": [f"t{i}" for i in range(21)]}, "tags"),
    ("long tag", {"tags": ["т" * 51]}, "tags"),
    ("blank tag", {"tags": ["  "]}, "tags"),
    ("tag not a string", {"tags": [5]}, "tags"),
]


@pytest.mark.parametrize(("case", "change", "field"), BAD_INPUT, ids=[c[0] for c in BAD_INPUT])
def test_bad_create_writes_nothing(shop: Shop, case: str, change: dict[str, Any], field: str) -> None:
    before = snapshot()
    with pytest.raises(Invalid) as exc:
        services.customer_create(shop=shop, data=full_data(**change))
    assert field in exc.value.extra["errors"], exc.value.extra
    assert snapshot() == before


@pytest.mark.parametrize(("case", "change", "field"), BAD_INPUT, ids=[c[0] for c in BAD_INPUT])
def test_bad_update_writes_nothing(shop: Shop, case: str, change: dict[str, Any], field: str) -> None:
    customer = services.customer_create(shop=shop, data=full_data(phone="+77017654321"))
    before = (snapshot(), Customer.objects.values().get(pk=customer.pk))
    with pytest.raises(Invalid):
        services.customer_update(
            customer=customer, data={**full_data(name="Новое имя"), "phone": "+77017654321", **change}
        )
    assert (snapshot(), Customer.objects.values().get(pk=customer.pk)) == before


def test_nested_errors_are_shaped_like_the_payload(shop: Shop) -> None:
    with pytest.raises(Invalid) as exc:
        services.customer_create(
            shop=shop,
            data={
                "phone": PHONE,
                "important_dates": [{"day": 1, "month": 1, "title": "ok"}, {"day": 31, "month": 6, "title": "x"}],
            },
        )
    errors = exc.value.extra["errors"]["important_dates"]
    assert errors[0] == {} and list(errors[1]) == ["day"]


def test_29_february_is_a_valid_date(shop: Shop) -> None:
    customer = services.customer_create(
        shop=shop, data={"phone": PHONE, "important_dates": [{"day": 29, "month": 2, "title": "x"}]}
    )
    assert customer.important_dates.get().day == 29


# --- order intake --------------------------------------------------------------------------


def test_upsert_creates_an_unknown_phone(shop: Shop) -> None:
    customer = services.customer_upsert_by_phone(shop=shop, phone="8 701 123 45 67", name="Айгерим", source="phone")
    assert (customer.phone, customer.name, customer.source) == (PHONE, "Айгерим", "phone")
    assert customer.search_text


def test_upsert_fills_blanks_and_never_overwrites(shop: Shop) -> None:
    known = CustomerFactory(shop=shop, phone=PHONE, name="Айгерим", email="", source="")
    found = services.customer_upsert_by_phone(
        shop=shop, phone="+7 (701) 123-45-67", name="Кто-то другой", email="a@example.kz", source="whatsapp"
    )
    assert found.pk == known.pk
    known.refresh_from_db()
    assert (known.name, known.email, known.source) == ("Айгерим", "a@example.kz", "whatsapp")
    assert Customer.objects.count() == 1


def test_upsert_with_blank_values_changes_nothing(shop: Shop) -> None:
    known = CustomerFactory(shop=shop, phone=PHONE, name="")
    services.customer_upsert_by_phone(shop=shop, phone=PHONE, name="  ")
    known.refresh_from_db()
    assert known.name == ""


def test_upsert_bad_phone_is_invalid(shop: Shop) -> None:
    with pytest.raises(Invalid) as exc:
        services.customer_upsert_by_phone(shop=shop, phone="12345")
    assert list(exc.value.extra["errors"]) == ["phone"]
    assert Customer.objects.count() == 0


def test_upsert_is_per_shop(shop: Shop, other_shop: Shop) -> None:
    theirs = CustomerFactory(shop=other_shop, phone=PHONE, name="Чужой")
    mine = services.customer_upsert_by_phone(shop=shop, phone=PHONE, name="Свой")
    assert mine.pk != theirs.pk and mine.shop_id == shop.id


@pytest.mark.django_db(transaction=True)
def test_concurrent_upserts_make_one_customer(requires_postgres: None, shop: Shop) -> None:
    results = run_threads(6, lambda i: services.customer_upsert_by_phone(shop=shop, phone=PHONE, name=f"Имя {i}").pk)
    assert all(isinstance(r, int) for r in results), results
    assert len(set(results)) == 1
    assert Customer.objects.filter(shop=shop).count() == 1


@pytest.mark.django_db(transaction=True)
def test_concurrent_creates_with_one_phone_give_one_row_and_400s(requires_postgres: None, shop: Shop) -> None:
    results = run_threads(6, lambda i: services.customer_create(shop=shop, data={"phone": PHONE, "name": f"{i}"}))
    created = [r for r in results if isinstance(r, Customer)]
    refused = [r for r in results if isinstance(r, Invalid)]
    assert len(created) == 1 and len(refused) == 5, results
    assert all(list(r.extra["errors"]) == ["phone"] for r in refused)


# --- delete --------------------------------------------------------------------------------


def test_delete_removes_customer_and_nested_rows(shop: Shop) -> None:
    customer = services.customer_create(shop=shop, data=full_data())
    services.customer_delete(customer=customer)
    assert snapshot() == (0, 0, 0, 0)


@pytest.mark.parametrize("status", [OrderStatus.NEW, OrderStatus.CANCELLED])
def test_delete_with_orders_is_protected(shop: Shop, status: str) -> None:
    customer = CustomerFactory(shop=shop)
    make_order(customer.shop, customer=customer, status=status)
    with pytest.raises(Protected):
        services.customer_delete(customer=customer)
    assert Customer.objects.filter(pk=customer.pk).exists()


# --- extra phones (§11.1: merging keeps the phone) -------------------------------------------


def test_a_phone_is_unique_among_main_and_extra_phones(shop: Shop, other_shop: Shop) -> None:
    owner = CustomerFactory(shop=shop)
    ExtraPhoneFactory(customer=owner, phone="+77055550000")
    other = CustomerFactory(shop=shop)
    with pytest.raises(Invalid) as exc:
        services.customer_create(shop=shop, data={"phone": "+77055550000"})
    assert exc.value.extra["errors"] == {"phone": [services.EXTRA_PHONE_TAKEN]}
    with pytest.raises(Invalid) as exc:
        services.customer_update(customer=other, data={"phone": "87055550000"})
    assert list(exc.value.extra["errors"]) == ["phone"]
    with pytest.raises(Invalid) as exc:
        services.customer_update(customer=other, data={"extra_phones": ["+77055550000", owner.phone]})
    assert len(exc.value.extra["errors"]["extra_phones"]) == 2
    assert not CustomerPhone.objects.filter(customer=other).exists()
    # Another shop may have the phone.
    assert services.customer_create(shop=other_shop, data={"phone": "+77055550000"}).pk


def test_extra_phones_can_be_edited_and_swapped_with_the_main_phone(shop: Shop) -> None:
    customer = services.customer_create(shop=shop, data={"phone": "+77011110000", "extra_phones": ["87022220000"]})
    assert list(customer.extra_phones.values_list("phone", flat=True)) == ["+77022220000"]
    assert "77022220000" in customer.search_text

    customer = services.customer_update(
        customer=customer, data={"phone": "+77022220000", "extra_phones": ["+77011110000", "+77022220000"]}
    )

    assert customer.phone == "+77022220000"
    assert list(customer.extra_phones.values_list("phone", flat=True)) == ["+77011110000"]
    customer = services.customer_update(customer=customer, data={"extra_phones": []})
    assert not customer.extra_phones.exists() and "77011110000" not in customer.search_text


def test_making_an_extra_phone_the_main_phone_drops_it_from_the_extras(shop: Shop) -> None:
    customer = CustomerFactory(shop=shop)
    ExtraPhoneFactory(customer=customer, phone="+77055550000")
    customer = services.customer_update(customer=customer, data={"phone": "+77055550000"})
    assert customer.phone == "+77055550000" and not customer.extra_phones.exists()
