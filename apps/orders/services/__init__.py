"""Every write to orders, by sub-domain: ``intake`` (create, edit), ``transitions`` (the status
machine), ``payments``, ``notes`` (comments, issues), ``photos``, ``tasks`` (the florists' queue
moves that move orders); ``stock`` and ``log`` are what they share. The public names are
re-exported here: ``from apps.orders import services; services.order_create(...)``.

Each public service is atomic, locks the order row it changes, appends to the event log,
and leaves stock consistent with the order (reservations at confirmation, consumption at
assembly).

Lock order. Every write that touches orders takes its row locks in one global order, so two
writes never wait for each other in a cycle (PostgreSQL would kill one as a deadlock: a 500):

1. the shop's order counter (``OrderCounter``; only intake takes it);
2. customers, in ``id`` order (intake by phone or by id; ``apps.customers.services`` edits
   and merges, which never take the counter);
3. the order row (``FOR UPDATE OF`` the order only, never its customer or shop), then its
   production task;
4. stock items, all of a write's items at once, in ``id`` order (``stock.lock_stock``), before the
   warehouse services change them.

Intake takes the number *before* it looks up or locks the buyer: the foreign key to the
customer needs that row (``FOR KEY SHARE``) when the order commits, so a request that held the
counter while another held the customer and waited for the counter would deadlock. Nothing
that holds an order or stock lock ever waits for a counter or a customer.
"""

from apps.orders.services.history import order_import_history
from apps.orders.services.intake import (
    DETAIL_FIELDS,
    MONEY_FIELDS,
    order_create,
    order_update,
    orders_reindex_for_customer,
)
from apps.orders.services.log import order_lock, order_log_assignment, order_log_event
from apps.orders.services.notes import COURIER_ISSUES, order_comment_add, order_issue_report, order_issue_resolve
from apps.orders.services.payments import payment_record, payment_status_for
from apps.orders.services.photos import order_photo_add, order_photo_delete, photo_kind_allowed
from apps.orders.services.stock import assembly_lines, recipe_lines
from apps.orders.services.tasks import task_cancel, task_complete, task_start, task_take, task_update
from apps.orders.services.transitions import EFFECTS, TransitionResult, order_transition
from apps.orders.tracking import tracking_closed

__all__ = [
    "COURIER_ISSUES",
    "DETAIL_FIELDS",
    "EFFECTS",
    "MONEY_FIELDS",
    "TransitionResult",
    "assembly_lines",
    "order_comment_add",
    "order_create",
    "order_import_history",
    "order_issue_report",
    "order_issue_resolve",
    "order_lock",
    "order_log_assignment",
    "order_log_event",
    "order_photo_add",
    "order_photo_delete",
    "order_transition",
    "order_update",
    "orders_reindex_for_customer",
    "payment_record",
    "payment_status_for",
    "photo_kind_allowed",
    "recipe_lines",
    "task_cancel",
    "task_complete",
    "task_start",
    "task_take",
    "task_update",
    "tracking_closed",
]
