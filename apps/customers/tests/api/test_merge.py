"""``POST /api/customers/merge/``.

Decision: every refusal about the ids in the body is a **400 on that field** (same id on
``merge_id``; another shop's or an unknown id on ``keep_id``/``merge_id``), as the contract
says for another shop's id inside a body. Florists and couriers: 403; anonymous: 401.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest
from rest_framework.test import APIClient

from apps.customers.models import Customer, CustomerAddress, CustomerTag, ImportantDate
from apps.customers.tests.factories import (
    AddressFactory,
    CustomerFactory,
    ExtraPhoneFactory,
    ImportantDateFactory,
    TagFactory,
)
from apps.orders.models import Order, OrderEvent, OrderStatus
from apps.orders.tests.factories import make_order
from apps.shops.models import Membership, Shop
from flowercrm.roles import Role
from flowercrm.testing import assert_error

pytestmark = pytest.mark.django_db

URL = "/api/customers/merge/"


def snapshot() -> tuple[Any, ...]:
    return (
        list(Customer.objects.order_by("id").values()),
        list(CustomerAddress.objects.order_by("id").values()),
        list(ImportantDate.objects.order_by("id").values()),
        list(CustomerTag.objects.order_by("id").values()),
        list(Order.objects.order_by("id").values("id", "customer_id")),
        OrderEvent.objects.count(),
    )


@pytest.fixture
def pair(shop: Shop) -> tuple[Customer, Customer]:
    keep = CustomerFactory(shop=shop, phone="+77011234567", name="Айгерим", email="", notes="Любит пионы")
    merge = CustomerFactory(shop=shop, phone="+77017654321", name="", email="a@example.kz", notes="Звонить после 18")
    AddressFactory(customer=keep, address="ул. Абая 10", is_default=True)
    AddressFactory(customer=merge, address="пр. Достык 5", is_default=True)
    ImportantDateFactory(customer=merge, day=1, month=6, title="День рождения")
    TagFactory(customer=keep, name="VIP")
    TagFactory(customer=merge, name="Корпоратив")
    make_order(
        shop, customer=keep, status=OrderStatus.DELIVERED, total="1000.00", payments=("1000.00",), created_event=False
    )
    make_order(
        shop, customer=merge, status=OrderStatus.DELIVERED, total="2500.00", payments=("2500.00",), created_event=False
    )
    make_order(shop, customer=merge, status=OrderStatus.CANCELLED, total="9999.00", created_event=False)
    return keep, merge


def test_merge_answers_the_kept_customer(
    pair: tuple[Customer, Customer], member: Callable[..., Membership], api_as: Callable[[Membership], APIClient]
) -> None:
    keep, merge = pair
    manager = member(Role.MANAGER)
    moved = list(Order.objects.filter(customer=merge).order_by("id").values_list("id", flat=True))

    response = api_as(manager).post(URL, {"keep_id": keep.id, "merge_id": merge.id}, format="json")

    assert response.status_code == 200, response.json()
    data = response.json()
    assert data["id"] == keep.id
    assert (data["name"], data["email"], data["phone"]) == ("Айгерим", "a@example.kz", "+77011234567")
    assert data["notes"].startswith("Любит пионы\n\nЗвонить после 18\n\n")
    assert [(a["address"], a["is_default"]) for a in data["addresses"]] == [
        ("ул. Абая 10", True),
        ("пр. Достык 5", False),
    ]
    assert [d["title"] for d in data["important_dates"]] == ["День рождения"]
    assert data["tags"] == ["VIP", "Корпоратив"]
    assert (data["orders_count"], data["total_spent"]) == (2, "3500.00")
    assert not Customer.objects.filter(pk=merge.id).exists()

    events = list(OrderEvent.objects.order_by("id"))
    assert [e.order_id for e in events] == moved
    assert all(e.type == "edited" and e.actor_id == manager.user_id for e in events)
    assert events[0].data == {"before": {"customer_id": merge.id}, "after": {"customer_id": keep.id}, "reason": "merge"}


@pytest.mark.parametrize("role", [Role.ADMIN, Role.MANAGER])
def test_office_roles_may_merge(
    role: str,
    pair: tuple[Customer, Customer],
    member: Callable[..., Membership],
    api_as: Callable[[Membership], APIClient],
) -> None:
    keep, merge = pair
    assert api_as(member(role)).post(URL, {"keep_id": keep.id, "merge_id": merge.id}, format="json").status_code == 200


@pytest.mark.parametrize("role", [Role.FLORIST, Role.COURIER, None])
def test_other_roles_may_not(
    role: str | None,
    pair: tuple[Customer, Customer],
    member: Callable[..., Membership],
    api_as: Callable[[Membership], APIClient],
    api: APIClient,
) -> None:
    keep, merge = pair
    make_order(keep.shop, customer=keep, status=OrderStatus.CONFIRMED)  # the florist can see this buyer: still refused
    client = api_as(member(role)) if role else api
    before = snapshot()
    response = client.post(URL, {"keep_id": keep.id, "merge_id": merge.id}, format="json")
    if role is None:
        assert_error(response, 401, "not_authenticated")
    else:
        assert_error(response, 403, "permission_denied")
    assert snapshot() == before


def test_same_id_is_400_on_merge_id(manager: APIClient, pair: tuple[Customer, Customer]) -> None:
    keep, _ = pair
    before = snapshot()
    body = assert_error(manager.post(URL, {"keep_id": keep.id, "merge_id": keep.id}, format="json"), 400, "invalid")
    assert list(body["errors"]) == ["merge_id"]
    assert snapshot() == before


@pytest.mark.parametrize("field", ["keep_id", "merge_id"])
def test_another_shops_customer_is_400_on_that_field(
    manager: APIClient, pair: tuple[Customer, Customer], other_shop: Shop, field: str
) -> None:
    keep, merge = pair
    theirs = CustomerFactory(shop=other_shop)
    make_order(theirs.shop, customer=theirs)
    payload = {"keep_id": keep.id, "merge_id": merge.id, field: theirs.id}
    before = snapshot()
    body = assert_error(manager.post(URL, payload, format="json"), 400, "invalid")
    assert list(body["errors"]) == [field]
    assert snapshot() == before


@pytest.mark.parametrize(
    "payload",
    [
        {},
        {"keep_id": 1},
        {"keep_id": None, "merge_id": 2},
        {"keep_id": "abc", "merge_id": 2},
        {"keep_id": True, "merge_id": 2},
        {"keep_id": 10**30, "merge_id": 2},
        {"keep_id": -1, "merge_id": 2},
        {"keep_id": 999999, "merge_id": 2},
        {"keep_id": [1], "merge_id": 2},
    ],
)
def test_bad_bodies_are_400(manager: APIClient, pair: tuple[Customer, Customer], payload: dict[str, Any]) -> None:
    before = snapshot()
    assert_error(manager.post(URL, payload, format="json"), 400, "invalid")
    assert snapshot() == before


def test_merge_beyond_the_limits_is_409(manager: APIClient, shop: Shop) -> None:
    keep = CustomerFactory(shop=shop)
    merge = CustomerFactory(shop=shop)
    for i in range(11):
        AddressFactory(customer=keep, address=f"a{i}")
        AddressFactory(customer=merge, address=f"b{i}")
    before = snapshot()
    assert_error(manager.post(URL, {"keep_id": keep.id, "merge_id": merge.id}, format="json"), 409, "conflict")
    assert snapshot() == before


# --- §11.1: merging keeps the phone ----------------------------------------------------------


def test_the_merged_phone_becomes_an_extra_phone_of_the_kept_customer(
    manager: APIClient, pair: tuple[Customer, Customer]
) -> None:
    keep, merge = pair
    ExtraPhoneFactory(customer=merge, phone="+77055550000")  # merge's own extra phone comes along

    data = manager.post(URL, {"keep_id": keep.id, "merge_id": merge.id}, format="json").json()

    assert data["phone"] == "+77011234567"
    assert data["extra_phones"] == ["+77055550000", "+77017654321"]
    assert manager.get(f"/api/customers/{keep.id}/").json()["extra_phones"] == data["extra_phones"]
    # Search by the merged phone, in any format, finds the kept customer.
    found = manager.get("/api/customers/", {"search": "8 701 765 43 21"}).json()
    assert [r["id"] for r in found["items"]] == [keep.id]
    # Creating a customer with that phone is a 400 on phone; nothing is written.
    before = snapshot()
    body = assert_error(manager.post("/api/customers/", {"phone": "87017654321"}, format="json"), 400, "invalid")
    assert list(body["errors"]) == ["phone"]
    assert snapshot() == before


def test_merging_a_customer_that_has_extra_phones_twice_keeps_them_all(manager: APIClient, shop: Shop) -> None:
    a, b, c = (CustomerFactory(shop=shop) for _ in range(3))
    manager.post(URL, {"keep_id": b.id, "merge_id": a.id}, format="json")
    data = manager.post(URL, {"keep_id": c.id, "merge_id": b.id}, format="json").json()
    assert sorted(data["extra_phones"]) == sorted([a.phone, b.phone])
