"""Order events on ``/ws`` (ARCHITECTURE §6): what each audience receives when an order
changes, and what a reconnecting socket is replayed from the event log.

Every order change is logged by ``apps.orders.services.order_log_event``, which calls
``publish_order_event``: the event log id is the message ``id``; ``created`` is an
``order_created`` message, every other log type an ``order_update`` with ``event`` = the type.
Payloads are built from the order as it is at commit time (live) or now (replay), as the
list row of the audience's role (``apps.orders.rows``: the list endpoint's row, without the
API's serializers): the office gets the full summary; florists only the orders they may see,
without money, and no payment events at all (nor an edit that changed only money) —
``apps.orders.visibility``; a courier only the orders assigned to them.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from typing import TYPE_CHECKING, Any, cast

from django.db.models import Q
from django.utils import timezone

from apps.orders.models import EventType, Order, OrderEvent
from apps.orders.rows import order_row
from apps.orders.selectors import order_list
from apps.orders.visibility import HIDDEN_EVENT_TYPES, florist_event_data, florist_may_see, florist_visible_q
from apps.shops.models import Shop
from flowercrm import events
from flowercrm.roles import Role

if TYPE_CHECKING:
    from apps.accounts.models import User

# Replay (ARCHITECTURE §6): ids are taken at insert, not at commit, so an event with a
# smaller id may commit after the one a client saw last; resend this much before it.
REPLAY_GRACE = dt.timedelta(seconds=10)
REPLAY_MAX_AGE = dt.timedelta(hours=24)
REPLAY_MAX_EVENTS = 500


def _read_orders(shop: Shop, order_ids: Iterable[int], *, with_shop: bool = False) -> dict[int, Order]:
    """The orders with ``order_list``'s joins, read once for every audience (``with_shop``: the
    shop joined too, for a caller that has only its id)."""
    # The office branch of the selector does not look at the user.
    office = order_list(shop=shop, role=Role.MANAGER, user=cast("User", None))
    if with_shop:
        office = office.select_related("shop")
    return {order.pk: order for order in office.filter(pk__in=list(order_ids))}


def order_payload(order: Order, audience: str) -> dict[str, Any] | None:
    """The list row ``audience`` sees for ``order`` (None: the order is not theirs to see),
    with ``allowed_transitions`` for that audience's role — the list endpoint's row, built
    without the API's serializers (``apps.orders.rows``)."""
    user_id: int | None = None  # admin and manager share every transition
    if audience == events.OFFICE:
        role = Role.MANAGER
    elif audience == events.FLOOR:
        if not florist_may_see(order):
            return None
        role = Role.FLORIST
    elif audience.startswith(events.COURIER_PREFIX):
        user_id = int(audience.removeprefix(events.COURIER_PREFIX))
        if order.courier_id != user_id:
            return None
        role = Role.COURIER  # only a courier's transitions depend on the person
    else:
        return None
    with timezone.override(order.shop.zoneinfo):
        return order_row(order, role=role, user_id=user_id)


def unassigned_payload(order: Order) -> dict[str, Any]:
    """What a courier keeps of an order taken away from them: which one it was."""
    return {"id": order.pk, "number": order.number}


class _OrderPayloads:
    """Builds each audience's payload at commit time from one fresh read of the order."""

    def __init__(self, *, shop_id: int, order_id: int, unassigned_from: int | None = None) -> None:
        self.shop_id, self.order_id, self.unassigned_from = shop_id, order_id, unassigned_from
        self._order: Order | None = None
        self._read = False

    def order(self) -> Order | None:
        if not self._read:
            # After the commit, before anyone is told: the shop comes joined to the order (one
            # round trip less on the way to the sockets). ``Shop(pk=…)`` only filters by the id.
            self._order = _read_orders(Shop(pk=self.shop_id), [self.order_id], with_shop=True).get(self.order_id)
            self._read = True
        return self._order

    def __call__(self, audience: str) -> dict[str, Any] | None:
        order = self.order()
        if order is None:
            return None
        if self.unassigned_from is not None:
            # Still (or again) theirs at commit: the assignment event itself tells them.
            return None if order.courier_id == self.unassigned_from else unassigned_payload(order)
        return order_payload(order, audience)


