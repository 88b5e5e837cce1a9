from __future__ import annotations

import datetime as dt
import zoneinfo
from decimal import Decimal
from typing import Any

import pytest

from apps.warehouse import services
from apps.warehouse.models import StockMovement
from apps.warehouse.tests.factories import StockItemFactory
from flowercrm.roles import Role
from flowercrm.testing import assert_error

pytestmark = pytest.mark.django_db

URL = "/api/warehouse/movements/"
ALMATY = zoneinfo.ZoneInfo("Asia/Almaty")


@pytest.fixture
def client(api_as, member):
    return api_as(member(Role.MANAGER))


def _ids(client: Any, **params: Any) -> list[int]:
    response = client.get(URL, params)
    assert response.status_code == 200, response.json()
    return [m["id"] for m in response.json()["items"]]


def test_list_shape_newest_first(api_as, member, shop) -> None:
    florist = member(Role.FLORIST)
    item = StockItemFactory(shop=shop, name="Роза Фридом", height_cm=60, stock=10, stock__cost="120.50")
    services.stock_write_off(item=item, quantity=2, reason="wilted", actor=florist.user)
    body = api_as(florist).get(URL).json()
    assert body["total"] == 2
    newest, receipt = body["items"]
    assert newest == {
        "id": newest["id"],
        "item": {"id": item.pk, "name": "Роза Фридом", "height_cm": 60, "unit": "stem"},
        "kind": "write_off",
        "delta": -2,
        "balance_after": 8,
        "reason": "wilted",
        "note": "",
        # no "unit_cost": florists never see costs (§11.1); managers do
        "actor": {"id": florist.user_id, "name": florist.user.name},
        "supply_id": None,
        "order_id": None,
        "created_at": newest["created_at"],
    }
    assert newest["created_at"].endswith("+05:00")
    assert (receipt["kind"], receipt["delta"], receipt["actor"]) == ("receipt", 10, None)
    assert api_as(member(Role.MANAGER)).get(URL).json()["items"][0]["unit_cost"] == "120.50"


def test_retrieve_and_read_only(client, shop) -> None:
    item = StockItemFactory(shop=shop, stock=1)
    movement = StockMovement.objects.get(item=item)
    assert client.get(f"{URL}{movement.pk}/").json()["id"] == movement.pk
    assert_error(client.post(URL, {"item_id": item.pk, "delta": 5}), 405, "method_not_allowed")
    assert_error(client.patch(f"{URL}{movement.pk}/", {"delta": 5}), 405, "method_not_allowed")
    assert_error(client.delete(f"{URL}{movement.pk}/"), 405, "method_not_allowed")
    assert StockMovement.objects.get(pk=movement.pk).delta == 1


def test_filter_by_item_and_kind(client, shop) -> None:
    a = StockItemFactory(shop=shop, stock=10)
    b = StockItemFactory(shop=shop, stock=10)
    w = services.stock_write_off(item=a, quantity=1, reason="lost", actor=None)
    adj = services.stock_adjust(item=a, counted_quantity=5, reason="Пересчёт", actor=None)
    assert adj is not None
    receipt_a = StockMovement.objects.get(item=a, kind="receipt")
    receipt_b = StockMovement.objects.get(item=b, kind="receipt")
    assert _ids(client, item=a.pk) == [adj.pk, w.pk, receipt_a.pk]
    assert _ids(client, kind="receipt") == [receipt_b.pk, receipt_a.pk]
    assert _ids(client, kind="write_off,adjustment") == [adj.pk, w.pk]
    assert _ids(client, item=b.pk, kind="write_off") == []
    assert _ids(client, ordering="created_at") == [receipt_a.pk, receipt_b.pk, w.pk, adj.pk]


def test_search_by_item_name(client, shop) -> None:
    rose = StockItemFactory(shop=shop, name="Роза Фридом", stock=1)
    StockItemFactory(shop=shop, name="Тюльпан", stock=1)
    assert _ids(client, search="ФРИДОМ") == [StockMovement.objects.get(item=rose).pk]


def _moved_at(movement: StockMovement, local: dt.datetime) -> None:
    StockMovement.objects.filter(pk=movement.pk).update(created_at=local.replace(tzinfo=ALMATY))


