"""The florists' queue. Tasks follow their orders: the order's status machine
(``apps.orders.services.order_transition``) is the only one, and these services call it.
Locks are taken order first, then task, everywhere."""

from __future__ import annotations

import datetime as dt
from typing import TYPE_CHECKING

from django.db import transaction
from django.utils import timezone

from apps.orders.models import EventType, Order, OrderStatus, PhotoKind
from apps.production.events import publish_task_update
from apps.production.models import ProductionTask, TaskPriority, TaskStatus
from flowercrm.errors import Conflict, Forbidden
from flowercrm.locking import lock_row
from flowercrm.roles import ELIGIBLE_FLORIST_ROLES, Role

if TYPE_CHECKING:
    from apps.accounts.models import User

S = OrderStatus
# When a delivery has no window ("any time that day") the bouquet is planned for this hour.
DAY_START = dt.time(9, 0)
URGENT_WITHIN = dt.timedelta(hours=2)
HIGH_WITHIN = dt.timedelta(hours=4)


def task_schedule(order: Order) -> tuple[dt.datetime, dt.datetime]:
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


def task_follow_order(*, order: Order, frm: str, to: str, reason: str = "") -> ProductionTask | None:
    """Bring the order's task along with a status change (called by ``order_transition``
    inside its transaction, with the order row locked)."""
    now = timezone.now()
    task = ProductionTask.objects.select_for_update().filter(order=order).first()
    if to == S.CONFIRMED and frm == S.NEW:
        window_start, deadline = task_schedule(order)
        if task is None:
            task = ProductionTask(shop_id=order.shop_id, order=order)
        task.status, task.florist_id = TaskStatus.PENDING, order.florist_id
        task.window_start, task.deadline = window_start, deadline
        task.started_at = task.finished_at = task.minutes_spent = None
        task.cancel_reason = ""
        task.save()
        publish_task_update(shop_id=task.shop_id, order_id=order.pk)
        return task
    if task is None:
        return None
    if to == S.IN_PRODUCTION:
        task.status = TaskStatus.IN_PROGRESS
        task.florist_id = order.florist_id
        if frm == S.CONFIRMED:
            task.started_at = now
    elif to == S.ASSEMBLED and frm == S.IN_PRODUCTION:
        task.status = TaskStatus.DONE
        task.finished_at = now
        started = task.started_at or now
        task.minutes_spent = max(0, round((now - started).total_seconds() / 60))
    elif to == S.CONFIRMED and frm == S.IN_PRODUCTION:
        task.status = TaskStatus.PENDING
        task.started_at = None
    elif (to == S.NEW and frm == S.CONFIRMED) or (to == S.CANCELLED and task.status != TaskStatus.DONE):
        task.status = TaskStatus.CANCELLED
        task.cancel_reason = reason
    else:
        return task
    task.save()
    publish_task_update(shop_id=task.shop_id, order_id=order.pk)
    return task


def task_sync_florist(*, order: Order) -> None:
    """``order.florist`` and ``task.florist`` are one assignment."""
    if (
        ProductionTask.objects.filter(order=order)
        .exclude(status__in=[TaskStatus.DONE, TaskStatus.CANCELLED])
        .update(florist_id=order.florist_id, updated_at=timezone.now())
    ):
        publish_task_update(shop_id=order.shop_id, order_id=order.pk)


def _lock(task: ProductionTask) -> tuple[Order, ProductionTask]:
    # Only the order's row: a lock on the shop would hold up every insert of the shop's rows.
    order = lock_row(Order.objects.select_for_update(of=("self",)).select_related("shop"), task.order_id)
    return order, lock_row(ProductionTask.objects.all(), task.pk)


def _assign(*, order: Order, task: ProductionTask, florist: User | None, actor: User) -> None:
    from apps.orders.services import order_log_event

    before = order.florist
    order.florist = florist
    order.save(update_fields=["florist", "updated_at"])
    task.florist = florist
    task.save(update_fields=["florist", "updated_at"])
    publish_task_update(shop_id=task.shop_id, order_id=order.pk)
    order_log_event(
        order=order,
        type=EventType.ASSIGNED,
        actor=actor,
        data={
            "role": "florist",
            "before": {"id": before.pk, "name": before.name} if before else None,
            "after": {"id": florist.pk, "name": florist.name} if florist else None,
        },
    )


