"""What florists may see of orders (ARCHITECTURE §3, §11.1 "Who sees money"): one rule read
by the order and task selectors, the ``/ws`` feeds and the florist's serializers.

- Orders: from confirmation on; a cancelled order only if it was confirmed when cancelled
  (``Order.confirmed_at`` is set on confirmation and cleared when the order goes back to new),
  so an order cancelled from ``new`` never reaches the floor.
- Money: none. Their rows carry no prices, totals, payments, discount or delivery fee; their
  event log and feed carry no payment events, and other events lose their money keys.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from django.db.models import Q
from django.utils.translation import gettext

from apps.orders.models import EventType, Order, OrderStatus
from apps.orders.status import FLORIST_VISIBLE

# Statuses a florist sees whatever the history; ``cancelled`` depends on ``confirmed_at``.
_ALWAYS = frozenset(FLORIST_VISIBLE - {OrderStatus.CANCELLED})

# Keys of money in the event log's data (created: total; edited: delivery_fee, discount;
# payment: amount, paid_amount — payment events are dropped whole anyway).
MONEY_KEYS = frozenset(
    {
        "subtotal",
        "delivery_fee",
        "discount",
        "total",
        "paid_amount",
        "amount_due",
        "payment_status",
        "amount",
        "unit_price",
        "unit_cost",
        "line_total",
    }
)
HIDDEN_EVENT_TYPES = frozenset({EventType.PAYMENT})


def florist_visible_q(prefix: str = "") -> Q:
    """The filter of orders a florist may see; ``prefix`` reaches the order from another model
    (``"order__"`` for tasks and events)."""
    return Q(**{f"{prefix}status__in": _ALWAYS}) | Q(
        **{f"{prefix}status": OrderStatus.CANCELLED, f"{prefix}confirmed_at__isnull": False}
    )


def florist_may_see(order: Order) -> bool:
    """``florist_visible_q`` for one loaded order."""
    return order.status in _ALWAYS or (order.status == OrderStatus.CANCELLED and order.confirmed_at is not None)


def _without_money(value: Any) -> Any:
    if isinstance(value, dict):
        return {k: _without_money(v) for k, v in value.items() if k not in MONEY_KEYS}
    return value


def florist_event_data(event_type: str, data: dict[str, Any] | None) -> dict[str, Any] | None:
    """An event's ``data`` as a florist sees it (money keys dropped, also inside before/after);
    None: the event is not theirs at all — a payment, or an edit that changed only money."""
    if event_type in HIDDEN_EVENT_TYPES:
        return None
    shown: dict[str, Any] = _without_money(data or {})
    if event_type == EventType.EDITED and not (shown.get("before") or shown.get("after")):
        return None
    return shown


# List queries that would sort or filter by money a role may not see.
MONEY_FILTERS = frozenset({"payment_status"})
MONEY_ORDERINGS = frozenset({"total"})


def money_query_errors(params: Mapping[str, str]) -> dict[str, list[str]]:
    """The 400 ``errors`` for ``params`` of an order list asking about money (for roles that do
    not see it: sorting by total or filtering by payment would tell them)."""
    errors = {
        name: [gettext("This filter is not available to your role.")] for name in sorted(MONEY_FILTERS & set(params))
    }
    ordering = {key.strip().lstrip("-") for key in params.get("ordering", "").split(",")}
    if ordering & MONEY_ORDERINGS:
        errors["ordering"] = [gettext("Sorting by amount is not available to your role.")]
    return errors
