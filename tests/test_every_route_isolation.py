"""Another shop's rows are invisible on EVERY API route, found from the OpenAPI schema — so a
route added later is covered without anyone remembering to add a test.

- Each route with an id in its path answers 404 for another shop's object, for every method
  the route allows, whatever the role (a role the route refuses outright gets 403, which
  tells nothing about the row), and writes nothing.
- Each request body field that references a row (``*_id``, ``*_ids``, nested ``id``) answers
  400 on that field for another shop's id (or 403 for a role refused outright) and writes
  nothing.

A path parameter or body reference this test does not know FAILS the test: add a maker of
that kind of row to ``MAKERS`` and name it in ``PATH_KINDS`` / ``BODY_KINDS`` (or, for
something that is not a row of a shop, explain why in ``NOT_SHOP_SCOPED``).
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from typing import Any

import pytest
from django.apps import apps as django_apps
from django.urls import URLPattern, URLResolver, get_resolver
from django.utils import timezone
from drf_spectacular.generators import SchemaGenerator
from rest_framework.test import APIClient

from apps.catalog.tests.factories import UploadedImageFactory
from apps.customers.tests.factories import CustomerFactory
from apps.orders.models import OrderPhoto, OrderStatus, PhotoKind
from apps.orders.services import order_transition
from apps.orders.tests.factories import make_order, make_product, make_stock
from apps.production.models import ProductionTask
from apps.shops.models import DeliveryZone, MembershipStatus, Shop
from apps.shops.tests.factories import MembershipFactory
from apps.supplies.tests.factories import SupplierFactory, SupplyFactory
from apps.warehouse.models import StockMovement
from flowercrm.roles import Role

ROLES = [Role.ADMIN, Role.MANAGER, Role.FLORIST, Role.COURIER]


# --- What kind of row each path parameter and body reference names --------------------------


@dataclass
class Built:
    """Rows of one shop, made on demand and reused (a photo belongs to the order of the same
    ``Built``)."""

    shop: Shop
    actor: Any
    made: dict[str, Any] = field(default_factory=dict)

    def get(self, kind: str) -> Any:
        if kind not in self.made:
            self.made[kind] = MAKERS[kind](self)
        return self.made[kind]

    def id_of(self, kind: str) -> int:
        return int(self.get(kind).pk)


def _task(b: Built) -> ProductionTask:
    order = make_order(b.shop, b.actor, b.get("product"))
    order_transition(order=order, to=OrderStatus.CONFIRMED, actor=b.actor, role=Role.MANAGER)
    return ProductionTask.objects.get(order=order)


def _movement(b: Built) -> StockMovement:
    return StockMovement.objects.filter(item=b.get("stock_item")).latest("id")


def _photo(b: Built) -> OrderPhoto:
    image = UploadedImageFactory(shop=b.shop, attached_at=timezone.now())
    return OrderPhoto.objects.create(order=b.get("order"), image=image, kind=PhotoKind.OTHER)


MAKERS: dict[str, Callable[[Built], Any]] = {
    "customer": lambda b: CustomerFactory(shop=b.shop),
    "product": lambda b: make_product(b.shop),
    "stock_item": lambda b: make_stock(b.shop),
    "movement": _movement,
    "order": lambda b: make_order(b.shop, b.actor, b.get("product")),
    "photo": _photo,
    "task": _task,
    "supplier": lambda b: SupplierFactory(shop=b.shop),
    "supply": lambda b: SupplyFactory(shop=b.shop),
    # ``/api/users/{id}`` takes the user's id (not the membership's: the two sequences can meet).
    "member": lambda b: MembershipFactory(shop=b.shop, role=Role.FLORIST).user,
    "invitation": lambda b: MembershipFactory(
        shop=b.shop, role=Role.FLORIST, status=MembershipStatus.INVITED, is_active=False
    ),
    "delivery_zone": lambda b: DeliveryZone.objects.create(shop=b.shop, name=f"Зона {b.shop.pk}", fee=500),
    "image": lambda b: UploadedImageFactory(shop=b.shop),
    "florist_user": lambda b: MembershipFactory(shop=b.shop, role=Role.FLORIST).user,
    "courier_user": lambda b: MembershipFactory(shop=b.shop, role=Role.COURIER).user,
}

# The path up to and including a parameter → the kind of row it names.
PATH_KINDS: dict[str, str] = {
    "/api/auth/invitations/{id}": "invitation",
    "/api/customers/{id}": "customer",
    "/api/orders/{id}": "order",
    "/api/orders/{id}/photos/{photo_id}": "photo",
    "/api/production/tasks/{id}": "task",
    "/api/products/{id}": "product",
    "/api/suppliers/{id}": "supplier",
    "/api/supplies/{id}": "supply",
    "/api/users/{id}": "member",
    "/api/warehouse/items/{id}": "stock_item",
    "/api/warehouse/movements/{id}": "movement",
}

# A body field (its path, ``[]`` for a list's items; or only its name) → the kind of row.
BODY_KINDS: dict[str, str] = {
    "customer_id": "customer",
    "keep_id": "customer",
    "merge_id": "customer",
    "product_id": "product",
    "stock_item_id": "stock_item",
    "supplier_id": "supplier",
    "delivery_zone_id": "delivery_zone",
    "delivery_zones.[].id": "delivery_zone",
    "image_id": "image",
    "images": "image",
    "primary_image_id": "image",
    "photo_id": "image",
    "florist_id": "florist_user",
    "courier_id": "courier_user",
}

# The rest of a list item a reference is checked in (validated after the item's other fields).
ITEM_SIBLINGS: dict[str, dict[str, Any]] = {
    "delivery_zones.[].id": {"name": "Зона", "fee": "1"},
}

# Parameters and fields that do not name a row of the caller's shop, and why.
NOT_SHOP_SCOPED: dict[str, str] = {
    "/api/tracking/{token}": "public: the tracking token is the key, in whichever shop (test_tracking.py)",
    "shop_id": "chooses which of the person's own shops to work in; a shop without their membership is "
    "refused by the auth services (apps/accounts/tests)",
}


# --- The routes, from the schema ------------------------------------------------------------


@dataclass(frozen=True)
class Operation:
    method: str
    path: str  # the schema's template, e.g. /api/orders/{id}/photos/{photo_id}/
    params: tuple[str, ...]
    body_fields: tuple[str, ...]  # reference-like fields of the JSON body
    id_lists: frozenset[str] = frozenset()  # those of them that take a list of ids

    def __str__(self) -> str:
        return f"{self.method.upper()} {self.path}"


def _schema() -> dict[str, Any]:
    return SchemaGenerator().get_schema(request=None, public=True)  # type: ignore[no-any-return]


def _resolve(schema: dict[str, Any], node: Any) -> Any:
    while isinstance(node, dict) and "$ref" in node:
        node = schema["components"]["schemas"][node["$ref"].rsplit("/", 1)[-1]]
    return node


def _reference_fields(schema: dict[str, Any], node: Any, prefix: str = "") -> Iterator[tuple[str, bool]]:
    """Writable fields that look like references, and whether each takes a list: ``*_id``
    integers, an ``id`` in a nested item, any list of integers (``*_ids``, ``images``)."""
    node = _resolve(schema, node)
    for key in ("allOf", "oneOf", "anyOf"):
        for sub in node.get(key, []):
            yield from _reference_fields(schema, sub, prefix)
    if node.get("type") == "array":
        yield from _reference_fields(schema, node.get("items", {}), f"{prefix}[].")
        return
    for name, prop in (node.get("properties") or {}).items():
        resolved = _resolve(schema, prop)
        if resolved.get("readOnly"):
            continue
        path = f"{prefix}{name}"
        kind = resolved.get("type")
        items = _resolve(schema, resolved.get("items", {}))
        if kind == "integer" and (name.endswith("_id") or (name == "id" and prefix)):
            yield path, False
        elif kind == "array" and items.get("type") == "integer":
            yield path, True
        elif kind in ("object", "array") or "properties" in resolved or "allOf" in resolved:
            yield from _reference_fields(schema, prop, f"{path}.")


def _operations() -> list[Operation]:
    schema = _schema()
    found = []
    for path, operations in schema["paths"].items():
        for method, operation in operations.items():
            params = tuple(p["name"] for p in operation.get("parameters", []) if p["in"] == "path")
            fields: set[tuple[str, bool]] = set()
            content = (operation.get("requestBody") or {}).get("content", {})
            if "application/json" in content:
                fields = set(_reference_fields(schema, content["application/json"]["schema"]))
            names = tuple(sorted(name for name, _ in fields))
            found.append(Operation(method, path, params, names, frozenset(name for name, many in fields if many)))
    return found


OPERATIONS = _operations()


def _prefix(path: str, param: str) -> str:
    return path[: path.index("{" + param + "}") + len(param) + 2]


# --- Requests -------------------------------------------------------------------------------


def _row_counts() -> dict[str, int]:
    return {model._meta.label: model._default_manager.count() for model in django_apps.get_models()}


def _url(op: Operation, values: dict[str, int]) -> str:
    return re.sub(r"\{(\w+)\}", lambda m: str(values[m.group(1)]), op.path)


def _call(client: APIClient, op: Operation, url: str, body: dict[str, Any] | None) -> Any:
    if op.method in ("get", "delete"):
        return getattr(client, op.method)(url)
    return getattr(client, op.method)(url, body or {}, format="json")


@pytest.fixture
def callers(shop: Shop, api_as: Any) -> dict[str, APIClient]:
    return {role: api_as(MembershipFactory(shop=shop, role=role)) for role in ROLES}


@pytest.fixture
def mine(shop: Shop) -> Built:
    return Built(shop=shop, actor=MembershipFactory(shop=shop, role=Role.ADMIN).user)


@pytest.fixture
def theirs(other_shop: Shop) -> Built:
    return Built(shop=other_shop, actor=MembershipFactory(shop=other_shop, role=Role.ADMIN).user)


def _kind_of_path(op: Operation, param: str) -> str | None:
    prefix = _prefix(op.path, param)
    if prefix in NOT_SHOP_SCOPED:
        return None
    if prefix not in PATH_KINDS:
        pytest.fail(
            f"{op}: no maker for the path parameter {{{param}}} ({prefix}). Add the kind of row it names to "
            "PATH_KINDS (and a maker to MAKERS) in tests/test_every_route_isolation.py, or explain in "
            "NOT_SHOP_SCOPED why it is not a row of the caller's shop."
        )
    return PATH_KINDS[prefix]


def _kind_of_field(op: Operation, name: str) -> str | None:
    leaf = name.rsplit(".", 1)[-1]
    for key in (name, leaf):
        if key in NOT_SHOP_SCOPED:
            return None
        if key in BODY_KINDS:
            return BODY_KINDS[key]
    pytest.fail(
        f"{op}: no maker for the body field {name!r}. Add the kind of row it references to BODY_KINDS "
        "(and a maker to MAKERS) in tests/test_every_route_isolation.py, or explain in NOT_SHOP_SCOPED "
        "why it is not a row of the caller's shop."
    )


# --- The tests ------------------------------------------------------------------------------

# The public storefront has no caller's shop: the slug in the path names the shop, whatever
# token is sent. Another shop's product in its path or its products and zones in the checkout
# body are a 404 / a 400 that writes nothing in apps/storefront/tests (test_catalogue.py
# ``test_products_of_another_shop_are_never_shown``, test_checkout.py
# ``test_bad_input_is_a_400_that_writes_nothing``).
PUBLIC_PREFIX = "/api/public/"
DETAIL_OPERATIONS = [op for op in OPERATIONS if op.params and not op.path.startswith(PUBLIC_PREFIX)]
REFERENCE_OPERATIONS = [op for op in OPERATIONS if op.body_fields and not op.path.startswith(PUBLIC_PREFIX)]


def test_the_schema_lists_every_api_route() -> None:
    """The walk below starts from the schema: a view left out of it would be left out here."""
    documented = {endpoint[3].cls for endpoint in _endpoints()}
    missing = sorted(
        f"{prefix}{pattern.pattern}"
        for prefix, pattern in _url_patterns(get_resolver())
        if prefix.startswith("api/") or str(pattern.pattern).startswith(("api/", "^api/"))
        if getattr(pattern.callback, "cls", None) not in documented
        and "schema" not in str(pattern.pattern)
        and "docs" not in str(pattern.pattern)
    )
    assert not missing, f"API routes missing from the schema (so from this test): {missing}"
    assert DETAIL_OPERATIONS and REFERENCE_OPERATIONS


def _endpoints() -> list[Any]:
    generator = SchemaGenerator()
    generator._initialise_endpoints()
    return list(generator.endpoints or [])


def _url_patterns(resolver: URLResolver, prefix: str = "") -> Iterator[tuple[str, URLPattern]]:
    for pattern in resolver.url_patterns:
        if isinstance(pattern, URLResolver):
            yield from _url_patterns(pattern, prefix + str(pattern.pattern).lstrip("^"))
        else:
            yield prefix, pattern


@pytest.mark.parametrize("op", DETAIL_OPERATIONS, ids=str)
def test_another_shops_object_is_404_on_every_detail_route(
    op: Operation, callers: dict[str, APIClient], mine: Built, theirs: Built
) -> None:
    kinds = {param: _kind_of_path(op, param) for param in op.params}
    if all(kind is None for kind in kinds.values()):
        return
    # Every parameter from the other shop; then, for nested routes, the parents from the
    # caller's shop and the rest from the other shop (``/orders/<mine>/photos/<theirs>``).
    for split in range(len(op.params)):
        values = {}
        for index, (param, kind) in enumerate(kinds.items()):
            if kind is None:
                continue
            values[param] = (mine if index < split else theirs).id_of(kind)
        url = _url(op, values)
        before = _row_counts()
        answers = {role: _call(client, op, url, None) for role, client in callers.items()}
        statuses = {role: response.status_code for role, response in answers.items()}
        assert set(statuses.values()) <= {403, 404} and 404 in statuses.values(), (
            f"{op} with another shop's {', '.join(op.params[split:])}: {statuses} "
            f"{ {role: r.content[:200] for role, r in answers.items() if r.status_code not in (403, 404)} }"
        )
        assert _row_counts() == before, f"{op} with another shop's object wrote something"


def _body(name: str, value: int, *, many: bool = False) -> dict[str, Any]:
    """``items.[].product_id`` → ``{"items": [{"product_id": value}]}`` (``many``: a list of
    ids), with the item's ``ITEM_SIBLINGS``."""
    head, _, rest = name.partition(".")
    if not rest:
        return {head: [value] if many else value}
    if rest.startswith("[]."):
        item = {**ITEM_SIBLINGS.get(name, {}), **_body(rest[3:], value, many=many)}
        return {head: [item]}
    return {head: _body(rest, value, many=many)}