def test_date_range_is_in_the_shop_zone(client, shop) -> None:
    assert shop.time_zone == "Asia/Almaty"
    item = StockItemFactory(shop=shop)
    late = services.stock_receive(item=item, quantity=1, unit_price=Decimal("1"), actor=None)
    after_midnight = services.stock_receive(item=item, quantity=1, unit_price=Decimal("1"), actor=None)
    # 23:30 local on 10 March is 18:30 UTC the same day; 00:30 local on 11 March is still
    # 10 March in UTC — only the shop's zone puts it on the 11th.
    _moved_at(late, dt.datetime(2026, 3, 10, 23, 30))
    _moved_at(after_midnight, dt.datetime(2026, 3, 11, 0, 30))
    assert _ids(client, date_from="2026-03-10", date_to="2026-03-10") == [late.pk]
    assert _ids(client, date_from="2026-03-11", date_to="2026-03-11") == [after_midnight.pk]
    assert _ids(client, date_from="2026-03-11") == [after_midnight.pk]
    assert _ids(client, date_to="2026-03-10") == [late.pk]
    assert _ids(client, date_from="2026-03-12") == []
    assert sorted(_ids(client, date_from="2026-03-10", date_to="2026-03-11")) == sorted([late.pk, after_midnight.pk])


def test_the_last_and_first_days_there_are_bound_nothing(client, shop) -> None:
    # Found by fuzzing: ``date_to=9999-12-31`` overflowed computing the next midnight (500).
    movement = services.stock_receive(item=StockItemFactory(shop=shop), quantity=1, unit_price=Decimal("1"), actor=None)
    assert _ids(client, date_to="9999-12-31") == [movement.pk]
    assert _ids(client, date_from="0001-01-01", date_to="9999-12-31") == [movement.pk]


@pytest.mark.parametrize(
    "params",
    [
        {"item": "abc"},
        {"item": "1.5"},
        {"item": "0"},
        {"item": "9" * 30},
        {"kind": "theft"},
        {"date_from": "2026-13-01"},
        {"date_to": "2026-02-30"},
        {"ordering": "delta"},
        {"limit": "many"},
    ],
)
def test_bad_params_are_400(client, shop, params: dict[str, str]) -> None:
    StockItemFactory(shop=shop, stock=1)
    assert_error(client.get(URL, params), 400, "invalid")


@pytest.mark.parametrize(
    ("role", "status"), [(Role.ADMIN, 200), (Role.MANAGER, 200), (Role.FLORIST, 200), (Role.COURIER, 403)]
)
def test_roles(api_as, member, shop, role: str, status: int) -> None:
    item = StockItemFactory(shop=shop, stock=1)
    movement = StockMovement.objects.get(item=item)
    client = api_as(member(role))
    assert client.get(URL).status_code == status
    assert client.get(f"{URL}{movement.pk}/").status_code == status


def test_another_shops_movements_are_invisible(client, shop, other_shop) -> None:
    mine = StockItemFactory(shop=shop, stock=1)
    foreign = StockItemFactory(shop=other_shop, stock=1)
    foreign_movement = StockMovement.objects.get(item=foreign)
    assert _ids(client) == [StockMovement.objects.get(item=mine).pk]
    assert _ids(client, item=foreign.pk) == []
    assert_error(client.get(f"{URL}{foreign_movement.pk}/"), 404, "not_found")


@pytest.mark.parametrize("rows", [1, 30])
def test_list_query_count_does_not_grow(api_as, member, shop, rows: int, django_assert_max_num_queries) -> None:
    florist = member(Role.FLORIST)
    for _ in range(rows):
        item = StockItemFactory(shop=shop, stock=3)
        services.stock_write_off(item=item, quantity=1, reason="wilted", actor=florist.user)
    client = api_as(florist)
    with django_assert_max_num_queries(4):
        response = client.get(URL)
    assert response.json()["total"] == rows * 2


def test_movement_names_its_order(client, shop, member) -> None:
    from apps.orders.tests.factories import make_order, make_product

    item = StockItemFactory(shop=shop, stock=5)
    order = make_order(shop, member(Role.MANAGER).user, make_product(shop))
    (movement,) = services.stock_consume(shop=shop, lines={item.pk: 2}, actor=None, order=order)
    body = client.get(URL, {"kind": "consumption"}).json()
    assert [(m["id"], m["order_id"], m["supply_id"]) for m in body["items"]] == [(movement.pk, order.pk, None)]
