"""An order's list row as each role reads it (ARCHITECTURE §11.1): the fields of each shape,
and the row as plain data for the ``/ws`` feeds.

The office reads everything; florists no order money (``apps.orders.visibility``); couriers
the delivery, the buyer's contact only of orders that are not anonymous, and only
``amount_due``. The API's output serializers list the same fields (imported from here) and
describe their types for the schema; :func:`order_row` renders the same values without a
serializer, so ``apps.orders.events`` never imports the API (the API tests compare the two
for every role).
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from decimal import Decimal
from operator import itemgetter
from typing import Any, NamedTuple

from django.utils import timezone

from apps.orders.models import Order, OrderStatus
from apps.orders.status import allowed_transitions
from flowercrm.roles import Role
from flowercrm.rows import day, hhmm, moment, money

SUMMARY_FIELDS = [
    "id",
    "number",
    "status",
    "status_label",
    "allowed_transitions",
    "customer",
    "recipient_name",
    "recipient_phone",
    "is_anonymous",
    "delivery_method",
    "delivery_address",
    "address_needs_clarification",
    "delivery_date",
    "delivery_time_from",
    "delivery_time_to",
    "items",
    "subtotal",
    "delivery_fee",
    "discount",
    "total",
    "paid_amount",
    "amount_due",
    "payment_status",
    "florist",
    "courier",
    "issue_type",
    "source",
    "created_at",
    "updated_at",
]
# The order's money: none of it reaches florists; couriers get only ``amount_due``.
ORDER_MONEY_FIELDS = ("subtotal", "delivery_fee", "discount", "total", "paid_amount", "amount_due", "payment_status")
FLORIST_SUMMARY_FIELDS = [f for f in SUMMARY_FIELDS if f not in ORDER_MONEY_FIELDS]
COURIER_FIELDS = [
    "id",
    "number",
    "status",
    "status_label",
    "allowed_transitions",
    "buyer",
    "recipient_name",
    "recipient_phone",
    "delivery_method",
    "delivery_address",
    "delivery_entrance",
    "delivery_floor",
    "delivery_intercom",
    "address_needs_clarification",
    "call_before",
    "surprise",
    "delivery_date",
    "delivery_time_from",
    "delivery_time_to",
    "card_text",
    "items",
    "amount_due",
    "courier",
    "issue_type",
    "issue_comment",
]
# A line of an order: the office's list row, a florist's (no prices).
ITEM_FIELDS = ["id", "product_id", "name", "quantity", "unit_price", "line_total"]
ITEM_FLORIST_FIELDS = ["id", "product_id", "name", "quantity"]
# Amounts rendered as money strings (``payment_status`` is a choice).
_MONEY = frozenset(ORDER_MONEY_FIELDS) - {"payment_status"} | {"unit_price", "line_total", "unit_cost"}


# What a list reads of an order's lines (``values()`` names; ``order_id`` groups them).
ITEM_COLUMNS = ("id", "order_id", "product_id", "name", "quantity", "unit_price", "line_total")
# The columns (``values()`` names) a field of a row is rendered from; a field not named
# here reads its own column.
_COLUMNS: dict[str, tuple[str, ...]] = {
    "status_label": ("status",),
    "allowed_transitions": ("status", "delivery_method", "courier_id"),
    "customer": ("customer_id", "customer__name", "customer__phone"),
    "buyer": ("is_anonymous", "customer__name", "customer__phone"),
    "florist": ("florist_id", "florist__name"),
    "courier": ("courier_id", "courier__name"),
    "amount_due": ("total", "paid_amount"),
    "items": ("id",),
}
Record = dict[str, Any]
ZERO = Decimal("0.00")


def order_columns(role: str) -> list[str]:
    """The columns (``values()`` names) of an order that ``role``'s list row is built from."""
    columns: dict[str, None] = {}
    for name in _SHAPES[role][0]:
        columns.update(dict.fromkeys(_COLUMNS.get(name, (name,))))
    return list(columns)


def _person(pk_column: str, name_column: str) -> Callable[[Record], dict[str, Any] | None]:
    def render(row: Record) -> dict[str, Any] | None:
        pk = row[pk_column]
        return None if pk is None else {"id": pk, "name": str(row[name_column])}

    return render


def _money(column: str) -> Callable[[Record], str]:
    return lambda row: money(row[column])