def _error_at(errors: Any, name: str) -> Any:
    """The errors of ``name`` in the error body's ``errors`` (None when there are none)."""
    node = errors
    for part in name.split("."):
        if part == "[]":
            if not isinstance(node, list) or not node:
                return None
            node = node[0]
        elif isinstance(node, dict) and part in node:
            node = node[part]
        else:
            return None
    return node or None


@pytest.mark.parametrize("op", REFERENCE_OPERATIONS, ids=str)
def test_another_shops_id_in_a_body_is_400_on_that_field(
    op: Operation, callers: dict[str, APIClient], mine: Built, theirs: Built
) -> None:
    values = {param: mine.id_of(kind) for param in op.params if (kind := _kind_of_path(op, param))}
    url = _url(op, values)
    for name in op.body_fields:
        kind = _kind_of_field(op, name)
        if kind is None:
            continue
        body = _body(name, theirs.id_of(kind), many=name in op.id_lists)
        before = _row_counts()
        answers = {role: _call(client, op, url, body) for role, client in callers.items()}
        refused = {
            role
            for role, response in answers.items()
            if response.status_code == 400 and _error_at(response.json().get("errors"), name)
        }
        # 403: the role may not call the route; 404: the caller's own row in the path is
        # hidden from this role (a florist sees only her orders). Neither tells anything.
        forbidden = {role for role, response in answers.items() if response.status_code in (403, 404)}
        assert refused and refused | forbidden == set(ROLES), (
            f"{op} with another shop's {name}: "
            f"{ {role: (r.status_code, r.content[:300]) for role, r in answers.items() if role not in refused} }"
        )
        assert _row_counts() == before, f"{op} with another shop's {name} wrote something"