def _previous_courier(event: OrderEvent) -> int | None:
    """The courier an ``assigned`` event took the order away from, if any."""
    data = event.data or {}
    if event.type != EventType.ASSIGNED or data.get("role") != "courier":
        return None
    before, after = data.get("before") or {}, data.get("after") or {}
    previous = before.get("id")
    return previous if isinstance(previous, int) and previous != after.get("id") else None


def publish_order_event(*, order: Order, event: OrderEvent) -> None:
    """Publish a logged order change (after commit) to the office, the floor, the order's
    courier, and — ``event: "unassigned"`` — to the courier it was taken away from."""
    created = event.type == EventType.CREATED
    audience = [events.OFFICE]
    if florist_event_data(event.type, event.data) is not None:
        audience.append(events.FLOOR)
    if order.courier_id is not None:
        audience.append(events.courier_audience(order.courier_id))
    events.publish(
        shop_id=order.shop_id,
        type=events.ORDER_CREATED if created else events.ORDER_UPDATE,
        event=None if created else event.type,
        id=event.pk,
        data=_OrderPayloads(shop_id=order.shop_id, order_id=order.pk),
        audience=audience,
        coalesce=("order", order.pk),  # one message per order change, however many log entries
    )
    previous = _previous_courier(event)
    if previous is not None:
        events.publish(
            shop_id=order.shop_id,
            type=events.ORDER_UPDATE,
            event=events.UNASSIGNED,
            id=event.pk,
            data=_OrderPayloads(shop_id=order.shop_id, order_id=order.pk, unassigned_from=previous),
            audience=[events.courier_audience(previous)],
        )


def order_replay(*, shop: Shop, role: str, user: User, since: int) -> list[dict[str, Any]]:
    """The messages a socket reconnecting with ``since`` missed, oldest first: the shop's
    logged order events after ``since`` — plus those of the ``REPLAY_GRACE`` before the
    newest event up to ``since``, which may have committed after it — at most
    ``REPLAY_MAX_EVENTS`` from the last ``REPLAY_MAX_AGE``, only those of orders the caller
    may see now, each built from the order as it is now. A courier also gets the
    ``unassigned`` of orders taken away from them."""
    audiences = events.audiences_for(role, user.pk)
    if not audiences:
        return []
    audience = audiences[0]
    rows = OrderEvent.objects.filter(shop=shop, created_at__gte=timezone.now() - REPLAY_MAX_AGE)
    anchor = OrderEvent.objects.filter(shop=shop, id__lte=since).order_by("-id").values_list("created_at").first()
    after = Q(id__gt=since)
    if anchor is not None:
        after |= Q(created_at__gte=anchor[0] - REPLAY_GRACE)
    rows = rows.filter(after).exclude(id=since)
    if role == Role.FLORIST:
        rows = rows.filter(florist_visible_q("order__")).exclude(type__in=HIDDEN_EVENT_TYPES)
    elif role == Role.COURIER:
        rows = rows.filter(
            Q(order__courier=user) | Q(type=EventType.ASSIGNED, data__role="courier", data__before__id=user.pk)
        )
    logged = list(rows.order_by("-id")[:REPLAY_MAX_EVENTS])[::-1]
    orders = _read_orders(shop, {row.order_id for row in logged})
    messages = []
    for row in logged:
        order = orders.get(row.order_id)
        if order is None:
            continue
        order.shop = shop
        payload: dict[str, Any] | None
        if role == Role.COURIER and order.courier_id != user.pk:
            if _previous_courier(row) != user.pk:
                continue
            kind, payload = events.UNASSIGNED, unassigned_payload(order)
        elif role == Role.FLORIST and florist_event_data(row.type, row.data) is None:
            continue
        else:
            kind, payload = row.type, order_payload(order, audience)
        if payload is None:
            continue
        created = row.type == EventType.CREATED
        messages.append(
            events.client_message(
                type=events.ORDER_CREATED if created else events.ORDER_UPDATE,
                data=payload,
                event=None if created else kind,
                id=row.pk,
            )
        )
    return messages
