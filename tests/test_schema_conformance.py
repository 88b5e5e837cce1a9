"""Schemathesis against the OpenAPI schema: every operation, called as each role of a seeded
shop, must answer without a server error, with a documented status code and a body that
validates against the documented response schema (ARCHITECTURE §11.1 "The schema tells the
truth").

In-process through the WSGI application (no server): requests run on the test's own database
connection inside its transaction, so they see the seeded shop and everything rolls back.
Bounded and deterministic: the ``examples`` and ``fuzzing`` phases, ``SCHEMA_MAX_EXAMPLES``
generated cases per operation, mode and role (default 8), a fixed seed, no shrinking. The
coverage phase (every boundary value of every field, hundreds of calls per operation) runs
with ``SCHEMA_PHASES=examples,coverage,fuzzing`` when someone wants the long run.

Read a failure as: the operation and role in the test id, the check (``ST108 Response
violates schema``, ``Undocumented HTTP status code``, ``Server error``) and the schema path.
"""

from __future__ import annotations

import json
import os
import re
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any

import pytest
import schemathesis
from django.core.signals import request_finished, request_started
from django.db import close_old_connections, transaction
from drf_spectacular.generators import SchemaGenerator
from hypothesis import HealthCheck, Phase, settings
from rest_framework.utils.encoders import JSONEncoder
from schemathesis.checks import not_a_server_error
from schemathesis.specs.openapi.checks import response_schema_conformance, status_code_conformance

from apps.orders.services import order_transition
from apps.orders.tests.factories import make_customer, make_order, make_product, make_stock
from apps.production.models import ProductionTask
from apps.shops.models import Membership
from apps.shops.sessions import tokens_issue
from apps.shops.tests.factories import MembershipFactory, ShopFactory
from apps.supplies.tests.factories import SupplierFactory, SupplyFactory, SupplyLineFactory
from apps.warehouse.models import StockMovement
from config.wsgi import application
from flowercrm.roles import Role

MAX_EXAMPLES = int(os.environ.get("SCHEMA_MAX_EXAMPLES", "8"))
PHASES = os.environ.get("SCHEMA_PHASES", "examples,fuzzing").split(",")
ROLES = [Role.ADMIN, Role.MANAGER, Role.FLORIST, Role.COURIER]
CHECKS = [not_a_server_error, status_code_conformance, response_schema_conformance]


def _load_schema() -> Any:
    # The same document /api/schema/ serves, built without a request.
    raw = SchemaGenerator().get_schema(request=None, public=True)
    loaded = schemathesis.openapi.from_dict(json.loads(json.dumps(raw, cls=JSONEncoder)))
    loaded.app = application
    loaded.config.generation.update(max_examples=MAX_EXAMPLES, deterministic=True, no_shrink=True)
    loaded.config.phases.update(phases=PHASES)
    return loaded


schema = _load_schema()


@dataclass
class Seeded:
    """A small shop with a person per role and a row of every kind the API reads."""

    tokens: dict[str, str]
    ids: dict[str, list[int]] = field(default_factory=dict)
    tracking_tokens: list[str] = field(default_factory=list)
    storefront_slug: str = ""
    storefront_products: list[int] = field(default_factory=list)


def _seed() -> Seeded:
    shop = ShopFactory(name="Схема-тест", storefront_enabled=True, phone="+77272500000", hours="9–21")
    members: dict[str, Membership] = {role: MembershipFactory(shop=shop, role=role) for role in ROLES}
    admin = members[Role.ADMIN].user
    stock = [make_stock(shop) for _ in range(2)]
    products = [make_product(shop, price="12000") for _ in range(2)]
    customer = make_customer(shop)
    fresh = make_order(shop, admin, products[0], customer=customer)
    confirmed = make_order(shop, admin, products[1], courier=members[Role.COURIER].user)
    order_transition(order=confirmed, to="confirmed", actor=admin, role=Role.ADMIN)
    supplier = SupplierFactory(shop=shop)
    supply = SupplyFactory(shop=shop, supplier=supplier)
    SupplyLineFactory(supply=supply, stock_item=stock[0])
    return Seeded(
        tokens={role: tokens_issue(membership=m).access for role, m in members.items()},
        ids={
            "orders": [confirmed.pk, fresh.pk],
            "customers": [customer.pk],
            "products": [p.pk for p in products],
            "warehouse/items": [s.pk for s in stock],
            "warehouse/movements": list(StockMovement.objects.filter(shop=shop).values_list("pk", flat=True)[:3]),
            "production/tasks": list(ProductionTask.objects.filter(shop=shop).values_list("pk", flat=True)),
            "supplies": [supply.pk],
            "suppliers": [supplier.pk],
            "users": [m.user_id for m in members.values()],
        },
        tracking_tokens=[confirmed.tracking_token, fresh.tracking_token],
        storefront_slug=shop.slug,
        storefront_products=[p.pk for p in products],
    )


@pytest.fixture(scope="module")
def seeded_shop(django_db_setup: None, django_db_blocker: Any) -> Iterator[Seeded]:
    """Seeded once for the module in an outer transaction that is rolled back at its end;
    each test's own transaction is a savepoint inside it, so every test starts from this state."""
    with django_db_blocker.unblock(), transaction.atomic():
        yield _seed()
        transaction.set_rollback(True)


@pytest.fixture
def seeded(seeded_shop: Seeded, db: None) -> Iterator[Seeded]:
    # Requests run on the test's connection inside its transaction: keep Django from closing
    # it at the end of each request, as its own test client does.
    request_started.disconnect(close_old_connections)
    request_finished.disconnect(close_old_connections)
    try:
        yield seeded_shop
    finally:
        request_started.connect(close_old_connections)
        request_finished.connect(close_old_connections)


_COLLECTION = re.compile(r"^/api/(?P<collection>[a-z/-]+?)/\{id\}")


def _aim_at_seeded_rows(case: Any, seeded: Seeded) -> None:
    """Point three of four generated ids at rows that exist, so the fuzzer gets past the 404."""
    params = case.path_parameters or {}
    match = _COLLECTION.match(case.operation.path)
    if match and isinstance(params.get("id"), int) and params["id"] % 4:
        ids = seeded.ids.get(match["collection"])
        if ids:
            params["id"] = ids[params["id"] % len(ids)]
    if isinstance(params.get("token"), str) and len(params["token"]) % 2:
        params["token"] = seeded.tracking_tokens[len(params["token"]) % 4 // 2]
    # The public storefront: three of four slugs name the seeded shop, and its products.
    if isinstance(params.get("slug"), str) and len(params["slug"]) % 4:
        params["slug"] = seeded.storefront_slug
        if case.operation.path.endswith("/products/{id}") and isinstance(params.get("id"), int) and params["id"] % 4:
            params["id"] = seeded.storefront_products[params["id"] % 2]


@pytest.mark.schemathesis
@pytest.mark.django_db
@pytest.mark.parametrize("role", ROLES)
@schema.parametrize()
@settings(
    max_examples=MAX_EXAMPLES,
    derandomize=True,
    deadline=None,
    database=None,
    phases=[Phase.explicit, Phase.generate],
    suppress_health_check=list(HealthCheck),
)
def test_responses_match_the_schema(case: Any, role: str, seeded: Seeded) -> None:
    _aim_at_seeded_rows(case, seeded)
    case.call_and_validate(headers={"Authorization": f"Bearer {seeded.tokens[role]}"}, checks=CHECKS)
