"""What staff write on an order besides its fields: internal comments and problem flags."""

from __future__ import annotations

from typing import TYPE_CHECKING

from django.db import transaction
from django.utils.translation import gettext

from apps.orders.models import EventType, IssueType, Order, OrderEvent
from apps.orders.services.log import order_lock, order_log_event
from flowercrm.errors import Conflict, Forbidden, Invalid
from flowercrm.roles import Role

if TYPE_CHECKING:
    from apps.accounts.models import User

COURIER_ISSUES = frozenset({IssueType.RECIPIENT_UNAVAILABLE, IssueType.WRONG_ADDRESS})


@transaction.atomic
def order_comment_add(*, order: Order, actor: User, text: str) -> OrderEvent:
    """An internal note on the order (staff only; never on tracking)."""
    text = text.strip()
    if not text:
        raise Invalid({"text": [gettext("Write a comment.")]})
    order = order_lock(order)
    return order_log_event(order=order, type=EventType.COMMENT, actor=actor, data={"text": text})


@transaction.atomic
def order_issue_report(*, order: Order, actor: User, role: str, type: str, comment: str = "") -> Order:
    """Flag a problem (not a status). Couriers report only delivery problems."""
    if role == Role.COURIER and type not in COURIER_ISSUES:
        raise Forbidden(gettext("A courier reports only delivery problems."))
    order = order_lock(order)
    order.issue_type, order.issue_comment = type, comment.strip()
    order.save(update_fields=["issue_type", "issue_comment", "updated_at"])
    order_log_event(order=order, type=EventType.ISSUE, actor=actor, data={"type": type, "comment": order.issue_comment})
    return order


@transaction.atomic
def order_issue_resolve(*, order: Order, actor: User, comment: str = "") -> Order:
    """Clear the problem flag."""
    order = order_lock(order)
    if not order.issue_type:
        raise Conflict(gettext("The order has no open issue."))
    previous = order.issue_type
    order.issue_type, order.issue_comment = "", ""
    order.save(update_fields=["issue_type", "issue_comment", "updated_at"])
    order_log_event(
        order=order, type=EventType.ISSUE, actor=actor, data={"type": previous, "resolved": True, "comment": comment}
    )
    return order
