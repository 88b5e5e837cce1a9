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

from collections.abc import Callable
from typing import Any

from apps.orders.models import Order
from apps.orders.status import allowed_transitions
from flowercrm.roles import Role
from flowercrm.rows import day, hhmm, moment, money, person

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


def item_lines(order: Order) -> list[dict[str, Any]]:
    """The lines without money: what and how many (couriers, the queue, tracking)."""
    return [{"name": item.name, "quantity": item.quantity} for item in order.items.all()]


def _items(fields: list[str]) -> Callable[[Order], list[dict[str, Any]]]:
    def render(order: Order) -> list[dict[str, Any]]:
        return [{name: _plain(item, name) for name in fields} for item in order.items.all()]

    return render


def _buyer(order: Order) -> dict[str, str] | None:
    return None if order.is_anonymous else {"name": order.customer.name, "phone": order.customer.phone}


_RENDER: dict[str, Callable[[Any], Any]] = {
    "status_label": lambda order: order.get_status_display(),
    "customer": lambda order: {"id": order.customer.pk, "name": order.customer.name, "phone": order.customer.phone},
    "buyer": _buyer,
    "delivery_date": lambda order: day(order.delivery_date),
    "delivery_time_from": lambda order: hhmm(order.delivery_time_from),
    "delivery_time_to": lambda order: hhmm(order.delivery_time_to),
    "florist": lambda order: person(order.florist),
    "courier": lambda order: person(order.courier),
    "created_at": lambda order: moment(order.created_at),
    "updated_at": lambda order: moment(order.updated_at),
}


def _plain(row: Any, name: str) -> Any:
    if name in _MONEY:
        return money(getattr(row, name))
    render = _RENDER.get(name)
    return render(row) if render is not None else getattr(row, name)


# role → (fields, how its lines read)
_SHAPES: dict[str, tuple[list[str], Callable[[Order], list[dict[str, Any]]]]] = {
    Role.ADMIN: (SUMMARY_FIELDS, _items(ITEM_FIELDS)),
    Role.MANAGER: (SUMMARY_FIELDS, _items(ITEM_FIELDS)),
    Role.FLORIST: (FLORIST_SUMMARY_FIELDS, _items(ITEM_FLORIST_FIELDS)),
    Role.COURIER: (COURIER_FIELDS, item_lines),
}


def order_row(order: Order, *, role: str, user_id: int | None = None) -> dict[str, Any]:
    """The list row ``role`` reads of ``order`` (the same dict as the role's summary
    serializer), with the transitions ``role`` (and, for a courier, ``user_id``) may make.
    Reads ``order.items``, ``customer``, ``florist`` and ``courier``: load them with the
    order (``order_list`` does). Datetimes are in the current time zone."""
    fields, items = _SHAPES[role]
    row: dict[str, Any] = {}
    for name in fields:
        if name == "items":
            row[name] = items(order)
        elif name == "allowed_transitions":
            row[name] = allowed_transitions(order, role=role, user_id=user_id)
        else:
            row[name] = _plain(order, name)
    return row