_RENDER: dict[str, Callable[[Record], Any]] = {
    "customer": lambda row: {"id": row["customer_id"], "name": row["customer__name"], "phone": row["customer__phone"]},
    "buyer": lambda row: None
    if row["is_anonymous"]
    else {"name": row["customer__name"], "phone": row["customer__phone"]},
    "delivery_date": lambda row: day(row["delivery_date"]),
    "delivery_time_from": lambda row: hhmm(row["delivery_time_from"]),
    "delivery_time_to": lambda row: hhmm(row["delivery_time_to"]),
    "florist": _person("florist_id", "florist__name"),
    "courier": _person("courier_id", "courier__name"),
    "created_at": lambda row: moment(row["created_at"]),
    "updated_at": lambda row: moment(row["updated_at"]),
    "amount_due": lambda row: money(max(row["total"] - row["paid_amount"], ZERO)),
    **{name: _money(name) for name in _MONEY if name != "amount_due"},
}


def _renderer(name: str) -> Callable[[Record], Any]:
    return _RENDER.get(name) or itemgetter(name)


class _State(NamedTuple):
    """What ``allowed_transitions`` reads of an order."""

    status: str
    delivery_method: str
    courier_id: int | None


def _item_renderer(fields: list[str] | None) -> Callable[[Record], dict[str, Any]]:
    """A line in one of the shapes (None: the money-less ``name``/``quantity`` line)."""
    if fields is None:
        return lambda item: {"name": item["name"], "quantity": item["quantity"]}
    renders = [(name, _renderer(name)) for name in fields]
    return lambda item: {name: render(item) for name, render in renders}


# role → (fields, the fields of its lines; None: ``item_lines``)
_SHAPES: dict[str, tuple[list[str], list[str] | None]] = {
    Role.ADMIN: (SUMMARY_FIELDS, ITEM_FIELDS),
    Role.MANAGER: (SUMMARY_FIELDS, ITEM_FIELDS),
    Role.FLORIST: (FLORIST_SUMMARY_FIELDS, ITEM_FLORIST_FIELDS),
    Role.COURIER: (COURIER_FIELDS, None),
}
_FIELDS = {role: [(name, _renderer(name)) for name in fields] for role, (fields, _) in _SHAPES.items()}
_ITEMS = {role: _item_renderer(items) for role, (_, items) in _SHAPES.items()}


def order_rows(
    orders: Iterable[Record], items: Iterable[Record], *, role: str, user_id: int | None = None
) -> list[dict[str, Any]]:
    """The list rows ``role`` reads, from plain data: ``orders`` with the columns of
    ``order_columns(role)`` and their ``items`` (``ITEM_COLUMNS``, in line order) — the same
    dicts as the role's summary serializer, with the transitions ``role`` (and, for a
    courier, ``user_id``) may make. Datetimes are in the current time zone, labels in the
    current language."""
    tz = timezone.get_current_timezone()
    labels = {value: str(label) for value, label in OrderStatus.choices}
    render_item = _ITEMS[role]
    lines: dict[int, list[dict[str, Any]]] = {}
    for item in items:
        lines.setdefault(item["order_id"], []).append(render_item(item))
    moves: dict[_State, list[str]] = {}

    def transitions(order: Record) -> list[str]:
        state = _State(order["status"], order["delivery_method"], order["courier_id"])
        found = moves.get(state)
        if found is None:
            found = moves[state] = allowed_transitions(state, role=role, user_id=user_id)
        return list(found)

    # What depends on the request (its language, time zone, caller) or on the page's lines.
    here: dict[str, Callable[[Record], Any]] = {
        "items": lambda order: lines.get(order["id"], []),
        "status_label": lambda order: labels.get(order["status"], order["status"]),
        "allowed_transitions": transitions,
        "created_at": lambda order: moment(order["created_at"], tz),
        "updated_at": lambda order: moment(order["updated_at"], tz),
    }
    fields = [(name, here.get(name, render)) for name, render in _FIELDS[role]]
    return [{name: render(order) for name, render in fields} for order in orders]


def item_lines(order: Order) -> list[dict[str, Any]]:
    """The lines without money: what and how many (couriers, the queue, tracking)."""
    return [{"name": item.name, "quantity": item.quantity} for item in order.items.all()]


def _column(order: Order, column: str) -> Any:
    """``values()``'s value of ``column`` (``customer__name``…) read from a loaded order."""
    value: Any = order
    for part in column.split("__"):
        value = None if value is None else getattr(value, part)
    return value


def order_row(order: Order, *, role: str, user_id: int | None = None) -> dict[str, Any]:
    """The list row ``role`` reads of ``order`` (the same dict as the role's summary
    serializer; :func:`order_rows` of the order's values). Reads ``order.items``,
    ``customer``, ``florist`` and ``courier``: load them with the order (``order_list``
    does). Datetimes are in the current time zone."""
    record = {column: _column(order, column) for column in order_columns(role)}
    items = [{column: getattr(item, column) for column in ITEM_COLUMNS} for item in order.items.all()]
    return order_rows([record], items, role=role, user_id=user_id)[0]
