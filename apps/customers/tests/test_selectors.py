"""Customer reads: the upcoming-dates window (order statistics: apps/orders/tests/test_customers.py)."""

from __future__ import annotations

import datetime as dt

import pytest

from apps.customers import selectors
from apps.customers.models import DAYS_IN_MONTH, ImportantDate
from apps.customers.tests.factories import (
    CustomerFactory,
    ImportantDateFactory,
)
from apps.shops.models import Shop

pytestmark = pytest.mark.django_db


# --- upcoming dates ------------------------------------------------------------------------


def upcoming(shop: Shop, today: dt.date, days: int) -> list[tuple[int, int, dt.date, int]]:
    return [
        (u.important_date.day, u.important_date.month, u.date, u.days_until)
        for u in selectors.customer_upcoming_dates(shop=shop, days=days, today=today)
    ]


def test_window_wraps_the_year_end(shop: Shop) -> None:
    customer = CustomerFactory(shop=shop)
    for day, month in [(2, 1), (28, 12), (31, 12), (27, 12), (5, 1)]:
        ImportantDateFactory(customer=customer, day=day, month=month)
    today = dt.date(2026, 12, 28)
    assert upcoming(shop, today, 7) == [
        (28, 12, dt.date(2026, 12, 28), 0),
        (31, 12, dt.date(2026, 12, 31), 3),
        (2, 1, dt.date(2027, 1, 2), 5),
    ]
    assert upcoming(shop, today, 4) == [(28, 12, today, 0), (31, 12, dt.date(2026, 12, 31), 3)]
    assert upcoming(shop, today, 0) == [(28, 12, today, 0)]


@pytest.mark.parametrize(
    ("today", "days", "expected"),
    [
        # A non-leap year: 29 February falls on the 28th.
        (dt.date(2027, 2, 25), 7, [(dt.date(2027, 2, 28), 3)]),
        (dt.date(2027, 2, 25), 2, []),
        (dt.date(2027, 2, 28), 0, [(dt.date(2027, 2, 28), 0)]),
        (dt.date(2027, 3, 1), 7, []),
        (dt.date(2027, 3, 1), 366, [(dt.date(2028, 2, 29), 365)]),
        # A leap year: the 29th itself.
        (dt.date(2028, 2, 25), 7, [(dt.date(2028, 2, 29), 4)]),
        (dt.date(2028, 2, 28), 0, []),
        # Across the year end into a non-leap February.
        (dt.date(2026, 12, 20), 70, [(dt.date(2027, 2, 28), 70)]),
    ],
)
def test_29_february(shop: Shop, today: dt.date, days: int, expected: list[tuple[dt.date, int]]) -> None:
    ImportantDateFactory(customer=CustomerFactory(shop=shop), day=29, month=2)
    assert [(d, n) for _, _, d, n in upcoming(shop, today, days)] == expected


def test_other_shops_dates_are_not_listed(shop: Shop, other_shop: Shop) -> None:
    ImportantDateFactory(customer=CustomerFactory(shop=other_shop), day=1, month=1)
    assert upcoming(shop, dt.date(2026, 12, 31), 7) == []


def test_results_carry_the_customer_without_extra_queries(shop: Shop, django_assert_num_queries: object) -> None:
    for i in range(5):
        ImportantDateFactory(customer=CustomerFactory(shop=shop, name=f"Имя {i}"), day=1 + i, month=1)
    with django_assert_num_queries(1):  # type: ignore[operator]
        found = selectors.customer_upcoming_dates(shop=shop, days=10, today=dt.date(2026, 12, 31))
        names = [u.customer.name for u in found]
    assert names == [f"Имя {i}" for i in range(5)]


def test_days_out_of_range_is_refused(shop: Shop) -> None:
    with pytest.raises(ValueError):
        selectors.customer_upcoming_dates(shop=shop, days=367, today=dt.date(2026, 1, 1))


def test_window_query_matches_brute_force_over_every_day_of_the_year(shop: Shop) -> None:
    """Every (day, month) there is against many windows: the database filter picks exactly
    the dates whose next occurrence is within the window (none missed, none extra)."""
    customer = CustomerFactory(shop=shop)
    ImportantDate.objects.bulk_create(
        ImportantDate(customer=customer, day=day, month=month, title=f"{day}.{month}")
        for month, length in DAYS_IN_MONTH.items()
        for day in range(1, length + 1)
    )
    pairs = [(d, m) for m, length in DAYS_IN_MONTH.items() for d in range(1, length + 1)]
    todays = [dt.date(2027, 1, 1) + dt.timedelta(days=n) for n in range(0, 731, 11)]
    todays += [dt.date(2027, 2, 28), dt.date(2028, 2, 28), dt.date(2028, 2, 29), dt.date(2027, 12, 31)]
    for today in todays:
        for days in (0, 1, 30, 365, 366):
            expected = {
                (d, m)
                for d, m in pairs
                if (selectors.next_occurrence(day=d, month=m, today=today) - today).days <= days
            }
            window = selectors.date_window_q(today=today, days=days)
            got = list(ImportantDate.objects.filter(window).values_list("day", "month"))
            assert len(got) == len(set(got)) and set(got) == expected, (today, days)
