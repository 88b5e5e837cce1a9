"""The order side of customer work: what a customer is to the orders.

Customers sit below orders (``apps.customers`` never imports ``apps.orders``,
tests/test_import_graph.py), so whatever about a customer needs their orders lives here:
the statistics of the customer list, a customer's orders, the buyers a florist may see, the
edit that re-indexes the customer's orders, and the merge that moves the orders.
"""

from __future__ import annotations

from collections.abc import Mapping
from decimal import Decimal
from typing import TYPE_CHECKING, Any

from django.db import transaction
from django.db.models import (
    Count,
    DateTimeField,
    DecimalField,
    Exists,
    IntegerField,
    Max,
    OuterRef,
    QuerySet,
    Subquery,
    Sum,
    Value,
)
from django.db.models.functions import Coalesce
from django.utils import timezone

from apps.customers import selectors as customer_selectors
from apps.customers import services as customer_services
from apps.customers.models import Customer
from apps.orders.models import EventType, Order, OrderStatus, Payment
from apps.orders.services import order_log_event, orders_reindex_for_customer
from apps.orders.visibility import florist_visible_q

if TYPE_CHECKING:
    from apps.accounts.models import User
    from apps.shops.models import Shop


# --- reads -----------------------------------------------------------------------------------


def _stat(rows: QuerySet[Any], aggregate: Any, output_field: Any, *, by: str = "customer_id") -> Subquery:
    """One aggregate over a customer's rows as a correlated subquery (grouped by the
    customer, so nothing joined elsewhere in the list can multiply it)."""
    return Subquery(rows.values(by).annotate(value=aggregate).values("value")[:1], output_field=output_field)


def customers_with_stats(customers: QuerySet[Customer]) -> QuerySet[Customer]:
    """``customers`` annotated with their statistics (ARCHITECTURE §11.1): ``orders_count``
    and ``last_order_at`` of their non-cancelled orders, and ``total_spent`` — the money
    actually received: every payment net of refunds over all their orders (a paid order
    cancelled without a refund still kept the money). One subquery each: the list's query
    count does not grow with the page."""
    counted = Order.objects.filter(customer=OuterRef("pk")).exclude(status=OrderStatus.CANCELLED).order_by()
    payments = Payment.objects.filter(order__customer=OuterRef("pk")).order_by()
    money: Any = DecimalField(max_digits=16, decimal_places=2)
    return customers.annotate(
        orders_count=Coalesce(_stat(counted, Count("id"), IntegerField()), Value(0)),
        total_spent=Coalesce(
            _stat(payments, Sum("amount"), money, by="order__customer_id"),
            Value(Decimal("0.00")),
            output_field=money,
        ),
        last_order_at=_stat(counted, Max("created_at"), DateTimeField()),
    )


def customer_list(*, shop: Shop) -> QuerySet[Customer]:
    """The customer list as admins and managers read it: ``apps.customers.selectors.customer_list``
    (nested rows prefetched) with the order statistics of ``customers_with_stats``."""
    return customers_with_stats(customer_selectors.customer_list(shop=shop))


def customer_list_for_florist(*, shop: Shop) -> QuerySet[Customer]:
    """Customers a florist may see: buyers of orders the florist may see (from confirmation
    on). Only the compact fields are read."""
    visible = Order.objects.filter(florist_visible_q(), customer=OuterRef("pk"))
    return customer_selectors.customer_scope(shop=shop).filter(Exists(visible)).only("id", "shop_id", "name", "phone")


def customer_orders(*, shop: Shop, customer: Customer) -> QuerySet[Order]:
    """A customer's orders (cancelled too), newest first, with the summary fields only."""
    return (
        Order.objects.filter(shop=shop, customer=customer)
        .only("id", "shop_id", "number", "status", "delivery_date", "total", "created_at")
        .order_by("-created_at", "-id")
    )


# --- writes ----------------------------------------------------------------------------------


@transaction.atomic
def customer_update(*, customer: Customer, data: Mapping[str, Any]) -> Customer:
    """``apps.customers.services.customer_update`` as the back office makes it (API, admin):
    the same guarantees, and the customer's orders re-indexed by the buyer's new name and
    phone in the same transaction (the customer locked first, then its orders)."""
    customer = customer_services.customer_update(customer=customer, data=data)
    orders_reindex_for_customer(customer=customer)
    return customer


@transaction.atomic
def customer_merge(*, shop: Shop, keep: Customer, merge: Customer, actor: User | None) -> Customer:
    """Fold ``merge`` into ``keep`` (both customers of ``shop``) and delete ``merge``.

    Orders move to ``keep`` with an ``edited`` event each and are re-indexed; the rest —
    addresses, dates, tags, notes, blanks filled, ``merge``'s phones as extra phones of
    ``keep`` — is ``apps.customers.services.customer_absorb``. Both rows are locked in id
    order (before any order: the lock order of ``apps.orders.services``). Same ids or
    another shop's customer: ``Invalid``; either one merged away or deleted by a concurrent
    request: ``Conflict``; a result over the limits (20 addresses, 50 dates, 20 tags):
    ``Conflict``, and nothing changes.
    """
    plan = customer_services.customer_merge_plan(shop=shop, keep=keep, merge=merge)
    _orders_move(source=plan.merge, target=plan.keep, actor=actor)
    keep = customer_services.customer_absorb(plan=plan)
    orders_reindex_for_customer(customer=keep)
    return keep


def _orders_move(*, source: Customer, target: Customer, actor: User | None) -> None:
    """Give ``source``'s orders to ``target``, one ``edited`` event per order (id order)."""
    order_ids = list(Order.objects.filter(customer=source).order_by("id").values_list("id", flat=True))
    Order.objects.filter(customer=source).update(customer=target, updated_at=timezone.now())
    for order in Order.objects.filter(pk__in=order_ids).order_by("id"):
        order_log_event(
            order=order,
            type=EventType.EDITED,
            actor=actor,
            data={"before": {"customer_id": source.pk}, "after": {"customer_id": target.pk}, "reason": "merge"},
        )
