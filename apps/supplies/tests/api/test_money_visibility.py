"""§11.1 "Who sees money" in supplies: florists read supplies without purchase prices, line
amounts, totals, rates or suggested retail prices; couriers have no access. Every role's answer
validates against the schema (SupplyFlorist, SupplyLineFlorist)."""

from __future__ import annotations

import pytest

from apps.catalog.tests.schema_check import assert_matches_schema
from apps.supplies.tests.factories import SupplyFactory
from flowercrm.roles import Role
from flowercrm.testing import assert_error

pytestmark = pytest.mark.django_db

SUPPLY_MONEY = {"rate", "total", "total_in_shop_currency"}
LINE_MONEY = {
    "purchase_price",
    "total",
    "unit_price_in_shop_currency",
    "total_in_shop_currency",
    "suggested_retail_price",
}


@pytest.mark.parametrize("role", [Role.ADMIN, Role.MANAGER, Role.FLORIST])
def test_supply_shapes_per_role(api_as, member, shop, role) -> None:
    supply = SupplyFactory(shop=shop, lines=2)
    client = api_as(member(role))
    listed = client.get("/api/supplies/")
    one = client.get(f"/api/supplies/{supply.id}/")
    assert listed.status_code == one.status_code == 200
    assert_matches_schema("/api/supplies/", "get", 200, listed.json())
    assert_matches_schema("/api/supplies/{id}/", "get", 200, one.json())
    for body in (listed.json()["items"][0], one.json()):
        line = body["lines"][0]
        if role == Role.FLORIST:
            assert not SUPPLY_MONEY & body.keys(), body
            assert not LINE_MONEY & line.keys(), line
            assert (line["quantity"], body["status"], len(body["lines"])) == (10, "draft", 2)
        else:
            assert (body["total"], line["purchase_price"], line["total"]) == ("2000.00", "100.0000", "1000.00")


def test_write_answers_match_schema(api_as, member, shop) -> None:
    client = api_as(member(Role.MANAGER))
    created = client.post("/api/supplies/", {"supplier_name": "Голландия", "lines": []}, format="json")
    assert created.status_code == 201, created.json()
    assert_matches_schema("/api/supplies/", "post", 201, created.json())
    parsed = client.post("/api/supplies/parse/", {"text": "Роза 60 100 5\nЭвкалипт 350 10\nплохо"}, format="json")
    assert_matches_schema("/api/supplies/parse/", "post", 200, parsed.json())


def test_couriers_have_no_supplies(api_as, member, shop) -> None:
    supply = SupplyFactory(shop=shop)
    client = api_as(member(Role.COURIER))
    assert_error(client.get("/api/supplies/"), 403, "permission_denied")
    assert_error(client.get(f"/api/supplies/{supply.id}/"), 403, "permission_denied")
