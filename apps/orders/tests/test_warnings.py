"""Warnings, not silence (ARCHITECTURE §11.1; issue 11, item 10): create, PATCH and
transitions answer ``"warnings": [{"code", "message"}]`` for what is allowed but probably a
mistake, judged by the shop's clock."""

from __future__ import annotations

import datetime as dt

import pytest
from django.utils import timezone

from apps.orders.tests.factories import make_order, make_product, make_stock, order_body
from apps.orders.warnings import delivery_warnings
from flowercrm.roles import Role

pytestmark = pytest.mark.django_db
ALMATY_NOON_UTC = dt.datetime(2026, 12, 1, 7, 0, tzinfo=dt.UTC)  # 12:00 in Asia/Almaty (UTC+5)


def shop_today(shop) -> dt.date:
    return timezone.now().astimezone(shop.zoneinfo).date()


def codes(body) -> list[str]:
    assert all(set(w) == {"code", "message"} and w["message"] for w in body["warnings"]), body["warnings"]
    return [w["code"] for w in body["warnings"]]


def test_create_answers_warnings_empty_when_none(shop, office, api_as) -> None:
    future = (shop_today(shop) + dt.timedelta(days=3)).isoformat()
    response = api_as(office).post("/api/orders/", order_body(make_product(shop), delivery_date=future), format="json")
    assert response.status_code == 201
    assert response.json()["warnings"] == []


def test_create_for_a_past_date_is_accepted_with_a_warning(shop, office, api_as) -> None:
    yesterday = (shop_today(shop) - dt.timedelta(days=1)).isoformat()
    response = api_as(office).post(
        "/api/orders/", order_body(make_product(shop), delivery_date=yesterday), format="json"
    )
    assert response.status_code == 201
    assert codes(response.json()) == ["past_delivery_date"]


def test_patch_answers_warnings(shop, office, api_as) -> None:
    order = make_order(shop, office.user, make_product(shop), delivery_date=shop_today(shop) + dt.timedelta(days=2))
    client = api_as(office)
    response = client.patch(f"/api/orders/{order.id}/", {"card_text": "Люблю"}, format="json")
    assert response.status_code == 200
    assert response.json()["warnings"] == []
    past = (shop_today(shop) - dt.timedelta(days=2)).isoformat()
    response = client.patch(f"/api/orders/{order.id}/", {"delivery_date": past}, format="json")
    assert response.status_code == 200
    assert codes(response.json()) == ["past_delivery_date"]


def test_window_in_past_is_judged_in_the_shops_zone(shop, office) -> None:
    order = make_order(
        shop,
        office.user,
        make_product(shop),
        delivery_date=dt.date(2026, 12, 1),
        delivery_time_from=dt.time(10, 0),
        delivery_time_to=dt.time(11, 30),
    )
    # 12:00 in Almaty: the 10:00–11:30 window of today has passed (07:00 UTC has not reached it).
    [warning] = delivery_warnings(order, now=ALMATY_NOON_UTC)
    assert warning["code"] == "window_in_past"
    order.delivery_time_to = dt.time(12, 30)
    assert delivery_warnings(order, now=ALMATY_NOON_UTC) == []
    order.delivery_time_from = order.delivery_time_to = None  # any time that day: not passed
    assert delivery_warnings(order, now=ALMATY_NOON_UTC) == []
    # 23:30 UTC on 30 November is already 1 December 04:30 in Almaty: the 30th has passed.
    order.delivery_date = dt.date(2026, 11, 30)
    assert [w["code"] for w in delivery_warnings(order, now=dt.datetime(2026, 11, 30, 23, 30, tzinfo=dt.UTC))] == [
        "past_delivery_date"
    ]


def test_confirmation_warns_stock_short_beside_the_shortages(shop, office, api_as) -> None:
    tulip = make_stock(shop, name="Тюльпан", quantity=3)
    order = make_order(
        shop, office.user, make_product(shop, recipe={tulip: 5}), delivery_date=shop_today(shop) + dt.timedelta(days=1)
    )
    client = api_as(office)
    response = client.post(f"/api/orders/{order.id}/transition/", {"status": "confirmed"}, format="json")
    assert response.status_code == 200
    body = response.json()
    assert body["shortages"] == [{"stock_item_id": tulip.id, "name": "Тюльпан", "needed": 5, "on_hand": 3}]
    assert codes(body) == ["stock_short"]
    assert "Тюльпан" in body["warnings"][0]["message"]
    # Other moves answer the key too, empty when there is nothing to say.
    response = client.post(f"/api/orders/{order.id}/transition/", {"status": "in_production"}, format="json")
    assert response.json()["warnings"] == []
    assert "shortages" not in response.json()


def test_confirmation_with_stock_enough_has_no_warning(shop, office, api_as) -> None:
    rose = make_stock(shop, name="Роза", quantity=10)
    order = make_order(
        shop, office.user, make_product(shop, recipe={rose: 5}), delivery_date=shop_today(shop) + dt.timedelta(days=1)
    )
    response = api_as(office).post(f"/api/orders/{order.id}/transition/", {"status": "confirmed"}, format="json")
    assert response.json()["shortages"] == []
    assert response.json()["warnings"] == []


def test_a_florists_transition_answers_warnings_too(shop, office, member, api_as) -> None:
    from apps.orders.models import OrderStatus
    from apps.orders.services import order_transition

    florist = member(Role.FLORIST)
    order = make_order(shop, office.user, make_product(shop))
    order_transition(order=order, to=OrderStatus.CONFIRMED, actor=office.user, role=Role.MANAGER)
    response = api_as(florist).post(f"/api/orders/{order.id}/transition/", {"status": "in_production"}, format="json")
    assert response.status_code == 200
    assert response.json()["warnings"] == []
