"""The supply list answers from plain values (``apps.supplies.rows``), not from the supply
serializers (issue 17). The serializers stay the one description of each role's shape: here
the list's body, byte for byte, is the body DRF would render from the serializer of the
caller's role, for every role that reads supplies, on supplies with every edge the shape has
(no lines, new items and existing ones, a foreign currency with a 4-place rate and prices,
received and cancelled, no author)."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest
from django.utils import timezone, translation
from rest_framework.renderers import JSONRenderer

from apps.supplies.api.serializers import SupplyFloristSerializer, SupplySerializer
from apps.supplies.models import Supply, SupplyLine
from apps.supplies.selectors import supply_list
from apps.supplies.services import supply_cancel, supply_receive
from apps.supplies.tests.factories import SupplyFactory, SupplyLineFactory
from apps.warehouse.models import StockCategory, StockUnit
from flowercrm.roles import Role

pytestmark = pytest.mark.django_db
ROLES = [Role.ADMIN, Role.MANAGER, Role.FLORIST]


@pytest.fixture
def world(shop, member):
    members = {role: member(role) for role in ROLES}
    office = members[Role.MANAGER].user
    SupplyFactory(shop=shop, date=dt.date(2026, 11, 1), notes="пустая")  # no lines, no author
    foreign = SupplyFactory(shop=shop, date=dt.date(2026, 11, 2), currency="USD", rate=Decimal("475.1234"))
    foreign.created_by = office
    foreign.save(update_fields=["created_by"])
    SupplyLineFactory(supply=foreign, quantity=7, purchase_price=Decimal("1.3333"))
    SupplyLine.objects.create(
        supply=foreign,
        new_item_name="Роза Эксплорер",
        new_item_category=StockCategory.FLOWER,
        new_item_height_cm=None,
        new_item_unit=StockUnit.STEM,
        quantity=3,
        purchase_price=Decimal("0.0050"),
    )
    received = SupplyFactory(shop=shop, date=dt.date(2026, 11, 3), lines=2)
    SupplyLine.objects.create(
        supply=received, new_item_name="Лента", new_item_height_cm=40, quantity=1, purchase_price=Decimal("99.9999")
    )
    supply_receive(supply=received, actor=office)  # suggested retail prices, received_at/by
    cancelled = SupplyFactory(shop=shop, date=dt.date(2026, 11, 3), lines=1)
    supply_cancel(supply=cancelled, actor=office)
    return shop, members


def _serializer_body(shop, role, *, skip: int = 0, limit: int = 100) -> bytes:
    """The page as the role's serializer renders it (DRF's renderer), in the list's order."""
    serializer = SupplyFloristSerializer if role == Role.FLORIST else SupplySerializer
    with timezone.override(shop.zoneinfo):
        items = serializer(supply_list(shop=shop).order_by("-date", "-id"), many=True).data
    return JSONRenderer().render({"items": items[skip : skip + limit], "total": len(items)})


@pytest.mark.parametrize("role", ROLES)
def test_the_list_is_the_serializer_byte_for_byte(world, api_as, role) -> None:
    shop, members = world
    response = api_as(members[role]).get("/api/supplies/")
    assert response.status_code == 200
    assert response.content == _serializer_body(shop, role)
    assert response.json()["total"] == 4


@pytest.mark.parametrize("role", ROLES)
def test_the_list_in_english_and_paged_is_the_serializer_too(world, api_as, role) -> None:
    shop, members = world
    response = api_as(members[role]).get("/api/supplies/?skip=1&limit=2", HTTP_ACCEPT_LANGUAGE="en")
    with translation.override("en"):
        expected = _serializer_body(shop, role, skip=1, limit=2)
    assert response.content == expected
    assert len(response.json()["items"]) == 2


def test_the_rows_carry_every_edge(world, api_as) -> None:
    """The comparison above compares something: the edges are there, as the contract writes them."""
    shop, members = world
    rows = api_as(members[Role.MANAGER]).get("/api/supplies/").json()["items"]
    by_status = {row["status"]: row for row in rows if row["lines"] and row["currency"] != "USD"}
    foreign = next(row for row in rows if row["currency"] == "USD")
    empty = rows[-1]
    assert empty["lines"] == [] and empty["total"] == "0.00" and empty["created_by"] is None
    assert foreign["rate"] == "475.1234" and foreign["created_by"]["id"] == members[Role.MANAGER].user.pk
    existing, new = foreign["lines"]
    assert existing["stock_item"] is not None and existing["new_item_name"] is None
    assert existing["purchase_price"] == "1.3333" and existing["total"] == "9.33"
    assert new["stock_item"] is None and new["new_item_name"] == "Роза Эксплорер" and new["total"] == "0.02"
    received = by_status["received"]
    assert received["received_by"] is not None and received["received_at"][-6:] == "+05:00"
    assert all(line["suggested_retail_price"] for line in received["lines"])
    assert by_status["cancelled"]["cancelled_by"] is not None
    florist = api_as(members[Role.FLORIST]).get("/api/supplies/").json()["items"]
    assert "rate" not in florist[0] and all("total" not in line for row in florist for line in row["lines"])


def test_the_list_costs_four_queries_whatever_the_page(world, api_as, django_assert_num_queries) -> None:
    """Authentication, the count, the page (supplier and people joined), its lines (stock
    items joined) — as with the prefetch before."""
    shop, members = world
    client = api_as(members[Role.MANAGER])
    with django_assert_num_queries(4):
        assert client.get("/api/supplies/?limit=1").json()["total"] == 4
    SupplyFactory.create_batch(5, shop=shop, lines=3)
    with django_assert_num_queries(4):
        assert len(client.get("/api/supplies/?limit=100").json()["items"]) == 9
    assert Supply.objects.count() == 9
