"""``/api/shops/current/``: every member reads the basics; settings per the role matrix."""

from __future__ import annotations

from collections.abc import Callable
from decimal import Decimal
from typing import Any

import pytest
from rest_framework.test import APIClient

from apps.shops.models import DeliveryZone, Membership, Shop
from apps.shops.tests.factories import ShopFactory
from flowercrm.roles import Role
from flowercrm.testing import assert_error

pytestmark = pytest.mark.django_db

URL = "/api/shops/current/"
PUBLIC_KEYS = {"id", "name", "currency", "time_zone"}
ApiAs = Callable[[Membership], APIClient]
Member = Callable[..., Membership]


def _snapshot(shop: Shop) -> tuple[Any, ...]:
    shop.refresh_from_db()
    zones = sorted(DeliveryZone.objects.filter(shop=shop).values_list("id", "name", "fee"))
    return (
        shop.name,
        shop.time_zone,
        shop.default_delivery_fee,
        shop.markups,
        shop.labour_cost,
        shop.preparation_minutes,
        shop.price_rounding_step,
        shop.low_stock_notify,
        zones,
    )


@pytest.mark.parametrize("role", [Role.FLORIST, Role.COURIER])
def test_florist_and_courier_see_only_the_basics(api_as: ApiAs, member: Member, shop: Shop, role: str) -> None:
    client = api_as(member(role))
    body = client.get(URL).json()
    assert body == {"id": shop.id, "name": shop.name, "currency": "KZT", "time_zone": "Asia/Almaty"}
    assert set(body) == PUBLIC_KEYS
    assert client.get("/api/shops/current").status_code == 200
    before = _snapshot(shop)
    assert_error(client.patch(URL, {"name": "Моё"}, format="json"), 403, "permission_denied")
    assert _snapshot(shop) == before


@pytest.mark.parametrize("role", [Role.ADMIN, Role.MANAGER])
def test_admin_and_manager_see_the_settings(api_as: ApiAs, member: Member, shop: Shop, role: str) -> None:
    DeliveryZone.objects.create(shop=shop, name="Центр", fee=Decimal("1500"))
    body = api_as(member(role)).get(URL).json()
    assert body["id"] == shop.id
    assert body["default_delivery_fee"] == "0.00"
    assert body["labour_cost"] == "0.00"
    assert body["price_rounding_step"] == "10.00"
    assert body["markups"] == {"default": {"minimum": "50", "recommended": "100", "premium": "150"}}
    assert [(z["name"], z["fee"]) for z in body["delivery_zones"]] == [("Центр", "1500.00")]
    assert {"preparation_minutes", "low_stock_notify", "created_at", "updated_at"} <= set(body)


def test_manager_cannot_change_settings(api_as: ApiAs, member: Member, shop: Shop) -> None:
    before = _snapshot(shop)
    response = api_as(member(Role.MANAGER)).patch(URL, {"default_delivery_fee": "100"}, format="json")
    assert_error(response, 403, "permission_denied")
    assert _snapshot(shop) == before


def test_anonymous_is_401(api: APIClient, shop: Shop) -> None:
    assert_error(api.get(URL), 401, "not_authenticated")
    assert_error(api.patch(URL, {"name": "x"}, format="json"), 401, "not_authenticated")


def test_admin_changes_settings(api_as: ApiAs, admin_member: Membership, shop: Shop, other_shop: Shop) -> None:
    payload = {
        "name": "Ромашка Центр",
        "time_zone": "Europe/Moscow",
        "default_delivery_fee": "1500.50",
        "labour_cost": 300,
        "preparation_minutes": 90,
        "price_rounding_step": "50",
        "low_stock_notify": False,
        "markups": {
            "default": {"minimum": 40, "recommended": "90.5", "premium": "200"},
            "flower": {"minimum": "0", "recommended": "100", "premium": "1000"},
        },
    }
    response = api_as(admin_member).patch(URL, payload, format="json")
    assert response.status_code == 200, response.json()
    body = response.json()
    assert body["name"] == "Ромашка Центр"
    assert body["default_delivery_fee"] == "1500.50"
    assert body["labour_cost"] == "300.00"
    assert body["markups"]["flower"]["premium"] == "1000"
    shop.refresh_from_db()
    assert (shop.time_zone, shop.preparation_minutes, shop.low_stock_notify) == ("Europe/Moscow", 90, False)
    assert shop.default_delivery_fee == Decimal("1500.50")
    assert shop.markup_for("flower")["premium"] == Decimal("1000")
    assert shop.markup_for("unknown")["recommended"] == Decimal("90.5")
    other_shop.refresh_from_db()
    assert other_shop.name == "Чужой магазин"


