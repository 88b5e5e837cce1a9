"""The shop's public profile in ``/api/shops/current/`` (ARCHITECTURE §11.6): the admin
switches the storefront on and sets its phone, address, hours and slug; the manager reads."""

from __future__ import annotations

from collections.abc import Callable

import pytest
from rest_framework.test import APIClient

from apps.shops.models import Membership, Shop
from apps.shops.tests.factories import ShopFactory
from flowercrm.roles import Role
from flowercrm.testing import assert_error

pytestmark = pytest.mark.django_db

URL = "/api/shops/current/"
ApiAs = Callable[[Membership], APIClient]
PROFILE = ("slug", "storefront_enabled", "phone", "address", "hours")


def profile(shop: Shop) -> tuple[object, ...]:
    shop.refresh_from_db()
    return tuple(getattr(shop, name) for name in PROFILE)


def test_a_new_shop_has_its_storefront_off(shop: Shop) -> None:
    assert (shop.storefront_enabled, shop.phone, shop.address, shop.hours) == (False, "", "", "")


def test_admin_sets_the_public_profile(api_as: ApiAs, admin_member: Membership, shop: Shop) -> None:
    payload = {
        "storefront_enabled": True,
        "phone": "8 (727) 250-00-00",
        "address": "Алматы, ул. Абая 10",
        "hours": "Ежедневно 9:00–21:00",
        "slug": "  Romashka-Almaty ",
    }
    response = api_as(admin_member).patch(URL, payload, format="json")
    assert response.status_code == 200, response.content
    body = response.json()
    assert {k: body[k] for k in PROFILE} == {
        "slug": "romashka-almaty",
        "storefront_enabled": True,
        "phone": "+77272500000",
        "address": "Алматы, ул. Абая 10",
        "hours": "Ежедневно 9:00–21:00",
    }
    assert profile(shop) == ("romashka-almaty", True, "+77272500000", "Алматы, ул. Абая 10", "Ежедневно 9:00–21:00")
    # The phone can be cleared.
    assert api_as(admin_member).patch(URL, {"phone": ""}, format="json").json()["phone"] == ""


def test_manager_reads_but_cannot_change_it(api_as: ApiAs, member: Callable[..., Membership], shop: Shop) -> None:
    client = api_as(member(Role.MANAGER))
    assert set(PROFILE) <= set(client.get(URL).json())
    before = profile(shop)
    assert_error(client.patch(URL, {"storefront_enabled": True}, format="json"), 403, "permission_denied")
    assert profile(shop) == before


@pytest.mark.parametrize(
    "payload",
    [
        {"slug": "два слова"},
        {"slug": "магазин"},
        {"slug": "-edge"},
        {"slug": "a--b"},
        {"slug": "under_score"},
        {"slug": ""},
        {"slug": "x" * 65},
        {"phone": "12345"},
        {"phone": "not a phone"},
        {"address": "я" * 301},
        {"hours": "я" * 301},
        {"storefront_enabled": "maybe"},
    ],
)
def test_bad_profile_is_a_400_that_changes_nothing(
    api_as: ApiAs, admin_member: Membership, shop: Shop, payload: dict[str, object]
) -> None:
    before = profile(shop)
    body = assert_error(api_as(admin_member).patch(URL, payload, format="json"), 400, "invalid")
    assert set(body["errors"]) == set(payload)
    assert profile(shop) == before


def test_a_taken_slug_is_a_400(api_as: ApiAs, admin_member: Membership, shop: Shop) -> None:
    ShopFactory(slug="taken")
    before = profile(shop)
    body = assert_error(api_as(admin_member).patch(URL, {"slug": "Taken"}, format="json"), 400, "invalid")
    assert "slug" in body["errors"]
    assert profile(shop) == before
