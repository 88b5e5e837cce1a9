"""The admin index as the day's dashboard (ARCHITECTURE §11.2): today's orders by status,
deliveries today and tomorrow, what customers owe, the florists' queue, low stock and the
date reminders nobody has had yet — each figure a link to the admin list filtered to it.

The links carry the admin lists' filter parameters (a contract with those lists):
orders ``?delivery=today|tomorrow``, ``&status__exact=<status>``, ``?payment=owing``; tasks
``?status__exact=<status>``; stock ``?low=yes``.

Orders is the top layer, so the dashboard of every app is put together here; the reads are the
apps' selectors (a fixed number of queries whatever the data). Named by
``settings.FLOWERCRM_ADMIN_DASHBOARD`` for ``flowercrm.admin_site``."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from django.urls import reverse
from django.utils.formats import date_format, number_format
from django.utils.http import urlencode
from django.utils.translation import gettext as _

from apps.customers.selectors import important_dates_pending
from apps.orders.models import OrderStatus
from apps.orders.selectors import order_day_counts, order_owing_totals
from apps.production.models import TaskStatus
from apps.production.selectors import task_queue_counts
from apps.shops.models import Shop
from apps.warehouse.selectors import stock_low_summary
from flowercrm.dashboard import Figure, Panel
from flowercrm.money import money_text

LOW_STOCK_SHOWN = 5
REMINDERS_SHOWN = 8


def _url(name: str, args: Sequence[Any] = (), **query: str) -> str:
    url = reverse(f"admin:{name}", args=args)
    return f"{url}?{urlencode(query)}" if query else url


def _count(value: int) -> str:
    return number_format(value, force_grouping=True)


def _orders_today(counts: dict[str, int]) -> Panel:
    figures = [
        Figure(
            label=str(status.label),
            value=_count(counts[status]),
            url=_url("orders_order_changelist", delivery="today", status__exact=status.value),
        )
        for status in OrderStatus
        if counts.get(status)
    ]
    return Panel(
        key="orders-today",
        title=_("Today's orders by status"),
        figures=figures,
        url=_url("orders_order_changelist", delivery="today"),
        empty=_("No orders for today."),
    )


def _deliveries(days: dict[int, dict[str, int]]) -> Panel:
    return Panel(
        key="deliveries",
        title=_("Deliveries"),
        figures=[
            Figure(
                label=label,
                value=_count(sum(days[offset].values())),
                url=_url("orders_order_changelist", delivery=key),
            )
            for offset, key, label in ((0, "today", _("Today")), (1, "tomorrow", _("Tomorrow")))
        ],
    )


def _owing(totals: list[dict[str, Any]]) -> Panel:
    url = _url("orders_order_changelist", payment="owing")
    return Panel(
        key="owing",
        title=_("Unpaid"),
        figures=[
            Figure(
                label=_("orders: %(count)d") % {"count": row["orders"]},
                value=money_text(row["amount"], row["currency"], sign=False),
                url=url,
            )
            for row in totals
        ],
        url=url,
        empty=_("Everything is paid."),
    )


def _queue(counts: dict[str, int]) -> Panel:
    return Panel(
        key="production",
        title=_("Production queue"),
        figures=[
            Figure(
                label=str(TaskStatus(status).label),
                value=_count(count),
                url=_url("production_productiontask_changelist", status__exact=status),
            )
            for status, count in counts.items()
        ],
        url=_url("production_productiontask_changelist"),
    )


def _low_stock(count: int, items: list[Any]) -> Panel:
    url = _url("warehouse_stockitem_changelist", low="yes")
    figures = [Figure(label=_("Items running low"), value=_count(count), url=url)] if count else []
    figures += [
        Figure(
            label=str(item),
            value=_("%(available)s of %(minimum)s")
            % {"available": _count(item.available_quantity), "minimum": _count(item.min_quantity)},
            url=_url("warehouse_stockitem_change", args=[item.pk]),
            hint=_("available of the minimum"),
        )
        for item in items
    ]
    return Panel(key="low-stock", title=_("Low stock"), figures=figures, url=url, empty=_("Stock is fine."))


def _when(days_until: int) -> str:
    if days_until == 0:
        return _("today")
    if days_until == 1:
        return _("tomorrow")
    return _("in %(count)d d.") % {"count": days_until}


def _reminders(pending: list[Any]) -> Panel:
    figures = [
        Figure(
            label=_("%(date)s (%(when)s) — %(title)s: %(customer)s")
            % {
                "date": date_format(item.date, "d.m"),
                "when": _when(item.days_until),
                "title": item.important_date.title,
                "customer": item.customer.name or item.customer.phone,
            },
            url=_url("customers_customer_change", args=[item.customer.pk]),
        )
        for item in pending[:REMINDERS_SHOWN]
    ]
    if len(pending) > REMINDERS_SHOWN:
        more = len(pending) - REMINDERS_SHOWN
        figures.append(Figure(label=_("and %(count)d more") % {"count": more}))
    return Panel(
        key="reminders",
        title=_("Date reminders not sent yet"),
        figures=figures,
        empty=_("No reminders are waiting."),
    )


def admin_dashboard(*, shops: Sequence[Shop]) -> list[Panel]:
    """The dashboard of ``shops`` (the shops the user runs; every shop for a superuser),
    days counted in each shop's time zone. A fixed number of queries."""
    shops = list(shops)
    days = order_day_counts(shops=shops, days=(0, 1))
    low_count, low_items = stock_low_summary(shops=shops, limit=LOW_STOCK_SHOWN)
    return [
        _orders_today(days[0]),
        _deliveries(days),
        _owing(order_owing_totals(shops=shops)),
        _queue(task_queue_counts(shops=shops)),
        _low_stock(low_count, low_items),
        _reminders(important_dates_pending(shops=shops)),
    ]