def _check_open(task: ProductionTask) -> None:
    if task.status not in (TaskStatus.PENDING, TaskStatus.IN_PROGRESS):
        raise Conflict("Задание уже закрыто.")


def _check_mine(task: ProductionTask, *, actor: User, role: str) -> None:
    if role == Role.FLORIST and task.florist_id not in (None, actor.pk):
        raise Conflict("Задание взял другой флорист.")


@transaction.atomic
def task_take(*, task: ProductionTask, actor: User, role: str) -> ProductionTask:
    """The caller takes the task. Taken by someone else: ``Conflict`` (of two florists
    taking at once, exactly one wins)."""
    if role not in ELIGIBLE_FLORIST_ROLES:
        raise Forbidden()
    order, task = _lock(task)
    _check_open(task)
    if task.florist_id == actor.pk:
        return task
    if task.florist_id is not None:
        raise Conflict("Задание взял другой флорист.")
    _assign(order=order, task=task, florist=actor, actor=actor)
    return task


@transaction.atomic
def task_assign(*, task: ProductionTask, actor: User, florist: User | None, notes: str | None = None) -> ProductionTask:
    """The office assigns (or unassigns) a florist and edits the notes."""
    order, task = _lock(task)
    if florist is not None or task.florist_id is not None:
        if (florist.pk if florist else None) != task.florist_id:
            _check_open(task)
            _assign(order=order, task=task, florist=florist, actor=actor)
    if notes is not None and notes != task.notes:
        task.notes = notes
        task.save(update_fields=["notes", "updated_at"])
        publish_task_update(shop_id=task.shop_id, order_id=task.order_id)
    return task


@transaction.atomic
def task_start(*, task: ProductionTask, actor: User, role: str) -> ProductionTask:
    """Start making the bouquet: the order goes ``in_production`` (the caller takes the task
    if nobody has)."""
    from apps.orders.services import order_transition

    order, task = _lock(task)
    _check_open(task)
    _check_mine(task, actor=actor, role=role)
    order_transition(order=order, to=S.IN_PRODUCTION, actor=actor, role=role)
    task.refresh_from_db()
    return task


@transaction.atomic
def task_complete(
    *,
    task: ProductionTask,
    actor: User,
    role: str,
    consumption: dict[int, int] | None = None,
    extra_consumption: dict[int, int] | None = None,
    notes: str | None = None,
    photo_id: int | None = None,
) -> ProductionTask:
    """The bouquet is made: the order goes ``assembled`` (stock consumed: ``consumption``
    replaces the reserved lines, ``extra_consumption`` adds to them — see
    ``apps.orders.services.assembly_lines``) and its photo, if sent, becomes the order's
    bouquet photo (shown on tracking)."""
    from apps.orders.photos import order_photo_add
    from apps.orders.services import order_transition

    order, task = _lock(task)
    _check_mine(task, actor=actor, role=role)
    if task.status != TaskStatus.IN_PROGRESS:
        raise Conflict("Сначала начните задание.")
    order_transition(
        order=order,
        to=S.ASSEMBLED,
        actor=actor,
        role=role,
        consumption=consumption,
        extra_consumption=extra_consumption,
    )
    task.refresh_from_db()
    if photo_id is not None:
        task.result_photo = order_photo_add(
            order=order, actor=actor, role=role, image_id=photo_id, kind=PhotoKind.BOUQUET
        )
    if notes is not None:
        task.notes = notes
    task.save(update_fields=["notes", "result_photo", "updated_at"])
    publish_task_update(shop_id=task.shop_id, order_id=task.order_id)
    return task


@transaction.atomic
def task_cancel(*, task: ProductionTask, actor: User, role: str, reason: str, requeue: bool) -> ProductionTask:
    """The office takes a task back: ``requeue`` returns it to the queue without a florist
    (the order back to ``confirmed``); otherwise the order is cancelled."""
    from apps.orders.services import order_transition

    order, task = _lock(task)
    _check_open(task)
    if requeue:
        if order.status == S.IN_PRODUCTION:
            order_transition(order=order, to=S.CONFIRMED, actor=actor, role=role, reason=reason)
            order.refresh_from_db()
            task.refresh_from_db()
        if task.florist_id is not None:
            _assign(order=order, task=task, florist=None, actor=actor)
    else:
        order_transition(order=order, to=S.CANCELLED, actor=actor, role=role, reason=reason)
    task.refresh_from_db()
    return task
