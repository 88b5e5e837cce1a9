"""The florists' queue: the life of a production task, one per confirmed order.

A task follows its order. The order's status machine (``apps.orders.services.transitions``)
calls these functions from the effect of each move, inside its transaction, with the order row
locked (locks: order first, then task). Production never imports orders: an order is read
through ``TaskOrder`` (what the queue needs of it) and tasks find their order by id.
"""

from __future__ import annotations

import datetime as dt
from typing import Any, Protocol

from django.utils import timezone
from django.utils.translation import gettext

from apps.production.events import publish_task_update
from apps.production.models import ProductionTask, TaskPriority, TaskStatus
from apps.shops.models import Shop
from flowercrm.errors import Conflict

# When a delivery has no window ("any time that day") the bouquet is planned for this hour.
DAY_START = dt.time(9, 0)
URGENT_WITHIN = dt.timedelta(hours=2)
HIGH_WITHIN = dt.timedelta(hours=4)
OPEN = (TaskStatus.PENDING, TaskStatus.IN_PROGRESS)


class TaskOrder(Protocol):
    """What the queue reads of an order."""

    @property
    def pk(self) -> Any: ...
    @property
    def shop_id(self) -> int: ...
    @property
    def shop(self) -> Shop: ...
    @property
    def florist_id(self) -> int | None: ...
    @property
    def delivery_date(self) -> dt.date: ...
    @property
    def delivery_time_from(self) -> dt.time | None: ...


def task_schedule(order: TaskOrder) -> tuple[dt.datetime, dt.datetime]:
    """``(window_start, deadline)``: the delivery window's start in the shop's zone, and that
    minus the shop's preparation time."""
    shop = order.shop
    start = dt.datetime.combine(order.delivery_date, order.delivery_time_from or DAY_START, tzinfo=shop.zoneinfo)
    return start, start - dt.timedelta(minutes=shop.preparation_minutes)


def priority_at(window_start: dt.datetime, now: dt.datetime) -> str:
    """``urgent`` under 2 hours to the window, ``high`` under 4, else ``normal``."""
    left = window_start - now
    if left < URGENT_WITHIN:
        return TaskPriority.URGENT
    if left < HIGH_WITHIN:
        return TaskPriority.HIGH
    return TaskPriority.NORMAL


def _task_of(order: TaskOrder) -> ProductionTask | None:
    return ProductionTask.objects.select_for_update().filter(order_id=order.pk).first()


def _saved(task: ProductionTask, *fields: str) -> ProductionTask:
    task.save(update_fields=[*fields, "updated_at"] if fields else None)
    publish_task_update(shop_id=task.shop_id, order_id=task.order_id)
    return task


def task_open(order: TaskOrder) -> ProductionTask:
    """The order is confirmed: its task joins the queue ``pending`` (a task left from an
    earlier confirmation starts over), planned by the delivery window."""
    task = _task_of(order) or ProductionTask(shop_id=order.shop_id, order_id=order.pk)
    task.status, task.florist_id = TaskStatus.PENDING, order.florist_id
    task.window_start, task.deadline = task_schedule(order)
    task.started_at = task.finished_at = task.minutes_spent = None
    task.cancel_reason = ""
    return _saved(task)


def task_begin(order: TaskOrder, *, restart: bool = False) -> ProductionTask | None:
    """The bouquet is being made by the order's florist; ``restart`` (a re-assembly) keeps
    the time the work first started."""
    task = _task_of(order)
    if task is None:
        return None
    task.status, task.florist_id = TaskStatus.IN_PROGRESS, order.florist_id
    if not restart:
        task.started_at = timezone.now()
    return _saved(task)


def task_finish(order: TaskOrder) -> ProductionTask | None:
    """The bouquet is made: ``done``, with the minutes it took."""
    task = _task_of(order)
    if task is None:
        return None
    now = timezone.now()
    task.status, task.finished_at = TaskStatus.DONE, now
    task.minutes_spent = max(0, round((now - (task.started_at or now)).total_seconds() / 60))
    return _saved(task)


def task_back_to_pending(order: TaskOrder) -> ProductionTask | None:
    """The work stopped before the bouquet was made: back in the queue."""
    task = _task_of(order)
    if task is None:
        return None
    task.status, task.started_at = TaskStatus.PENDING, None
    return _saved(task)


def task_withdraw(order: TaskOrder, *, reason: str, keep_done: bool = True) -> ProductionTask | None:
    """The order no longer needs making: the task is ``cancelled`` with the reason (a task
    already ``done`` stays done unless ``keep_done`` is off)."""
    task = _task_of(order)
    if task is None or (keep_done and task.status == TaskStatus.DONE):
        return task
    task.status, task.cancel_reason = TaskStatus.CANCELLED, reason
    return _saved(task)


def task_sync_florist(order: TaskOrder) -> None:
    """``order.florist`` and ``task.florist`` are one assignment."""
    if (
        ProductionTask.objects.filter(order_id=order.pk)
        .exclude(status__in=[TaskStatus.DONE, TaskStatus.CANCELLED])
        .update(florist_id=order.florist_id, updated_at=timezone.now())
    ):
        publish_task_update(shop_id=order.shop_id, order_id=order.pk)


def task_set_florist(task: ProductionTask, *, florist_id: int | None) -> ProductionTask:
    """The task's side of an assignment (the order's florist is set by its caller)."""
    task.florist_id = florist_id
    return _saved(task, "florist")


def task_set_notes(task: ProductionTask, *, notes: str) -> ProductionTask:
    task.notes = notes
    return _saved(task, "notes")


def task_set_result(task: ProductionTask, *, photo_id: int | None, notes: str | None) -> ProductionTask:
    """What the florist leaves on completion: the bouquet photo and notes (None: unchanged)."""
    if photo_id is not None:
        task.result_photo_id = photo_id
    if notes is not None:
        task.notes = notes
    return _saved(task, "notes", "result_photo")


def task_check_open(task: ProductionTask) -> None:
    """Only a ``pending`` or ``in_progress`` task may change hands."""
    if task.status not in OPEN:
        raise Conflict(gettext("The task is already closed."))