def test_currency_and_id_are_read_only(api_as: ApiAs, admin_member: Membership, shop: Shop) -> None:
    response = api_as(admin_member).patch(URL, {"currency": "RUB", "id": 999}, format="json")
    assert response.status_code == 200
    shop.refresh_from_db()
    assert (shop.id, shop.currency) == (admin_member.shop_id, "KZT")


def test_delivery_zones_create_update_delete(api_as: ApiAs, admin_member: Membership, shop: Shop) -> None:
    client = api_as(admin_member)
    body = client.patch(
        URL, {"delivery_zones": [{"name": "Центр", "fee": "1000"}, {"name": "Север", "fee": 1500}]}, format="json"
    ).json()
    zones = {z["name"]: z for z in body["delivery_zones"]}
    assert set(zones) == {"Центр", "Север"}
    centre, north = zones["Центр"]["id"], zones["Север"]["id"]

    # Update one (keeping its id), drop the other, add a new one.
    body = client.patch(
        URL,
        {"delivery_zones": [{"id": centre, "name": "Центр-1", "fee": "1200"}, {"name": "Юг", "fee": "0"}]},
        format="json",
    ).json()
    assert sorted((z["name"], z["fee"]) for z in body["delivery_zones"]) == [("Центр-1", "1200.00"), ("Юг", "0.00")]
    assert DeliveryZone.objects.get(pk=centre).name == "Центр-1"
    assert not DeliveryZone.objects.filter(pk=north).exists()

    # Without the key the zones stay; an empty list removes them all.
    assert len(client.patch(URL, {"labour_cost": "1"}, format="json").json()["delivery_zones"]) == 2
    assert client.patch(URL, {"delivery_zones": []}, format="json").json()["delivery_zones"] == []
    assert not DeliveryZone.objects.filter(shop=shop).exists()


def test_delivery_zones_may_swap_names_and_reuse_a_removed_name(
    api_as: ApiAs, admin_member: Membership, shop: Shop
) -> None:
    a = DeliveryZone.objects.create(shop=shop, name="Центр", fee=Decimal("1000"))
    b = DeliveryZone.objects.create(shop=shop, name="Север", fee=Decimal("2000"))
    c = DeliveryZone.objects.create(shop=shop, name="Юг", fee=Decimal("3000"))
    client = api_as(admin_member)
    zones = [{"id": a.id, "name": "Север", "fee": "1000"}, {"id": b.id, "name": "Центр", "fee": "2000"}]
    response = client.patch(URL, {"delivery_zones": zones}, format="json")
    assert response.status_code == 200, response.json()
    assert DeliveryZone.objects.get(pk=a.id).name == "Север"
    assert DeliveryZone.objects.get(pk=b.id).name == "Центр"
    assert not DeliveryZone.objects.filter(pk=c.id).exists()
    # A kept zone takes the name of one removed in the same request.
    zones = [{"id": a.id, "name": "Центр", "fee": "1000"}]
    response = client.patch(URL, {"delivery_zones": zones}, format="json")
    assert response.status_code == 200, response.json()
    assert list(DeliveryZone.objects.filter(shop=shop).values_list("id", "name")) == [(a.id, "Центр")]


