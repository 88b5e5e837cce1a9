"""The status machine (ARCHITECTURE §4): one service moves an order, and each row of
``apps.orders.status.TRANSITIONS`` names the effect below that does the move's stock work and
production-task work together.

``order_transition``: lock the order, look up the row, check the role and the reason, run the
effect, set the status, log. Nothing else assigns ``order.status``.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext

from apps.orders.models import EventType, Order, OrderStatus, PhotoKind
from apps.orders.services.log import order_lock, order_log_event
from apps.orders.services.photos import order_photo_add
from apps.orders.services.stock import (
    assembly_lines,
    check_stock_lines,
    lock_stock,
    release_reservations,
    reserve_recipe,
    reserved_lines,
    shortages_of,
)
from apps.orders.status import BEFORE_ASSEMBLY, Transition, role_may, transition_for
from apps.orders.warnings import delivery_warnings, stock_warnings
from apps.production import queue
from apps.warehouse.services import stock_consume
from flowercrm.errors import AddressRequired, Conflict, Forbidden, Invalid, InvalidTransition
from flowercrm.roles import Role
from flowercrm.warnings import Warning

if TYPE_CHECKING:
    from apps.accounts.models import User

S = OrderStatus


@dataclass
class TransitionResult:
    order: Order
    shortages: list[dict[str, Any]] = field(default_factory=list)
    # Allowed but probably a mistake (``apps.orders.warnings``); answered as ``warnings``.
    warnings: list[Warning] = field(default_factory=list)
    # What assembly took from on-hand stock: ``{stock_item_id: quantity}``.
    consumed: dict[int, int] = field(default_factory=dict)


@dataclass
class Move:
    """One move being made: what its effect reads (the locked order, who, why, the stock
    sent) and writes (the order's fields, the result)."""

    order: Order
    frm: str
    actor: User
    role: str
    reason: str
    consumption: Mapping[int, int] | None
    extra_consumption: Mapping[int, int] | None
    result: TransitionResult


# --- Effects, one per kind of move ------------------------------------------------------


def _confirm(move: Move) -> None:
    """Reserve the recipe (stored on the order); the task joins the queue. Never fails for
    stock: the answer lists the shortages."""
    order = move.order
    order.confirmed_at = timezone.now()  # florists see it from now on (apps.orders.visibility)
    reserve_recipe(order)
    move.result.shortages = shortages_of(order)
    move.result.warnings = [*delivery_warnings(order), *stock_warnings(move.result.shortages)]
    queue.task_open(order)


def _start(move: Move) -> None:
    """The bouquet is being made; a florist who starts an order nobody has takes it."""
    if move.role == Role.FLORIST and move.order.florist_id is None:
        move.order.florist = move.actor
    queue.task_begin(move.order)


def _assemble(move: Move) -> None:
    """Take the assembly's lines from on-hand stock and release the reservation; the task is done."""
    order = move.order
    reserved = reserved_lines(order)
    lines = assembly_lines(
        order, reserved=reserved, consumption=move.consumption, extra_consumption=move.extra_consumption
    )
    lock_stock(order.shop, [*lines, *reserved])
    if lines:
        stock_consume(
            shop=order.shop,
            lines=lines,
            actor=move.actor,
            note=gettext("Order No. %(number)s") % {"number": order.number},
            order=order,
        )
    release_reservations(order)
    order.recipe_consumed = True
    move.result.consumed = lines
    queue.task_finish(order)


def _dispatch(move: Move) -> None:
    """A delivery leaves only with an address and a courier."""
    if not move.order.delivery_address.strip():
        raise AddressRequired(gettext("Clarify the delivery address before dispatch."))
    if move.order.courier_id is None:
        raise Conflict(gettext("Assign a courier before dispatch."))


def _deliver(move: Move) -> None:
    move.order.closed_at = timezone.now()  # tracking closes 30 days later


def _back_to_new(move: Move) -> None:
    """Unconfirm: release the reservation, cancel the task; florists no longer see it."""
    move.order.confirmed_at = None
    release_reservations(move.order)
    queue.task_withdraw(move.order, reason=move.reason, keep_done=False)


def _back_to_confirmed(move: Move) -> None:
    queue.task_back_to_pending(move.order)


def _reassemble(move: Move) -> None:
    """No stock change: the next assembly takes only what is sent with it."""
    queue.task_begin(move.order, restart=True)


def _cancel(move: Move) -> None:
    """Before assembly the reservation is released; after it the stems stay consumed."""
    order = move.order
    if move.frm in BEFORE_ASSEMBLY:
        release_reservations(order)
    order.cancel_reason = move.reason
    order.closed_at = timezone.now()
    queue.task_withdraw(order, reason=move.reason)


EFFECTS: dict[str, Callable[[Move], None]] = {
    "confirm": _confirm,
    "start": _start,
    "assemble": _assemble,
    "dispatch": _dispatch,
    "deliver": _deliver,
    "back_to_new": _back_to_new,
    "back_to_confirmed": _back_to_confirmed,
    "reassemble": _reassemble,
    "cancel": _cancel,
}


# --- The service --------------------------------------------------------------------------


def _row(order: Order, to: str) -> Transition:
    transition = transition_for(order, to)
    if transition is None:
        raise InvalidTransition(
            gettext("An order cannot move from “%(before)s” to “%(after)s”.")
            % {"before": S(order.status).label, "after": S(to).label}
        )
    return transition


def _check_consumption(
    order: Order, to: str, consumption: Mapping[int, int] | None, extra_consumption: Mapping[int, int] | None
) -> None:
    if consumption and extra_consumption:
        raise Invalid(
            {
                "extra_consumption": [
                    gettext("Give consumption (the full use) or extra_consumption (beyond the reservation), not both.")
                ]
            }
        )
    for name, lines in (("consumption", consumption), ("extra_consumption", extra_consumption)):
        if lines and to != S.ASSEMBLED:
            raise Invalid({name: [gettext("Consumption is given only at assembly.")]})
        check_stock_lines(order.shop, lines, name)


def _event_data(move: Move, to: str) -> dict[str, Any]:
    data: dict[str, Any] = {"before": move.frm, "after": to}
    if move.reason:
        data["reason"] = move.reason
    if move.consumption:
        data["consumption"] = [[k, v] for k, v in sorted(move.consumption.items())]
    elif move.extra_consumption:
        data["extra_consumption"] = [[k, v] for k, v in sorted(move.extra_consumption.items())]
    return data


@transaction.atomic
def order_transition(
    *,
    order: Order,
    to: str,
    actor: User,
    role: str,
    reason: str = "",
    consumption: Mapping[int, int] | None = None,
    extra_consumption: Mapping[int, int] | None = None,
    proof_photo_id: int | None = None,
) -> TransitionResult:
    """Move an order along the status machine (``apps.orders.status.TRANSITIONS``) and do
    what follows from it: reserve, release or consume stock, bring the production task
    along, close the order. A move not in the table is ``InvalidTransition`` (409); one the
    role may not make is ``Forbidden``.

    Assembly takes ``assembly_lines``: ``consumption`` (the full actual use, replacing the
    reserved lines) or ``extra_consumption`` (added to them) — both at once is ``Invalid``;
    an empty list counts as not sent. Stock items of another shop are ``Invalid``. The
    result carries ``shortages`` and ``warnings`` of a confirmation (``apps.orders.warnings``).

    ``proof_photo_id``: an uploaded image attached as the courier's proof of delivery, in the
    same transaction — only with a move to ``delivered`` (else ``Invalid``)."""
    if proof_photo_id is not None and to != S.DELIVERED:
        raise Invalid(
            {"photo_id": [gettext("A photo goes with the move to “%(status)s”.") % {"status": S.DELIVERED.label}]}
        )
    order = order_lock(order)
    transition = _row(order, to)
    if not role_may(transition, role=role, order=order, user_id=actor.pk):
        raise Forbidden(gettext("This transition is not available to you."))
    reason = reason.strip()
    if transition.reason_required and not reason:
        raise Invalid({"reason": [gettext("Give a reason.")]})
    _check_consumption(order, to, consumption, extra_consumption)

    move = Move(order, order.status, actor, role, reason, consumption, extra_consumption, TransitionResult(order))
    if transition.effect is not None:
        EFFECTS[transition.effect](move)
    order.status = to
    order.save()
    order_log_event(order=order, type=EventType.STATUS_CHANGED, actor=actor, data=_event_data(move, to))
    if proof_photo_id is not None:
        order_photo_add(order=order, actor=actor, role=role, image_id=proof_photo_id, kind=PhotoKind.DELIVERY_PROOF)
    return move.result
