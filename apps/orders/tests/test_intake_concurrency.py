"""Order intake under concurrency on PostgreSQL with real threads: orders for one customer
by phone and by id at once never deadlock (issue 11, item 1)."""

from __future__ import annotations

from typing import Any

import pytest
from rest_framework.test import APIClient

from apps.orders.models import Order
from apps.orders.tests.factories import make_customer, make_product, order_body
from flowercrm.roles import Role
from flowercrm.testing import run_threads

pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.usefixtures("requires_postgres")]

ROUNDS = 20
PER_ROUND = 8


def test_mixed_phone_and_id_creates_for_one_customer_never_deadlock(shop, member, api_as) -> None:
    """Half the requests name the buyer by phone (which locks the customer row), half by
    id (whose foreign key needs that row at commit); before the fix, the two paths took the
    customer and the shop's order counter in opposite orders and PostgreSQL killed one as a
    deadlock (a 500)."""
    office = member(Role.MANAGER)
    product = make_product(shop)
    customer = make_customer(shop, phone="+77011234567")
    token = api_as(office)._credentials["HTTP_AUTHORIZATION"]

    def create(i: int) -> Any:
        client = APIClient()
        client.credentials(HTTP_AUTHORIZATION=token)
        if i % 2:
            body = order_body(product, customer={"phone": "8 701 123 45 67", "name": "Айгерим"})
        else:
            body = order_body(product, customer=None, customer_id=customer.pk)
            del body["customer"]
        response = client.post("/api/orders/", body, format="json")
        return response.json()["number"] if response.status_code == 201 else (response.status_code, response.content)

    failures: list[Any] = []
    for _ in range(ROUNDS):
        results = run_threads(PER_ROUND, create)
        failures += [r for r in results if not isinstance(r, int)]
    assert failures == []
    total = ROUNDS * PER_ROUND
    numbers = sorted(Order.objects.filter(shop=shop).values_list("number", flat=True))
    assert numbers == list(range(1, total + 1))
    assert set(Order.objects.filter(shop=shop).values_list("customer_id", flat=True)) == {customer.pk}


def test_crossing_consumptions_lock_stock_in_one_order(shop, member) -> None:
    """Each order reserved one item and its florist reports having used the other: assembly
    consumes one set of rows and releases another. Locked in two passes, A took rose then
    tulip while B took tulip then rose; all rows are now locked at once, in id order."""
    from apps.orders.models import OrderStatus
    from apps.orders.services import order_transition
    from apps.orders.tests.factories import make_order, make_stock

    office = member(Role.ADMIN)
    rose, tulip = make_stock(shop, name="Роза", quantity=1000), make_stock(shop, name="Тюльпан", quantity=1000)
    pairs = []
    for _ in range(6):
        pair = []
        for reserved, used in ((rose, tulip), (tulip, rose)):
            order = make_order(shop, office.user, make_product(shop, recipe={reserved: 1}))
            for to in (OrderStatus.CONFIRMED, OrderStatus.IN_PRODUCTION):
                order_transition(order=order, to=to, actor=office.user, role=Role.ADMIN)
            pair.append((order, {used.id: 1}))
        pairs += pair

    def assemble(i: int) -> str:
        order, used = pairs[i]
        order_transition(order=order, to=OrderStatus.ASSEMBLED, actor=office.user, role=Role.ADMIN, consumption=used)
        return "ok"

    assert run_threads(len(pairs), assemble) == ["ok"] * len(pairs)
    rose.refresh_from_db()
    tulip.refresh_from_db()
    assert (rose.quantity, rose.reserved, tulip.quantity, tulip.reserved) == (994, 0, 994, 0)
