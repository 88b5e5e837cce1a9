"""``task_update`` on ``/ws`` (ARCHITECTURE §6): the queue row of a changed task, as the
list endpoint serializes it, to the office and the floor. Tasks are not replayed — clients
refetch the queue after a reconnect.

The row is plain data (:func:`task_row`, the same dict as the API's ``TaskSerializer``; the
API tests compare the two), so this module never imports the API. Which tasks the floor sees
follows which orders florists may see, a rule of the orders app: production sits below orders
and never imports it, so the orders app hands the rule over when it loads
(:func:`floor_rule_set` from ``OrdersConfig.ready``).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from typing import Any

from django.utils import timezone

# The module, not the name: ``queue`` publishes through this module (a cycle within the app).
from apps.production import queue
from apps.production.models import ProductionTask
from apps.production.selectors import task_list
from apps.shops.models import Shop
from flowercrm import events
from flowercrm.rows import day, hhmm, image, moment, person

# Whether florists may see an order (``apps.orders.visibility.florist_may_see``).
FloorRule = Callable[[Any], bool]
_floor_rule: list[FloorRule] = []


def floor_rule_set(rule: FloorRule) -> None:
    """Set the rule of which orders florists may see (the orders app, once, at start-up)."""
    _floor_rule[:] = [rule]


def floor_sees(order: Any) -> bool:
    if not _floor_rule:
        raise RuntimeError("apps.orders has not set the floor's rule (floor_rule_set in OrdersConfig.ready)")
    return _floor_rule[0](order)


def _order_row(order: Any) -> dict[str, Any]:
    """The task's order as a florist needs it: what to make, the card, and by when (no money)."""
    return {
        "id": order.pk,
        "number": order.number,
        "status": order.status,
        "delivery_method": order.delivery_method,
        "delivery_date": day(order.delivery_date),
        "delivery_time_from": hhmm(order.delivery_time_from),
        "delivery_time_to": hhmm(order.delivery_time_to),
        "card_text": order.card_text,
        "comment": order.comment,
        "items": [{"name": item.name, "quantity": item.quantity} for item in order.items.all()],
    }


def _photo_row(photo: Any) -> dict[str, Any] | None:
    if photo is None:
        return None
    return {
        "id": photo.pk,
        "kind": photo.kind,
        "image": image(photo.image),
        "created_by": person(photo.created_by),
        "created_at": moment(photo.created_at),
    }


def task_row(task: ProductionTask, *, now: dt.datetime) -> dict[str, Any]:
    """The queue row of ``task`` (the list endpoint's row; ``priority`` as of ``now``). Reads
    the order with its items, the florist and the result photo: load them with the task
    (``task_list`` does). Datetimes are in the current time zone."""
    return {
        "id": task.pk,
        "status": task.status,
        "priority": queue.priority_at(task.window_start, now),
        "deadline": moment(task.deadline),
        "window_start": moment(task.window_start),
        "florist": person(task.florist),
        "order": _order_row(task.order),
        "notes": task.notes,
        "result_photo": _photo_row(task.result_photo),
        "started_at": moment(task.started_at),
        "finished_at": moment(task.finished_at),
        "minutes_spent": task.minutes_spent,
        "cancel_reason": task.cancel_reason,
        "created_at": moment(task.created_at),
        "updated_at": moment(task.updated_at),
    }


class _TaskPayload:
    """The task's row, read and built once at commit time for every audience."""

    def __init__(self, *, shop_id: int, order_id: int) -> None:
        self.shop_id, self.order_id = shop_id, order_id
        self._data: dict[str, Any] | None = None
        self._floor = False  # whether florists may see the task's order
        self._read = False

    def __call__(self, audience: str) -> dict[str, Any] | None:
        if not self._read:
            shop = Shop.objects.get(pk=self.shop_id)
            task = task_list(shop=shop).filter(order_id=self.order_id).first()
            if task is not None:
                with timezone.override(shop.zoneinfo):
                    self._data = task_row(task, now=timezone.now())
                self._floor = floor_sees(task.order)
            self._read = True
        return None if audience == events.FLOOR and not self._floor else self._data


def publish_task_update(*, shop_id: int, order_id: int) -> None:
    """After commit, send the task of ``order_id`` (one task per order) to the office and the
    floor as it is then; published any number of times in one transaction, it is sent once."""
    events.publish(
        shop_id=shop_id,
        type=events.TASK_UPDATE,
        data=_TaskPayload(shop_id=shop_id, order_id=order_id),
        audience=(events.OFFICE, events.FLOOR),
        coalesce=("task", order_id),  # one task change, one message (the row as it is at commit)
    )
