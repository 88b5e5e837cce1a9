"""What the florists' queue does to orders: take, assign, start, complete and cancel a task.

A task follows its order, so each of these moves the order (through ``order_transition``,
the only status machine) or its florist, and the task follows through
``apps.production.queue``. Locks: the order first, then the task, everywhere.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from django.db import transaction
from django.utils.translation import gettext

from apps.orders.models import Order, OrderStatus, PhotoKind
from apps.orders.services.log import order_log_assignment
from apps.orders.services.photos import order_photo_add
from apps.orders.services.transitions import order_transition
from apps.production import queue
from apps.production.models import ProductionTask, TaskStatus
from flowercrm.errors import Conflict, Forbidden
from flowercrm.locking import lock_row
from flowercrm.roles import ELIGIBLE_FLORIST_ROLES, Role

if TYPE_CHECKING:
    from apps.accounts.models import User

S = OrderStatus


def _lock(task: ProductionTask) -> tuple[Order, ProductionTask]:
    # Only the order's row: a lock on the shop would hold up every insert of the shop's rows.
    order = lock_row(Order.objects.select_for_update(of=("self",)).select_related("shop"), task.order_id)
    return order, lock_row(ProductionTask.objects.all(), task.pk)


def _assign(*, order: Order, task: ProductionTask, florist: User | None, actor: User) -> None:
    """``order.florist`` and ``task.florist`` are one assignment, logged on the order."""
    before = order.florist
    order.florist = florist
    order.save(update_fields=["florist", "updated_at"])
    queue.task_set_florist(task, florist_id=florist.pk if florist else None)
    order_log_assignment(order=order, actor=actor, role="florist", before=before, after=florist)


def _check_mine(task: ProductionTask, *, actor: User, role: str) -> None:
    if role == Role.FLORIST and task.florist_id not in (None, actor.pk):
        raise Conflict(gettext("Another florist has taken the task."))


@transaction.atomic
def task_take(*, task: ProductionTask, actor: User, role: str) -> ProductionTask:
    """The caller takes the task. Taken by someone else: ``Conflict`` (of two florists
    taking at once, exactly one wins)."""
    if role not in ELIGIBLE_FLORIST_ROLES:
        raise Forbidden()
    order, task = _lock(task)
    queue.task_check_open(task)
    if task.florist_id == actor.pk:
        return task
    if task.florist_id is not None:
        raise Conflict(gettext("Another florist has taken the task."))
    _assign(order=order, task=task, florist=actor, actor=actor)
    return task


@transaction.atomic
def task_update(*, task: ProductionTask, actor: User, florist: User | None, notes: str | None = None) -> ProductionTask:
    """The office assigns (or unassigns) a florist and edits the notes (``PATCH``)."""
    order, task = _lock(task)
    if (florist.pk if florist else None) != task.florist_id:
        queue.task_check_open(task)
        _assign(order=order, task=task, florist=florist, actor=actor)
    if notes is not None and notes != task.notes:
        queue.task_set_notes(task, notes=notes)
    return task


@transaction.atomic
def task_start(*, task: ProductionTask, actor: User, role: str) -> ProductionTask:
    """Start making the bouquet: the order goes ``in_production`` (the caller takes the task
    if nobody has)."""
    order, task = _lock(task)
    queue.task_check_open(task)
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
    ``apps.orders.services.stock.assembly_lines``) and its photo, if sent, becomes the order's
    bouquet photo (shown on tracking)."""
    order, task = _lock(task)
    _check_mine(task, actor=actor, role=role)
    if task.status != TaskStatus.IN_PROGRESS:
        raise Conflict(gettext("Start the task first."))
    order_transition(
        order=order,
        to=S.ASSEMBLED,
        actor=actor,
        role=role,
        consumption=consumption,
        extra_consumption=extra_consumption,
    )
    task.refresh_from_db()
    photo = None
    if photo_id is not None:
        photo = order_photo_add(order=order, actor=actor, role=role, image_id=photo_id, kind=PhotoKind.BOUQUET)
    return queue.task_set_result(task, photo_id=photo.pk if photo else None, notes=notes)


@transaction.atomic
def task_cancel(*, task: ProductionTask, actor: User, role: str, reason: str, requeue: bool) -> ProductionTask:
    """The office takes a task back: ``requeue`` returns it to the queue without a florist
    (the order back to ``confirmed``); otherwise the order is cancelled."""
    order, task = _lock(task)
    queue.task_check_open(task)
    if not requeue:
        order_transition(order=order, to=S.CANCELLED, actor=actor, role=role, reason=reason)
    else:
        if order.status == S.IN_PRODUCTION:
            order_transition(order=order, to=S.CONFIRMED, actor=actor, role=role, reason=reason)
            order.refresh_from_db()
            task.refresh_from_db()
        if task.florist_id is not None:
            _assign(order=order, task=task, florist=None, actor=actor)
    task.refresh_from_db()
    return task
