"""The role matrix of ARCHITECTURE §3 across every area: role × endpoint × method → status.

One table, read top to bottom like the architecture's. Each row runs for each role on a fresh
shop, so a write by one role never changes what another sees.
"""

from __future__ import annotations

from decimal import Decimal
from typing import Any

import pytest

from apps.orders.models import OrderStatus
from apps.orders.services import order_transition
from apps.orders.tests.factories import make_customer, make_order, make_product, make_stock
from apps.production.models import ProductionTask
from flowercrm.roles import Role

pytestmark = pytest.mark.django_db

A, M, F, C = Role.ADMIN, Role.MANAGER, Role.FLORIST, Role.COURIER

# (name, method, path, body, {role: status})
MATRIX: list[tuple[str, str, str, Any, dict[str, int]]] = [
    ("shop read", "get", "/api/shops/current/", None, {A: 200, M: 200, F: 200, C: 200}),
    ("shop settings write", "patch", "/api/shops/current/", {"labour_cost": "500"}, {A: 200, M: 403, F: 403, C: 403}),
    ("staff list", "get", "/api/users/", None, {A: 200, M: 200, F: 403, C: 403}),
    (
        "staff create",
        "post",
        "/api/users/",
        {"phone": "+77017770101", "name": "Новенький", "role": "florist"},
        {A: 201, M: 403, F: 403, C: 403},
    ),
    ("meta", "get", "/api/meta/", None, {A: 200, M: 200, F: 200, C: 200}),
    ("customers list", "get", "/api/customers/", None, {A: 200, M: 200, F: 200, C: 403}),
    ("customer read", "get", "/api/customers/{customer}/", None, {A: 200, M: 200, F: 200, C: 403}),
    (
        "customer create",
        "post",
        "/api/customers/",
        {"phone": "+77017770202", "name": "Клиент"},
        {A: 201, M: 201, F: 403, C: 403},
    ),
    ("customer edit", "patch", "/api/customers/{customer}/", {"notes": "x"}, {A: 200, M: 200, F: 403, C: 403}),
    ("upcoming dates", "get", "/api/customers/upcoming-dates/", None, {A: 200, M: 200, F: 403, C: 403}),
    ("report sales", "get", "/api/reports/sales/", None, {A: 200, M: 200, F: 403, C: 403}),
    ("report products", "get", "/api/reports/products/", None, {A: 200, M: 200, F: 403, C: 403}),
    ("report stock", "get", "/api/reports/stock/", None, {A: 200, M: 200, F: 403, C: 403}),
    ("report receivables", "get", "/api/reports/receivables/", None, {A: 200, M: 200, F: 403, C: 403}),
    ("report staff", "get", "/api/reports/staff/", None, {A: 200, M: 200, F: 403, C: 403}),
    ("products list", "get", "/api/products/", None, {A: 200, M: 200, F: 200, C: 403}),
    ("product create", "post", "/api/products/", {"name": "Букет", "price": "1000"}, {A: 201, M: 201, F: 403, C: 403}),
    ("product edit", "patch", "/api/products/{product}/", {"price": "2000"}, {A: 200, M: 200, F: 403, C: 403}),
    (
        "calculator",
        "post",
        "/api/catalog/calculate/",
        {"components": [{"stock_item_id": "{stock}", "quantity": 2}]},
        {A: 200, M: 200, F: 200, C: 403},
    ),
    ("stock list", "get", "/api/warehouse/items/", None, {A: 200, M: 200, F: 200, C: 403}),
    (
        "stock create",
        "post",
        "/api/warehouse/items/",
        {"name": "Пион", "category": "flower", "unit": "stem"},
        {A: 201, M: 201, F: 403, C: 403},
    ),
    (
        "write-off",
        "post",
        "/api/warehouse/items/{stock}/write-off/",
        {"quantity": 1, "reason": "wilted"},
        {A: 200, M: 200, F: 200, C: 403},
    ),
    (
        "stocktake",
        "post",
        "/api/warehouse/items/{stock}/adjust/",
        {"counted_quantity": 5, "reason": "пересчёт"},
        {A: 200, M: 200, F: 403, C: 403},
    ),
    ("movements", "get", "/api/warehouse/movements/", None, {A: 200, M: 200, F: 200, C: 403}),
    ("supplies list", "get", "/api/supplies/", None, {A: 200, M: 200, F: 200, C: 403}),
    (
        "supply create",
        "post",
        "/api/supplies/",
        {"supplier_name": "Голландия", "lines": []},
        {A: 201, M: 201, F: 403, C: 403},
    ),
    ("orders list", "get", "/api/orders/", None, {A: 200, M: 200, F: 200, C: 200}),
    ("order read", "get", "/api/orders/{order}/", None, {A: 200, M: 200, F: 200, C: 200}),
    ("order edit", "patch", "/api/orders/{order}/", {"card_text": "x"}, {A: 200, M: 200, F: 403, C: 403}),
    (
        "payment",
        "post",
        "/api/orders/{order}/payments/",
        {"amount": "100", "method": "cash"},
        {A: 201, M: 201, F: 403, C: 403},
    ),
    ("comment", "post", "/api/orders/{order}/comments/", {"text": "x"}, {A: 201, M: 201, F: 201, C: 201}),
    (
        "cancel order",
        "post",
        "/api/orders/{order}/transition/",
        {"status": "cancelled", "reason": "x"},
        {A: 200, M: 200, F: 403, C: 403},
    ),
    (
        "start order",
        "post",
        "/api/orders/{order}/transition/",
        {"status": "in_production"},
        {A: 200, M: 200, F: 200, C: 403},
    ),
    (
        "issue",
        "post",
        "/api/orders/{order}/issue/",
        {"type": "wrong_address", "comment": "x"},
        {A: 200, M: 200, F: 403, C: 200},
    ),
    ("queue", "get", "/api/production/tasks/", None, {A: 200, M: 200, F: 200, C: 403}),
    ("take task", "post", "/api/production/tasks/{task}/take/", None, {A: 200, M: 200, F: 200, C: 403}),
    ("assign task", "patch", "/api/production/tasks/{task}/", {"notes": "x"}, {A: 200, M: 200, F: 403, C: 403}),
    (
        "cancel task",
        "post",
        "/api/production/tasks/{task}/cancel/",
        {"reason": "x", "requeue": True},
        {A: 200, M: 200, F: 403, C: 403},
    ),
    ("production stats", "get", "/api/production/stats/", None, {A: 200, M: 200, F: 403, C: 403}),
]