@pytest.mark.parametrize(
    ("payload", "field"),
    [
        ({"time_zone": "Mars/Olympus"}, "time_zone"),
        ({"time_zone": ""}, "time_zone"),
        ({"default_delivery_fee": "-1"}, "default_delivery_fee"),
        ({"default_delivery_fee": "1.001"}, "default_delivery_fee"),
        ({"default_delivery_fee": "NaN"}, "default_delivery_fee"),
        ({"default_delivery_fee": "10000000000"}, "default_delivery_fee"),
        ({"labour_cost": -5}, "labour_cost"),
        ({"price_rounding_step": "0"}, "price_rounding_step"),
        ({"preparation_minutes": -1}, "preparation_minutes"),
        ({"preparation_minutes": 24 * 60 + 1}, "preparation_minutes"),
        ({"name": ""}, "name"),
        ({"name": "x" * 121}, "name"),
        ({"markups": []}, "markups"),
        ({"markups": {"default": {"minimum": 1, "recommended": 2}}}, "markups"),
        ({"markups": {"default": {"minimum": 1, "recommended": 2, "premium": 3, "extra": 4}}}, "markups"),
        ({"markups": {"default": {"minimum": -1, "recommended": 2, "premium": 3}}}, "markups"),
        ({"markups": {"default": {"minimum": 1, "recommended": 2, "premium": 1001}}}, "markups"),
        ({"markups": {"default": {"minimum": "abc", "recommended": 2, "premium": 3}}}, "markups"),
        ({"markups": {"default": {"minimum": True, "recommended": 2, "premium": 3}}}, "markups"),
        ({"markups": {"default": {"minimum": "Infinity", "recommended": 2, "premium": 3}}}, "markups"),
        ({"markups": {"": {"minimum": 1, "recommended": 2, "premium": 3}}}, "markups"),
        ({"markups": {"default": "100"}}, "markups"),
        ({"delivery_zones": [{"name": "Центр", "fee": "-1"}]}, "delivery_zones"),
        ({"delivery_zones": [{"name": "", "fee": "1"}]}, "delivery_zones"),
        ({"delivery_zones": [{"fee": "1"}]}, "delivery_zones"),
        ({"delivery_zones": [{"name": "Центр"}]}, "delivery_zones"),
        ({"delivery_zones": [{"name": "Центр", "fee": "1"}, {"name": " центр ", "fee": "2"}]}, "delivery_zones"),
        ({"delivery_zones": [{"id": 999999, "name": "Центр", "fee": "1"}]}, "delivery_zones"),
        ({"delivery_zones": [{"id": "abc", "name": "Центр", "fee": "1"}]}, "delivery_zones"),
        ({"delivery_zones": [{"name": "Z", "fee": "1"}] * 101}, "delivery_zones"),
        ({"delivery_zones": {"name": "Центр", "fee": "1"}}, "delivery_zones"),
    ],
)
def test_bad_settings_write_nothing(
    api_as: ApiAs, admin_member: Membership, shop: Shop, other_shop: Shop, payload: dict[str, Any], field: str
) -> None:
    DeliveryZone.objects.create(shop=shop, name="Старая", fee=Decimal("500"))
    # Valid changes sent with the bad one must not be written either.
    payload = {"labour_cost": "777", "delivery_zones": [{"name": "Новая", "fee": "1"}], **payload}
    before = _snapshot(shop)
    body = assert_error(api_as(admin_member).patch(URL, payload, format="json"), 400, "invalid")
    assert field in body["errors"], body
    assert _snapshot(shop) == before


def test_another_shops_zone_id_is_400(api_as: ApiAs, admin_member: Membership, shop: Shop) -> None:
    foreign = DeliveryZone.objects.create(shop=ShopFactory(), name="Чужая", fee=Decimal("1"))
    zones = [{"name": "Новая", "fee": "1"}, {"id": foreign.id, "name": "Моя", "fee": "2"}]
    body = assert_error(api_as(admin_member).patch(URL, {"delivery_zones": zones}, format="json"), 400, "invalid")
    assert body["errors"] == {"delivery_zones": [{}, {"id": ["Зона не найдена."]}]}
    assert not DeliveryZone.objects.filter(shop=shop).exists()
    foreign.refresh_from_db()
    assert (foreign.name, foreign.fee) == ("Чужая", Decimal("1.00"))


def test_the_same_zone_id_twice_is_400(api_as: ApiAs, admin_member: Membership, shop: Shop) -> None:
    zone = DeliveryZone.objects.create(shop=shop, name="Центр", fee=Decimal("1"))
    zones = [{"id": zone.id, "name": "А", "fee": "2"}, {"id": zone.id, "name": "Б", "fee": "3"}]
    body = assert_error(api_as(admin_member).patch(URL, {"delivery_zones": zones}, format="json"), 400, "invalid")
    assert "delivery_zones" in body["errors"]
    zone.refresh_from_db()
    assert zone.name == "Центр"


def test_timestamps_are_in_the_shops_zone(api_as: ApiAs, admin_member: Membership, shop: Shop) -> None:
    assert api_as(admin_member).get(URL).json()["created_at"].endswith("+05:00")
    Shop.objects.filter(pk=shop.pk).update(time_zone="Europe/Moscow")
    assert api_as(admin_member).get(URL).json()["created_at"].endswith("+03:00")


def test_a_name_another_shop_has_is_allowed_and_the_slug_stays(
    api_as: ApiAs, admin_member: Membership, shop: Shop, other_shop: Shop
) -> None:
    """Names are free (issue 11: unique names let any admin probe which shops exist); the
    slug is the unique key, and renaming keeps it (the admin changes it only by sending it,
    issue 18 — ``test_public_profile.py``)."""
    client = api_as(admin_member)
    slug = client.get(URL).json()["slug"]
    assert slug == shop.slug == "romashka-test"
    response = client.patch(URL, {"name": other_shop.name}, format="json")
    assert response.status_code == 200, response.json()
    assert (response.json()["name"], response.json()["slug"]) == ("Чужой магазин", slug)
    shop.refresh_from_db()
    other_shop.refresh_from_db()
    assert (shop.name, shop.slug) == (other_shop.name, slug)
    assert other_shop.slug != shop.slug
