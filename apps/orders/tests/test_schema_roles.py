"""Every order and task response each role receives validates against /api/schema/
(ARCHITECTURE §11.1 "The schema tells the truth"): per-role components joined by ``oneOf``,
so a body must match exactly one role's shape."""

from __future__ import annotations

from typing import Any

import jsonschema
import pytest

from apps.catalog.tests.schema_check import assert_matches_schema
from apps.orders.models import OrderStatus
from apps.orders.services import order_transition
from apps.orders.tests.factories import make_order, make_product, make_stock, order_body
from apps.production.models import ProductionTask
from flowercrm.roles import Role

pytestmark = pytest.mark.django_db

S = OrderStatus


@pytest.fixture
def world(shop, member, api_as) -> dict[str, Any]:
    admin = member(Role.ADMIN)
    courier = member(Role.COURIER)
    product = make_product(shop, price="15000", recipe={make_stock(shop, quantity=100): 3})
    # Confirming an order of this one reports shortages.
    short = make_product(shop, price="9000", recipe={make_stock(shop, quantity=2): 3})
    return {"admin": admin, "courier": courier, "product": product, "short": short}


def check(response: Any, path: str, method: str, status: int) -> dict[str, Any]:
    assert response.status_code == status, (path, response.status_code, response.content[:300])
    body: dict[str, Any] = response.json()
    assert_matches_schema(path, method, status, body)
    return body


def moved(order, to_statuses, actor):
    for to in to_statuses:
        order_transition(order=order, to=to, actor=actor, role=Role.ADMIN, reason="")
    return order


@pytest.mark.parametrize("role", [Role.ADMIN, Role.MANAGER, Role.FLORIST, Role.COURIER])
def test_order_responses_of_every_role_match_the_schema(role, shop, member, api_as, world) -> None:
    admin = world["admin"].user
    caller = world["admin"] if role == Role.ADMIN else (world["courier"] if role == Role.COURIER else member(role))
    client = api_as(caller)
    product = world["short"] if role in (Role.ADMIN, Role.MANAGER) else world["product"]
    order = make_order(shop, admin, product, courier=world["courier"].user, is_anonymous=False)
    if role in (Role.ADMIN, Role.MANAGER):
        answer = check(
            client.post(f"/api/orders/{order.id}/transition/", {"status": "confirmed"}, format="json"),
            "/api/orders/{id}/transition/",
            "post",
            200,
        )
        assert answer["shortages"] and "warnings" in answer
        created = check(
            client.post("/api/orders/", order_body(world["product"]), format="json"), "/api/orders/", "post", 201
        )
        assert "warnings" in created
        check(
            client.patch(f"/api/orders/{order.id}/", {"card_text": "Ура"}, format="json"),
            "/api/orders/{id}/",
            "patch",
            200,
        )
        check(
            client.post(f"/api/orders/{order.id}/payments/", {"amount": "100", "method": "cash"}, format="json"),
            "/api/orders/{id}/payments/",
            "post",
            201,
        )
    elif role == Role.FLORIST:
        moved(order, [S.CONFIRMED], admin)
        answer = check(
            client.post(f"/api/orders/{order.id}/transition/", {"status": "in_production"}, format="json"),
            "/api/orders/{id}/transition/",
            "post",
            200,
        )
        assert "total" not in answer and "shortages" not in answer
    else:
        moved(order, [S.CONFIRMED, S.IN_PRODUCTION, S.ASSEMBLED], admin)
        answer = check(
            client.post(f"/api/orders/{order.id}/transition/", {"status": "out_for_delivery"}, format="json"),
            "/api/orders/{id}/transition/",
            "post",
            200,
        )
        assert answer["buyer"] and "customer" not in answer
        check(
            client.post(f"/api/orders/{order.id}/issue/", {"type": "wrong_address"}, format="json"),
            "/api/orders/{id}/issue/",
            "post",
            200,
        )
    listed = check(client.get("/api/orders/"), "/api/orders/", "get", 200)
    assert order.id in [row["id"] for row in listed["items"]]
    check(client.get(f"/api/orders/{order.id}/"), "/api/orders/{id}/", "get", 200)


@pytest.mark.parametrize("role", [Role.ADMIN, Role.MANAGER, Role.FLORIST])
def test_task_responses_match_the_schema(role, shop, member, api_as, world) -> None:
    admin = world["admin"].user
    caller = world["admin"] if role == Role.ADMIN else member(role)
    client = api_as(caller)
    order = moved(make_order(shop, admin, world["product"]), [S.CONFIRMED], admin)
    task = ProductionTask.objects.get(order=order)
    check(client.get("/api/production/tasks/"), "/api/production/tasks/", "get", 200)
    check(client.get(f"/api/production/tasks/{task.id}/"), "/api/production/tasks/{id}/", "get", 200)
    check(client.post(f"/api/production/tasks/{task.id}/take/"), "/api/production/tasks/{id}/take/", "post", 200)
    check(client.post(f"/api/production/tasks/{task.id}/start/"), "/api/production/tasks/{id}/start/", "post", 200)


def test_tracking_matches_the_schema(api, shop, world) -> None:
    order = make_order(shop, world["admin"].user, world["product"])
    check(api.get(f"/api/tracking/{order.tracking_token}/"), "/api/tracking/{token}/", "get", 200)


def test_a_florists_body_with_money_would_not_validate(shop, member, api_as, world) -> None:
    """The check itself can fail: the florist's shape forbids money, the office's requires it."""
    admin = world["admin"].user
    order = moved(make_order(shop, admin, world["product"]), [S.CONFIRMED], admin)
    body = check(api_as(member(Role.FLORIST)).get(f"/api/orders/{order.id}/"), "/api/orders/{id}/", "get", 200)
    with pytest.raises(jsonschema.ValidationError):
        assert_matches_schema("/api/orders/{id}/", "get", 200, {**body, "total": "15000.00"})
    courier_body = {k: v for k, v in body.items() if k != "customer"}
    with pytest.raises(jsonschema.ValidationError):
        assert_matches_schema("/api/orders/{id}/", "get", 200, {**courier_body, "buyer": None})
