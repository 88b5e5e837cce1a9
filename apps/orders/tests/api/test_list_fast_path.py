"""The orders list answers from plain values (``apps.orders.rows.order_rows``), not from the
summary serializers (issue 17). The serializers stay the one description of each role's
shape: here the list's body, byte for byte, is the body DRF would render from the summary
serializer of the caller's role, for every role, on orders with every edge the shapes have
(no window, no courier, no florist, cancelled after confirmation, a refund, a discount, an
anonymous buyer, pickup, an issue, a zero total)."""

from __future__ import annotations

from decimal import Decimal
from types import SimpleNamespace

import pytest
from django.utils import timezone, translation
from rest_framework.renderers import JSONRenderer

from apps.orders.api.serializers import output_serializer
from apps.orders.models import DeliveryMethod, Order, OrderStatus
from apps.orders.selectors import order_list, order_list_ordering
from apps.orders.services import order_transition, payment_record
from apps.orders.tests.factories import make_order
from flowercrm.roles import Role

pytestmark = pytest.mark.django_db
ROLES = [Role.ADMIN, Role.MANAGER, Role.FLORIST, Role.COURIER]


@pytest.fixture
def world(shop, member, bouquet):
    admin, office, florist, courier = (member(role) for role in ROLES)
    mine = {"courier": courier.user}
    orders = [
        make_order(shop, office.user, bouquet, quantity=2, discount=Decimal("100.50"), **mine),
        make_order(shop, office.user, bouquet, delivery_time_from=None, delivery_time_to=None, **mine),
        make_order(shop, office.user, bouquet, is_anonymous=True, **mine),
        make_order(shop, office.user, bouquet, delivery_method=DeliveryMethod.PICKUP, delivery_address=""),
        make_order(shop, office.user, total="0.00", **mine),  # a free order: money 0.00
        make_order(shop, office.user, bouquet),  # stays new: not the floor's
    ]
    refunded, cancelled, in_work = orders[0], orders[1], orders[3]
    payment_record(order=refunded, actor=office.user, amount=Decimal("5000"), method="cash")
    payment_record(order=refunded, actor=office.user, amount=Decimal("-2000"), method="cash")
    for order in (cancelled, in_work, orders[2]):
        order_transition(order=order, to=OrderStatus.CONFIRMED, actor=office.user, role=Role.MANAGER)
    order_transition(order=cancelled, to=OrderStatus.CANCELLED, actor=office.user, role=Role.MANAGER, reason="x")
    order_transition(order=in_work, to=OrderStatus.IN_PRODUCTION, actor=florist.user, role=Role.FLORIST)
    Order.objects.filter(pk=orders[2].pk).update(issue_type="late", issue_comment="traffic")
    return shop, {Role.ADMIN: admin, Role.MANAGER: office, Role.FLORIST: florist, Role.COURIER: courier}


def _serializer_body(shop, membership, *, skip: int = 0, limit: int = 100) -> bytes:
    """The page as the summary serializer of the member's role renders it (DRF's renderer)."""
    role, user = membership.role, membership.user
    orders = order_list(shop=shop, role=role, user=user).order_by(*order_list_ordering(role=role))
    request = SimpleNamespace(user=user)
    serializer = output_serializer(role, detail=False)
    with timezone.override(shop.zoneinfo):
        items = [serializer(order, context={"request": request, "role": role}).data for order in orders]
    return JSONRenderer().render({"items": items[skip : skip + limit], "total": len(items)})


@pytest.mark.parametrize("role", ROLES)
def test_the_list_is_the_summary_serializer_byte_for_byte(world, api_as, role) -> None:
    shop, members = world
    response = api_as(members[role]).get("/api/orders/")
    assert response.status_code == 200
    expected = _serializer_body(shop, members[role])
    assert response.content == expected
    body = response.json()
    assert body["total"] == {Role.FLORIST: 3, Role.COURIER: 4}.get(role, 6)  # the edges are on the page
    if role != Role.COURIER:
        assert {row["status"] for row in body["items"]} >= {"cancelled", "in_production"}


@pytest.mark.parametrize("role", [Role.MANAGER, Role.FLORIST, Role.COURIER])
def test_the_list_in_english_and_paged_is_the_serializer_too(world, api_as, role) -> None:
    shop, members = world
    client = api_as(members[role])
    response = client.get("/api/orders/?skip=1&limit=2", HTTP_ACCEPT_LANGUAGE="en")
    with translation.override("en"):
        expected = _serializer_body(shop, members[role], skip=1, limit=2)
    assert response.content == expected
    assert len(response.json()["items"]) == 2


def test_the_rows_carry_every_edge(world, api_as) -> None:
    """The comparison above compares something: the edges are there, as the contract writes them."""
    shop, members = world
    rows = api_as(members[Role.MANAGER]).get("/api/orders/").json()["items"]
    by_number = {row["number"]: row for row in rows}
    first, no_window, anonymous, pickup, free, new = (by_number[n] for n in sorted(by_number))
    assert first["discount"] == "100.50" and first["paid_amount"] == "3000.00"
    assert first["payment_status"] == "partially_paid" and first["items"][0]["quantity"] == 2
    assert no_window["delivery_time_from"] is None and no_window["status"] == "cancelled"
    assert no_window["allowed_transitions"] == []
    assert anonymous["is_anonymous"] is True and anonymous["issue_type"] == "late"
    assert pickup["courier"] is None and pickup["florist"]["id"] == members[Role.FLORIST].user.pk
    assert pickup["status"] == "in_production" and pickup["delivery_method"] == "pickup"
    assert free["total"] == "0.00" and free["amount_due"] == "0.00"
    assert new["allowed_transitions"] == ["confirmed", "cancelled"]
    assert first["created_at"][-6:] == "+05:00"  # the shop's zone (Asia/Almaty)
    courier_rows = api_as(members[Role.COURIER]).get("/api/orders/").json()["items"]
    buyers = {row["number"]: row["buyer"] for row in courier_rows}
    assert buyers[anonymous["number"]] is None and buyers[first["number"]] is not None


def test_the_list_costs_four_queries_whatever_the_page(world, api_as, django_assert_num_queries, bouquet) -> None:
    """Authentication (membership + user + shop), the count, the page, its lines."""
    shop, members = world
    client = api_as(members[Role.MANAGER])
    with django_assert_num_queries(4):
        assert client.get("/api/orders/?limit=1").json()["total"] == 6
    for _ in range(5):
        make_order(shop, members[Role.MANAGER].user, bouquet, quantity=3)
    with django_assert_num_queries(4):
        assert len(client.get("/api/orders/?limit=100").json()["items"]) == 11
