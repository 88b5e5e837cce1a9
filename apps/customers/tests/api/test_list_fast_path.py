"""The office's customer list answers from plain values (``apps.customers.rows``), not from
``CustomerSerializer`` (issue 17). The serializer stays the one description of the shape:
here the list's body, byte for byte, is the body DRF would render from the serializer of the
caller's role, for every role that reads the list, on customers with every edge the shape
has (no nested rows, several of each in their model's order, no orders, a refund, blanks)."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest
from django.utils import timezone, translation
from rest_framework.renderers import JSONRenderer

from apps.customers.api.serializers import CustomerFloristSerializer, CustomerSerializer
from apps.customers.tests.factories import (
    AddressFactory,
    CustomerFactory,
    ExtraPhoneFactory,
    ImportantDateFactory,
    TagFactory,
)
from apps.orders import customers as order_side
from apps.orders.models import Order, OrderStatus
from apps.orders.services import order_transition, payment_record
from apps.orders.tests.factories import make_order
from flowercrm.roles import Role

pytestmark = pytest.mark.django_db
OFFICE = [Role.ADMIN, Role.MANAGER]


@pytest.fixture
def world(shop, member):
    admin, office, florist = (member(role) for role in (Role.ADMIN, Role.MANAGER, Role.FLORIST))
    rich = CustomerFactory(shop=shop, name="Айгерим", email="a@example.com", notes="VIP\nзвонить", source="instagram")
    for tag in ("постоянный", "букеты", "букеты-2"):
        TagFactory(customer=rich, name=tag)
    AddressFactory(customer=rich, label="дом", address="ул. Абая 1", entrance="2", floor="5", intercom="25")
    AddressFactory(customer=rich, label="работа", address="пр. Достык 5", comment="офис 3", is_default=True)
    ImportantDateFactory(customer=rich, day=31, month=12, title="Новый год", remind_days_before=0)
    ImportantDateFactory(customer=rich, day=8, month=3)
    ExtraPhoneFactory(customer=rich, phone="+77051112233")
    ExtraPhoneFactory(customer=rich, phone="+77051112200")
    CustomerFactory(shop=shop, name="")  # blank name, nothing nested, no orders
    CustomerFactory(shop=shop, name="Жанна", source="")
    paid = make_order(shop, office.user, total="6000.00", customer=rich)
    make_order(shop, office.user, total="100.00", customer=rich)
    payment_record(order=paid, actor=office.user, amount=Decimal("5000.5"), method="cash")
    payment_record(order=paid, actor=office.user, amount=Decimal("-2000"), method="cash")
    order_transition(order=paid, to=OrderStatus.CONFIRMED, actor=office.user, role=Role.MANAGER)
    Order.objects.filter(pk=paid.pk).update(created_at=dt.datetime(2026, 1, 2, 3, 4, 5, 678901, tzinfo=dt.UTC))
    cancelled = make_order(shop, office.user, total="100.00")  # its buyer: only a cancelled order
    order_transition(order=cancelled, to=OrderStatus.CANCELLED, actor=office.user, role=Role.MANAGER, reason="x")
    return shop, {Role.ADMIN: admin, Role.MANAGER: office, Role.FLORIST: florist}


def _serializer_body(shop, role, *, skip: int = 0, limit: int = 100) -> bytes:
    """The page as the role's serializer renders it (DRF's renderer), in the list's order."""
    if role == Role.FLORIST:
        customers, serializer = order_side.customer_list_for_florist(shop=shop), CustomerFloristSerializer
    else:
        customers, serializer = order_side.customer_list(shop=shop), CustomerSerializer
    with timezone.override(shop.zoneinfo):
        items = serializer(customers.order_by("name", "id"), many=True).data
    return JSONRenderer().render({"items": items[skip : skip + limit], "total": len(items)})


@pytest.mark.parametrize("role", [*OFFICE, Role.FLORIST])
def test_the_list_is_the_serializer_byte_for_byte(world, api_as, role) -> None:
    shop, members = world
    response = api_as(members[role]).get("/api/customers/")
    assert response.status_code == 200
    assert response.content == _serializer_body(shop, role)
    assert response.json()["total"] == {Role.FLORIST: 1}.get(role, 4)


@pytest.mark.parametrize("role", OFFICE)
def test_the_list_in_english_paged_and_filtered_is_the_serializer_too(world, api_as, role) -> None:
    shop, members = world
    client = api_as(members[role])
    response = client.get("/api/customers/?skip=1&limit=2", HTTP_ACCEPT_LANGUAGE="en")
    with translation.override("en"):
        expected = _serializer_body(shop, role, skip=1, limit=2)
    assert response.content == expected
    assert len(response.json()["items"]) == 2
    ordered = client.get("/api/customers/?ordering=-total_spent").json()["items"]
    assert ordered[0]["name"] == "Айгерим" and ordered[0]["total_spent"] == "3000.50"


def test_the_rows_carry_every_edge(world, api_as) -> None:
    """The comparison above compares something: the edges are there, as the contract writes them."""
    shop, members = world
    rows = api_as(members[Role.MANAGER]).get("/api/customers/").json()["items"]
    blank, rich = rows[0], rows[1]
    assert blank["name"] == "" and blank["tags"] == [] and blank["addresses"] == [] and blank["extra_phones"] == []
    assert blank["orders_count"] == 0 and blank["total_spent"] == "0.00" and blank["last_order_at"] is None
    assert rich["tags"] == ["букеты", "букеты-2", "постоянный"]
    assert [a["label"] for a in rich["addresses"]] == ["работа", "дом"]  # the default first
    assert [d["month"] for d in rich["important_dates"]] == [3, 12]
    assert rich["extra_phones"] == ["+77051112233", "+77051112200"]
    assert rich["orders_count"] == 2 and rich["total_spent"] == "3000.50"
    assert rich["created_at"][-6:] == "+05:00"  # the shop's zone (Asia/Almaty)
    cancelled_only = [row for row in rows if row["orders_count"] == 0 and row["name"] not in ("", "Жанна")]
    assert cancelled_only and cancelled_only[0]["last_order_at"] is None


def test_the_list_costs_seven_queries_whatever_the_page(world, api_as, django_assert_num_queries) -> None:
    """Authentication (membership, user and shop in one), the count, the page, and one query
    per nested table (extra phones, tags, addresses, dates) — as with the prefetch before."""
    shop, members = world
    client = api_as(members[Role.MANAGER])
    with django_assert_num_queries(7):
        assert client.get("/api/customers/?limit=1").json()["total"] == 4
    for n in range(5):
        customer = CustomerFactory(shop=shop, name=f"Ещё {n}")
        TagFactory(customer=customer)
        AddressFactory(customer=customer)
        ImportantDateFactory(customer=customer)
        ExtraPhoneFactory(customer=customer)
    with django_assert_num_queries(7):
        assert len(client.get("/api/customers/?limit=100").json()["items"]) == 9