def _fill(value: Any, ids: dict[str, int]) -> Any:
    if isinstance(value, str) and value.startswith("{") and value.endswith("}") and value[1:-1] in ids:
        return ids[value[1:-1]]
    if isinstance(value, str):
        return value.format(**ids)
    if isinstance(value, dict):
        return {k: _fill(v, ids) for k, v in value.items()}
    if isinstance(value, list):
        return [_fill(v, ids) for v in value]
    return value


@pytest.mark.parametrize("role", [A, M, F, C])
@pytest.mark.parametrize(("name", "method", "path", "body", "expected"), MATRIX, ids=[row[0] for row in MATRIX])
def test_role_matrix(role, name, method, path, body, expected, shop, member, api_as) -> None:
    owner = member(Role.ADMIN)
    caller = member(role) if role != Role.ADMIN else owner
    stock = make_stock(shop, name="Роза", quantity=50)
    product = make_product(shop, price="15000", recipe={stock: 3})
    customer = make_customer(shop)
    order = make_order(shop, owner.user, product, customer=customer, courier=caller.user if role == C else None)
    order_transition(order=order, to=OrderStatus.CONFIRMED, actor=owner.user, role=Role.ADMIN)
    task = ProductionTask.objects.get(order=order)
    ids = {"stock": stock.id, "product": product.id, "customer": customer.id, "order": order.id, "task": task.id}
    client = api_as(caller)
    response = getattr(client, method)(_fill(path, ids), _fill(body, ids), format="json")
    assert response.status_code == expected[role], (name, role, response.status_code, response.content[:300])
    if response.status_code == 403:
        assert response.json()["code"] == "permission_denied"


def test_anonymous_gets_401_everywhere(api, shop) -> None:
    for _, method, path, body, _ in MATRIX:
        if "{" in path:
            path = path.split("{")[0] + "1/" + (path.split("}/", 1)[1] if "}/" in path else "")
        response = getattr(api, method)(path, body, format="json")
        assert response.status_code == 401, (method, path, response.status_code)
        assert response.json()["code"] == "not_authenticated"


def test_money_is_decimal_strings_everywhere(shop, member, api_as) -> None:
    owner = member(Role.ADMIN)
    stock = make_stock(shop, quantity=5, unit_price="123.45")
    product = make_product(shop, price="15000", recipe={stock: 2})
    make_order(shop, owner.user, product)
    client = api_as(owner)
    assert client.get(f"/api/warehouse/items/{stock.id}/").json()["unit_cost"] == "123.45"
    assert client.get(f"/api/products/{product.id}/").json()["cost"] == str(Decimal("246.90"))
    order = client.get("/api/orders/").json()["items"][0]
    assert (order["total"], order["amount_due"]) == ("15000.00", "15000.00")


# Order money each role sees in an order's detail and list row (§11.1 "Who sees money").
ORDER_MONEY = {"subtotal", "delivery_fee", "discount", "total", "paid_amount", "amount_due", "payment_status"}
ORDER_MONEY_SEEN = {A: ORDER_MONEY, M: ORDER_MONEY, F: set(), C: {"amount_due"}}


@pytest.mark.parametrize("role", [A, M, F, C])
def test_order_money_by_role(role, shop, member, api_as) -> None:
    owner = member(Role.ADMIN)
    caller = member(role) if role != Role.ADMIN else owner
    product = make_product(shop, price="15000", recipe={make_stock(shop, quantity=50): 3})
    order = make_order(shop, owner.user, product, courier=caller.user if role == C else None)
    order_transition(order=order, to=OrderStatus.CONFIRMED, actor=owner.user, role=Role.ADMIN)
    client = api_as(caller)
    detail = client.get(f"/api/orders/{order.id}/").json()
    row = client.get("/api/orders/").json()["items"][0]
    assert ORDER_MONEY & set(detail) == ORDER_MONEY_SEEN[role]
    assert ORDER_MONEY & set(row) == ORDER_MONEY_SEEN[role]
    assert ("payments" in detail) == (role in (A, M))
    item_keys = set(row["items"][0]) if role != C else set()
    assert bool(item_keys & {"unit_price", "line_total"}) == (role in (A, M))
