"""Every write to orders: intake, edits, the status machine, payments, comments, issues."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from apps.orders.models import Order, OrderEvent

if TYPE_CHECKING:
    from apps.accounts.models import User


def order_log_event(*, order: Order, type: str, actor: User | None, data: dict[str, Any] | None = None) -> OrderEvent:
    """Append to the order's event log (the history shown in the detail and replayed on /ws)."""
    return OrderEvent.objects.create(shop_id=order.shop_id, order=order, type=type, actor=actor, data=data or {})
