"""Reads of customers: the list with order statistics, a customer's orders, upcoming dates."""

from __future__ import annotations

import calendar
import datetime as dt
from dataclasses import dataclass
from decimal import Decimal
from typing import TYPE_CHECKING, Any

from django.db.models import (
    Count,
    DateTimeField,
    DecimalField,
    Exists,
    IntegerField,
    Max,
    OuterRef,
    Q,
    QuerySet,
    Subquery,
    Sum,
    Value,
)
from django.db.models.functions import Coalesce

from apps.customers.models import Customer, ImportantDate
from apps.orders.models import Order, OrderStatus, Payment
from apps.orders.visibility import florist_visible_q
from flowercrm.search import fold, search_terms

if TYPE_CHECKING:
    from apps.shops.models import Shop

MAX_UPCOMING_DAYS = 366


def _stat(rows: QuerySet[Any], aggregate: Any, output_field: Any, *, by: str = "customer_id") -> Subquery:
    """One aggregate over a customer's rows as a correlated subquery (grouped by the
    customer, so nothing joined elsewhere in the list can multiply it)."""
    return Subquery(rows.values(by).annotate(value=aggregate).values("value")[:1], output_field=output_field)


def customer_scope(*, shop: Shop) -> QuerySet[Customer]:
    """Customers of ``shop``, plain rows."""
    return Customer.objects.filter(shop=shop)


def customer_list(*, shop: Shop) -> QuerySet[Customer]:
    """Customers of ``shop`` with their statistics (ARCHITECTURE §11.1): ``orders_count`` and
    ``last_order_at`` of their non-cancelled orders, and ``total_spent`` — the money actually
    received: every payment net of refunds over all their orders (a paid order cancelled
    without a refund still kept the money). Addresses, dates, tags and extra phones are
    prefetched: a page costs the same number of queries whatever its size."""
    counted = Order.objects.filter(customer=OuterRef("pk")).exclude(status=OrderStatus.CANCELLED).order_by()
    payments = Payment.objects.filter(order__customer=OuterRef("pk")).order_by()
    money: Any = DecimalField(max_digits=16, decimal_places=2)
    return (
        customer_scope(shop=shop)
        .annotate(
            orders_count=Coalesce(_stat(counted, Count("id"), IntegerField()), Value(0)),
            total_spent=Coalesce(
                _stat(payments, Sum("amount"), money, by="order__customer_id"),
                Value(Decimal("0.00")),
                output_field=money,
            ),
            last_order_at=_stat(counted, Max("created_at"), DateTimeField()),
        )
        .prefetch_related("addresses", "important_dates", "tags", "extra_phones")
    )


def customer_list_for_florist(*, shop: Shop) -> QuerySet[Customer]:
    """Customers a florist may see: buyers of orders the florist may see (from confirmation
    on). Only the compact fields are read."""
    visible = Order.objects.filter(florist_visible_q(), customer=OuterRef("pk"))
    return customer_scope(shop=shop).filter(Exists(visible)).only("id", "shop_id", "name", "phone")


def customer_orders(*, shop: Shop, customer: Customer) -> QuerySet[Order]:
    """A customer's orders (cancelled too), newest first, with the summary fields only."""
    return (
        Order.objects.filter(shop=shop, customer=customer)
        .only("id", "shop_id", "number", "status", "delivery_date", "total", "created_at")
        .order_by("-created_at", "-id")
    )


# --- upcoming dates --------------------------------------------------------------------------


@dataclass(frozen=True)
class UpcomingDate:
    """An important date with its next occurrence counted from ``today``."""

    important_date: ImportantDate
    date: dt.date
    days_until: int

    @property
    def customer(self) -> Customer:
        return self.important_date.customer


def occurrence(*, day: int, month: int, year: int) -> dt.date:
    """The date ``day.month`` falls on in ``year`` (29 February on 28 February in other years)."""
    return dt.date(year, month, min(day, calendar.monthrange(year, month)[1]))


def next_occurrence(*, day: int, month: int, today: dt.date) -> dt.date:
    """The first occurrence on or after ``today``."""
    this_year = occurrence(day=day, month=month, year=today.year)
    return this_year if this_year >= today else occurrence(day=day, month=month, year=today.year + 1)


def _window_q(*, today: dt.date, days: int) -> Q:
    """``(day, month)`` pairs whose occurrence falls in ``today .. today + days``, as one
    condition per calendar month the window touches."""
    end = today + dt.timedelta(days=days)
    q = Q(pk__in=[])
    start = today
    while start <= end:
        month_end = dt.date(start.year, start.month, calendar.monthrange(start.year, start.month)[1])
        last = min(end, month_end)
        last_day = last.day
        if start.month == 2 and last_day == 28 and not calendar.isleap(start.year):
            last_day = 29  # 29 February is celebrated on the 28th in this year
        q |= Q(month=start.month, day__gte=start.day, day__lte=last_day)
        start = month_end + dt.timedelta(days=1)
    return q


def customer_upcoming_dates(*, shop: Shop, days: int, today: dt.date, search: str = "") -> list[UpcomingDate]:
    """Important dates of ``shop``'s customers whose next occurrence is within ``days``
    days of ``today`` (0 = today only; the caller passes the shop's local date), soonest first.
    The window wraps the year end; 29 February falls on 28 February in other years.
    ``search`` keeps the dates whose title, or whose customer's name or phones (any format,
    any part of the digits), contain it — case-insensitively, Cyrillic included."""
    if not 0 <= days <= MAX_UPCOMING_DAYS:
        raise ValueError(f"days must be within 0..{MAX_UPCOMING_DAYS}")
    rows = (
        ImportantDate.objects.filter(customer__shop=shop)
        .filter(_window_q(today=today, days=days))
        .select_related("customer")
        .only(
            "id",
            "day",
            "month",
            "title",
            "remind_days_before",
            "customer__id",
            "customer__name",
            "customer__phone",
            "customer__search_text",
        )
    )
    terms = search_terms(search) if search else []
    found = []
    for row in rows:
        # Matched here, not in SQL: the window is already read whole, and the title has no
        # folded column (SQLite's LIKE folds ASCII only).
        if terms and not any(t in fold(row.title) or t in row.customer.search_text for t in terms):
            continue
        date = next_occurrence(day=row.day, month=row.month, today=today)
        until = (date - today).days
        if until <= days:
            found.append(UpcomingDate(important_date=row, date=date, days_until=until))
    found.sort(key=lambda u: (u.days_until, u.customer.name.casefold(), u.customer.pk, u.important_date.pk))
    return found
