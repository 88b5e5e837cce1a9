"""Customer reads: order statistics and the upcoming-dates window."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest
from django.utils import timezone

from apps.customers import selectors
from apps.customers.models import DAYS_IN_MONTH, ImportantDate
from apps.customers.tests.factories import (
    AddressFactory,
    CustomerFactory,
    ImportantDateFactory,
    TagFactory,
    make_order,
)
from apps.orders.models import OrderStatus
from apps.shops.models import Shop

pytestmark = pytest.mark.django_db


# --- statistics ----------------------------------------------------------------------------


def test_stats_exclude_cancelled_orders(shop: Shop) -> None:
    # §11.1: counts and the last order from non-cancelled orders; total_spent is the money
    # actually received (payments net of refunds), whatever the order totals say.
    customer = CustomerFactory(shop=shop)
    first = timezone.make_aware(dt.datetime(2026, 1, 10, 12, 0))
    last = timezone.make_aware(dt.datetime(2026, 3, 1, 9, 30))
    make_order(customer, status=OrderStatus.DELIVERED, total="15000.50", created_at=first, payments=("15000.50",))
    make_order(customer, status=OrderStatus.NEW, total="4999.50", created_at=last, payments=("1000.00",))
    make_order(
        customer,
        status=OrderStatus.CANCELLED,
        total="100000.00",
        created_at=timezone.make_aware(dt.datetime(2026, 6, 1)),
        payments=("100000.00", "-100000.00"),
    )

    row = selectors.customer_list(shop=shop).get(pk=customer.pk)

    assert row.orders_count == 2  # type: ignore[attr-defined]
    assert row.total_spent == Decimal("16000.50")  # type: ignore[attr-defined]
    assert row.last_order_at == last  # type: ignore[attr-defined]


def test_total_spent_is_money_received_net_of_refunds(shop: Shop) -> None:
    customer = CustomerFactory(shop=shop)
    make_order(customer, status=OrderStatus.DELIVERED, total="5000.00", payments=("3000.00", "2000.00", "-500.25"))
    make_order(customer, status=OrderStatus.NEW, total="9000.00")  # nothing paid yet: nothing spent
    # Paid, then cancelled without a refund: the shop kept the money.
    make_order(customer, status=OrderStatus.CANCELLED, total="700.00", payments=("700.00",))
    make_order(CustomerFactory(shop=shop), total="1.00", payments=("1.00",))  # someone else's

    row = selectors.customer_list(shop=shop).get(pk=customer.pk)

    assert row.total_spent == Decimal("5199.75")  # type: ignore[attr-defined]
    assert row.orders_count == 2  # type: ignore[attr-defined]


def test_stats_of_a_customer_without_orders(shop: Shop) -> None:
    customer = CustomerFactory(shop=shop)
    make_order(customer, status=OrderStatus.CANCELLED, total="10.00")
    row = selectors.customer_list(shop=shop).get(pk=customer.pk)
    assert (row.orders_count, row.total_spent, row.last_order_at) == (0, Decimal("0.00"), None)  # type: ignore[attr-defined]


def test_stats_are_not_multiplied_by_tags_and_addresses(shop: Shop) -> None:
    customer = CustomerFactory(shop=shop)
    for i in range(3):
        TagFactory(customer=customer, name=f"t{i}")
        AddressFactory(customer=customer)
    make_order(customer, total="100.10", payments=("100.10",))
    make_order(customer, total="200.20", payments=("150.00", "50.20"))
    other = CustomerFactory(shop=shop)
    make_order(other, total="999.00", payments=("999.00",))

    row = selectors.customer_list(shop=shop).filter(tags__name__in=["t0", "t1"]).distinct().get(pk=customer.pk)
    assert (row.orders_count, row.total_spent) == (2, Decimal("300.30"))  # type: ignore[attr-defined]


def test_list_is_scoped_to_the_shop(shop: Shop, other_shop: Shop) -> None:
    mine = CustomerFactory(shop=shop)
    CustomerFactory(shop=other_shop)
    assert list(selectors.customer_list(shop=shop)) == [mine]


@pytest.mark.parametrize(
    ("status", "confirmed", "visible"),
    [(s, s != OrderStatus.NEW, s != OrderStatus.NEW) for s in OrderStatus]
    # §11.1: a cancelled order only if it had been confirmed.
    + [(OrderStatus.CANCELLED, False, False)],
)
def test_florist_sees_buyers_of_orders_from_confirmation_on(
    shop: Shop, status: str, confirmed: bool, visible: bool
) -> None:
    customer = CustomerFactory(shop=shop)
    make_order(customer, status=status, confirmed_at=timezone.now() if confirmed else None)
    assert list(selectors.customer_list_for_florist(shop=shop)) == ([customer] if visible else [])


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
            window = selectors._window_q(today=today, days=days)
            got = list(ImportantDate.objects.filter(window).values_list("day", "month"))
            assert len(got) == len(set(got)) and set(got) == expected, (today, days)
