"""§11.1 "Who sees money" in the warehouse: florists read stock items and movements (and get the
write-off answer and the ``stock_low`` floor feed) without unit costs; couriers have no access.
Every role's answer validates against the schema (StockItemFlorist, StockMovementFlorist)."""

from __future__ import annotations

import pytest

from apps.catalog.tests.schema_check import assert_matches_schema
from apps.warehouse import services
from apps.warehouse.events import _StockLowPayload
from apps.warehouse.tests.factories import StockItemFactory
from flowercrm import events
from flowercrm.roles import Role
from flowercrm.testing import assert_error

pytestmark = pytest.mark.django_db


@pytest.fixture
def item(shop):
    return StockItemFactory(shop=shop, name="Роза", stock=10, stock__cost="120.50", min_quantity=20)


@pytest.mark.parametrize("role", [Role.ADMIN, Role.MANAGER, Role.FLORIST])
def test_stock_item_and_movement_shapes_per_role(api_as, member, item, role) -> None:
    client = api_as(member(role))
    listed = client.get("/api/warehouse/items/")
    one = client.get(f"/api/warehouse/items/{item.id}/")
    written_off = client.post(f"/api/warehouse/items/{item.id}/write-off/", {"quantity": 1, "reason": "wilted"})
    movements = client.get("/api/warehouse/movements/")
    movement = client.get(f"/api/warehouse/movements/{movements.json()['items'][0]['id']}/")
    assert_matches_schema("/api/warehouse/items/", "get", 200, listed.json())
    assert_matches_schema("/api/warehouse/items/{id}/", "get", 200, one.json())
    assert_matches_schema("/api/warehouse/items/{id}/write-off/", "post", 200, written_off.json())
    assert_matches_schema("/api/warehouse/movements/", "get", 200, movements.json())
    assert_matches_schema("/api/warehouse/movements/{id}/", "get", 200, movement.json())
    bodies = [listed.json()["items"][0], one.json(), written_off.json(), *movements.json()["items"], movement.json()]
    for body in bodies:
        if role == Role.FLORIST:
            assert "unit_cost" not in body, body
        else:
            assert body["unit_cost"] == "120.50"


def test_stock_low_feed_hides_the_unit_cost_from_the_floor(item) -> None:
    services.stock_write_off(item=item, quantity=1, reason="wilted", actor=None)
    payload = _StockLowPayload(shop_id=item.shop_id, item_id=item.id)
    floor, office = payload(events.FLOOR), payload(events.OFFICE)
    assert floor is not None and office is not None
    assert "unit_cost" not in floor
    assert office["unit_cost"] == "120.50"
    assert {k: v for k, v in office.items() if k != "unit_cost"} == floor


def test_couriers_have_no_warehouse(api_as, member, item) -> None:
    client = api_as(member(Role.COURIER))
    assert_error(client.get(f"/api/warehouse/items/{item.id}/"), 403, "permission_denied")
    assert_error(client.get("/api/warehouse/movements/"), 403, "permission_denied")
