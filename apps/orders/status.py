"""The order status machine of ARCHITECTURE §4: one table, read by the transition service,
the API (``allowed_transitions``), the admin and the tests.

Each row names its effect: the function of ``apps.orders.services.transitions.EFFECTS`` that
does the stock work and the production-task work of that move (None: the status alone
changes). Who may make a move comes from the role matrix (``flowercrm.roles``)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Protocol

from apps.orders.models import DeliveryMethod, OrderStatus
from flowercrm.roles import WRITE, Role, holders

S = OrderStatus
OFFICE = holders("orders", WRITE)
FLOOR = holders("orders", "production_transition")
# "courier" here means the courier assigned to the order; other couriers never see it.
ROAD = holders("orders", "delivery_transition")


class OrderState(Protocol):
    """What the machine reads of an order: an ``Order``, or plain values of one (list rows)."""

    @property
    def status(self) -> str: ...
    @property
    def delivery_method(self) -> str: ...
    @property
    def courier_id(self) -> int | None: ...


@dataclass(frozen=True)
class Transition:
    roles: frozenset[str]
    effect: str | None = None  # a key of ``apps.orders.services.transitions.EFFECTS``
    reason_required: bool = False
    method: str | None = None  # only for orders with this delivery method


TRANSITIONS: dict[tuple[str, str], Transition] = {
    (S.NEW, S.CONFIRMED): Transition(OFFICE, "confirm"),
    (S.CONFIRMED, S.IN_PRODUCTION): Transition(FLOOR, "start"),
    (S.IN_PRODUCTION, S.ASSEMBLED): Transition(FLOOR, "assemble"),
    (S.ASSEMBLED, S.OUT_FOR_DELIVERY): Transition(ROAD, "dispatch", method=DeliveryMethod.DELIVERY),
    (S.ASSEMBLED, S.READY_FOR_PICKUP): Transition(FLOOR, method=DeliveryMethod.PICKUP),
    (S.OUT_FOR_DELIVERY, S.DELIVERED): Transition(ROAD, "deliver"),
    (S.READY_FOR_PICKUP, S.DELIVERED): Transition(FLOOR, "deliver"),
    # Steps back, each with a reason.
    (S.CONFIRMED, S.NEW): Transition(OFFICE, "back_to_new", reason_required=True),
    (S.IN_PRODUCTION, S.CONFIRMED): Transition(FLOOR, "back_to_confirmed", reason_required=True),
    (S.ASSEMBLED, S.IN_PRODUCTION): Transition(FLOOR, "reassemble", reason_required=True),
    (S.OUT_FOR_DELIVERY, S.ASSEMBLED): Transition(ROAD, reason_required=True),
    (S.READY_FOR_PICKUP, S.ASSEMBLED): Transition(ROAD, reason_required=True),
    # Cancelling: from anything but the final statuses.
    **{
        (status, S.CANCELLED): Transition(OFFICE, "cancel", reason_required=True)
        for status in (S.NEW, S.CONFIRMED, S.IN_PRODUCTION, S.ASSEMBLED, S.READY_FOR_PICKUP, S.OUT_FOR_DELIVERY)
    },
}

# Before assembly the order's stems are only reserved; from assembly on they are consumed.
BEFORE_ASSEMBLY = frozenset({S.NEW, S.CONFIRMED, S.IN_PRODUCTION})
# What a florist may see: everything from confirmation on (cancelled orders too).
FLORIST_VISIBLE = frozenset(s for s in OrderStatus if s != S.NEW)
PROGRESS_STEPS = {
    S.NEW: 1,
    S.CONFIRMED: 2,
    S.IN_PRODUCTION: 3,
    S.ASSEMBLED: 4,
    S.READY_FOR_PICKUP: 5,
    S.OUT_FOR_DELIVERY: 5,
    S.DELIVERED: 6,
    S.CANCELLED: 0,
}


def transition_for(order: OrderState, to: str) -> Transition | None:
    """The table row for moving ``order`` to ``to`` (None: not a move of the machine)."""
    transition = TRANSITIONS.get((order.status, to))
    if transition is None or (transition.method and transition.method != order.delivery_method):
        return None
    return transition


def role_may(transition: Transition, *, role: str, order: OrderState, user_id: int | None) -> bool:
    if role not in transition.roles:
        return False
    if role == Role.COURIER:
        return order.courier_id is not None and order.courier_id == user_id
    return True


def allowed_transitions(order: OrderState, *, role: str, user_id: int | None) -> list[str]:
    """The statuses the caller may move ``order`` to (the buttons a client shows)."""
    return [
        to
        for (frm, to), _ in TRANSITIONS.items()
        if frm == order.status
        and (t := transition_for(order, to)) is not None
        and role_may(t, role=role, order=order, user_id=user_id)
    ]
