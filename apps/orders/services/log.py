"""The order's event log and row lock, shared by every order service."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from apps.orders.events import publish_order_event
from apps.orders.models import EventType, Order, OrderEvent
from apps.orders.notifications import schedule_notifications
from flowercrm.locking import lock_row

if TYPE_CHECKING:
    from apps.accounts.models import User


def order_log_event(*, order: Order, type: str, actor: User | None, data: dict[str, Any] | None = None) -> OrderEvent:
    """Append to the order's event log (the history shown in the detail and replayed on /ws)
    and publish it to the order's live audiences once the transaction commits."""
    event = OrderEvent.objects.create(shop_id=order.shop_id, order=order, type=type, actor=actor, data=data or {})
    publish_order_event(order=order, event=event)
    schedule_notifications(event)
    return event


def order_log_assignment(*, order: Order, actor: User, role: str, before: User | None, after: User | None) -> None:
    """An ``assigned`` event: who had the order's ``role`` (florist, courier) and who has it now."""
    order_log_event(
        order=order,
        type=EventType.ASSIGNED,
        actor=actor,
        data={
            "role": role,
            "before": {"id": before.pk, "name": before.name} if before else None,
            "after": {"id": after.pk, "name": after.name} if after else None,
        },
    )


def order_lock(order: Order | int) -> Order:
    """The order (or the order with this id) re-read with its row locked (lock order step 3
    of ``apps.orders.services``); gone meanwhile: ``NotFound``."""
    # Only the order's row: the customer's services lock the customer, then its orders.
    pk = order if isinstance(order, int) else order.pk
    return lock_row(Order.objects.select_for_update(of=("self",)).select_related("customer"), pk)
