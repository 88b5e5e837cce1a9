"""Reads of customers: the shop's customers and their upcoming important dates (the order
side — statistics, a customer's orders, the florist's buyers — is ``apps.orders.customers``)."""

from __future__ import annotations

import calendar
import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from django.db.models import Q, QuerySet
from django.utils import timezone

from apps.customers.constants import MAX_UPCOMING_DAYS
from apps.customers.models import (
    Customer,
    CustomerAddress,
    CustomerPhone,
    CustomerTag,
    DateReminder,
    ImportantDate,
)
from flowercrm.search import fold, search_terms

if TYPE_CHECKING:
    from apps.shops.models import Shop


def customer_scope(*, shop: Shop) -> QuerySet[Customer]:
    """Customers of ``shop``, plain rows."""
    return Customer.objects.filter(shop=shop)


def customer_list(*, shop: Shop) -> QuerySet[Customer]:
    """Customers of ``shop`` with their addresses, dates, tags and extra phones prefetched: a
    page costs the same number of queries whatever its size. The order statistics of the list
    (``orders_count``, ``total_spent``, ``last_order_at``) are added by
    ``apps.orders.customers.customers_with_stats``."""
    return customer_scope(shop=shop).prefetch_related("addresses", "important_dates", "tags", "extra_phones")


def customer_list_values(
    customers: QuerySet[Customer], *, columns: Sequence[str]
) -> QuerySet[Customer, dict[str, Any]]:
    """``customers`` (the list's, filtered and ordered) as plain ``columns``: the list page's
    read path (issue 17), no model instances; the nested rows come from ``customer_children_values``."""
    return customers.prefetch_related(None).values(*columns)


def customer_children_values(
    *, customer_ids: Sequence[int], address_columns: Sequence[str], date_columns: Sequence[str]
) -> dict[str, list[dict[str, Any]]]:
    """The extra phones, tags, addresses and important dates of ``customer_ids`` as plain rows
    with their ``customer_id``, each in its model's order: one query per table."""
    if not customer_ids:
        return {"phones": [], "tags": [], "addresses": [], "dates": []}
    of = {"customer_id__in": customer_ids}
    phones: Any = CustomerPhone.objects.filter(**of).values("customer_id", "phone")
    tags: Any = CustomerTag.objects.filter(**of).values("customer_id", "name")
    return {
        "phones": list(phones),
        "tags": list(tags),
        "addresses": list(CustomerAddress.objects.filter(**of).values("customer_id", *address_columns)),
        "dates": list(ImportantDate.objects.filter(**of).values("customer_id", *date_columns)),
    }


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


def date_window_q(*, today: dt.date, days: int) -> Q:
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
        .filter(date_window_q(today=today, days=days))
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


# --- reminders due (the admin dashboard) ----------------------------------------------------

# The widest reminder window a date may ask for (``ImportantDate.remind_days_before``).
REMIND_DAYS_MAX = 60


def important_dates_pending(*, shops: Sequence[Shop]) -> list[UpcomingDate]:
    """The occurrences of important dates of ``shops``' customers that are within their
    reminder window (``remind_days_before``, counted from each shop's local today) and of
    which nobody has been reminded yet — what ``apps.customers.reminders`` would send next,
    for several shops at once in two queries. Soonest first."""
    todays: dict[int, dt.date] = {shop.pk: timezone.localdate(timezone=shop.zoneinfo) for shop in shops}
    shop_ids_by_day: dict[dt.date, list[int]] = {}
    for shop_id, today in todays.items():
        shop_ids_by_day.setdefault(today, []).append(shop_id)
    window = Q(pk__in=[])
    for today, ids in shop_ids_by_day.items():
        window |= Q(customer__shop_id__in=ids) & date_window_q(today=today, days=REMIND_DAYS_MAX)
    rows = ImportantDate.objects.filter(window).select_related("customer")
    due = []
    for row in rows:
        today = todays[row.customer.shop_id]
        date = next_occurrence(day=row.day, month=row.month, today=today)
        until = (date - today).days
        if until <= row.remind_days_before:
            due.append(UpcomingDate(important_date=row, date=date, days_until=until))
    if not due:
        return []
    reminded = set(
        DateReminder.objects.filter(important_date__in=[item.important_date for item in due]).values_list(
            "important_date_id", "occurrence"
        )
    )
    pending = [item for item in due if (item.important_date.pk, item.date) not in reminded]
    pending.sort(key=lambda u: (u.days_until, u.customer.name.casefold(), u.customer.pk, u.important_date.pk))
    return pending
