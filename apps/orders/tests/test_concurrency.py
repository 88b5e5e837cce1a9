"""Concurrency on PostgreSQL with real threads: stock never oversold, numbers unique,
idempotent retries make one order."""

from __future__ import annotations

from typing import Any

import pytest

from apps.customers.models import Customer
from apps.orders.models import Order, OrderStatus
from apps.orders.services import order_transition
from apps.orders.tests.factories import make_order, make_product, make_stock, order_body
from apps.warehouse.models import StockMovement
from flowercrm.errors import DomainError
from flowercrm.roles import Role
from flowercrm.testing import rows_locked_elsewhere, run_threads

pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.usefixtures("requires_postgres")]


def test_twenty_concurrent_assemblies_against_stock_for_ten(shop, member) -> None:
    office = member(Role.ADMIN)
    stem = make_stock(shop, name="Роза", quantity=10)
    product = make_product(shop, recipe={stem: 1})
    orders = [make_order(shop, office.user, product) for _ in range(20)]
    Order.objects.filter(pk__in=[o.pk for o in orders]).update(status=OrderStatus.IN_PRODUCTION)

    def assemble(i: int) -> str:
        order_transition(order=orders[i], to=OrderStatus.ASSEMBLED, actor=office.user, role=Role.ADMIN)
        return "ok"

    results = run_threads(20, assemble)
    assert results.count("ok") == 10
    assert all(isinstance(r, DomainError) and r.code == "insufficient_stock" for r in results if r != "ok")
    stem.refresh_from_db()
    assert stem.quantity == 0
    assert Order.objects.filter(status=OrderStatus.ASSEMBLED).count() == 10
    assert StockMovement.objects.filter(item=stem, kind="consumption").count() == 10


def test_order_numbers_stay_unique_under_concurrent_creates(shop, member, api_as) -> None:
    office = member(Role.MANAGER)
    product = make_product(shop)
    client_token = api_as(office)._credentials["HTTP_AUTHORIZATION"]

    def create(i: int) -> int:
        from rest_framework.test import APIClient

        client = APIClient()
        client.credentials(HTTP_AUTHORIZATION=client_token)
        response = client.post(
            "/api/orders/", order_body(product, customer={"phone": f"+7701200{i:04d}"}), format="json"
        )
        assert response.status_code == 201, response.content
        return response.json()["number"]

    numbers = run_threads(10, create)
    assert sorted(numbers) == list(range(1, 11))


def test_concurrent_retries_with_one_idempotency_key_make_one_order(shop, member, api_as) -> None:
    office = member(Role.MANAGER)
    product = make_product(shop)
    token = api_as(office)._credentials["HTTP_AUTHORIZATION"]
    body = order_body(product)

    def create(i: int) -> tuple[int, dict[str, Any]]:
        from rest_framework.test import APIClient

        client = APIClient()
        client.credentials(HTTP_AUTHORIZATION=token)
        response = client.post("/api/orders/", body, format="json", HTTP_IDEMPOTENCY_KEY="retry-42")
        return response.status_code, response.json()

    results = run_threads(8, create)
    assert {status for status, _ in results} == {201}
    assert len({body["id"] for _, body in results}) == 1
    assert Order.objects.count() == 1


def test_editing_an_order_does_not_lock_its_buyer(shop, member, api_as) -> None:
    # Found by fuzzing: PATCH /api/orders/{id}/ locked the order and (through select_related)
    # its customer, while PATCH /api/customers/{id}/ locks the customer and then reindexes
    # the customer's orders: the two deadlocked and one answered 500.
    office = member(Role.ADMIN)
    order = make_order(shop, office.user, make_product(shop))
    with rows_locked_elsewhere(Customer.objects.filter(pk=order.customer_id)):
        response = api_as(office).patch(f"/api/orders/{order.pk}/", {"card_text": "Люблю"}, format="json")
    assert response.status_code == 200, response.content
