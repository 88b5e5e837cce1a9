"""The charts of the admin dashboard (ARCHITECTURE §11.5, issue 16): revenue by day, payment
methods, the top products with their margin, write-off losses by reason and what customers
owe — for one shop and one period, read through the reports' selectors (the same figures the
``/api/reports/`` endpoints answer).

Each chart is a :class:`Table`: the rows the page shows under the chart (for screen readers
and print), the CSV download gives, and the chart draws — one list, so the three never
disagree. Values stay raw (``Decimal``, ``int``, ``date``, text); the template formats them
for people and the CSV writes them for spreadsheets.

A fixed number of queries whatever the period or the data: one call of each selector."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

from django.utils import timezone
from django.utils.formats import date_format, number_format
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from apps.orders.models import PaymentMethod
from apps.reports.periods import DEFAULT_DAYS
from apps.reports.selectors import products_report, receivables_report, sales_report, stock_report
from apps.shops.models import Shop
from apps.warehouse.models import WriteOffReason
from flowercrm.money import CURRENCY_SIGNS, money_text
from flowercrm.scopes import scope

# The period picker's presets (days back from today, today included); the default and the
# longest period are the reports' own (``apps.reports.periods``).
PRESET_DAYS = (7, 30, 90)
TOP_PRODUCTS = 10
# The owing orders listed under the receivables total (the total counts them all).
RECEIVABLES_SHOWN = 10

TEXT, COUNT, MONEY, PERCENT, DAY = "text", "count", "money", "percent", "day"


@dataclass(frozen=True)
class Period:
    """The days a dashboard covers, both ends included, in the shop's zone. ``days`` is the
    preset it was picked by (None for an explicit range)."""

    date_from: dt.date
    date_to: dt.date
    days: int | None = None

    @property
    def length(self) -> int:
        return (self.date_to - self.date_from).days + 1

    def dates(self) -> list[dt.date]:
        return [self.date_from + dt.timedelta(days=n) for n in range(self.length)]


def period_last(*, shop: Shop, days: int = DEFAULT_DAYS, today: dt.date | None = None) -> Period:
    """The last ``days`` days up to today in the shop's zone."""
    today = today or timezone.localdate(timezone=shop.zoneinfo)
    return Period(date_from=today - dt.timedelta(days=days - 1), date_to=today, days=days)


@dataclass(frozen=True)
class Column:
    key: str
    title: str
    kind: str = TEXT


@dataclass(frozen=True)
class Table:
    """One chart's data: ``rows`` of raw values in the order of ``columns``; ``total`` is the
    footer row (or None). ``chart`` says how the page draws it: the chart type, the column of
    the labels and the columns drawn as series."""

    key: str
    title: str
    columns: list[Column]
    rows: list[list[Any]]
    currency: str
    total: list[Any] | None = None
    chart: dict[str, Any] = field(default_factory=dict)
    empty: str = ""
    note: str = ""

    def formatted(self, row: list[Any]) -> list[str]:
        """A row as people read it (money «5 000 ₸», days «5 ноября», grouped counts)."""
        return [format_cell(value, column.kind, self.currency) for value, column in zip(row, self.columns, strict=True)]

    @property
    def display_rows(self) -> list[list[tuple[str, str]]]:
        """Each row's cells as ``(text, kind)`` (the template aligns numbers by their kind)."""
        return [self._cells(row) for row in self.rows]

    @property
    def display_total(self) -> list[tuple[str, str]] | None:
        return self._cells(self.total) if self.total is not None else None

    def _cells(self, row: list[Any]) -> list[tuple[str, str]]:
        return list(zip(self.formatted(row), (column.kind for column in self.columns), strict=True))

    def chart_data(self) -> dict[str, Any]:
        """What ``reports/dashboard.js`` draws (embedded with ``json_script``): the labels as
        people read them, each series as numbers, and how to format a value."""
        label_index = self._index(self.chart["labels"])
        series = []
        for key in self.chart["series"]:
            index = self._index(key)
            column = self.columns[index]
            series.append(
                {
                    "key": key,
                    "label": column.title,
                    "kind": column.kind,
                    "data": [_number(row[index]) for row in self.rows],
                }
            )
        return {
            "key": self.key,
            "type": self.chart["type"],
            "horizontal": bool(self.chart.get("horizontal")),
            "labels": [
                format_cell(row[label_index], self.columns[label_index].kind, self.currency) for row in self.rows
            ],
            "series": series,
            "currency": self.currency,
            "currency_sign": CURRENCY_SIGNS.get(self.currency, self.currency),
        }

    @property
    def has_data(self) -> bool:
        """Whether any value the chart draws is not zero."""
        series = [self._index(key) for key in self.chart.get("series", [])]
        return any(row[index] for row in self.rows for index in series)

    def csv_header(self) -> list[str]:
        header = [column.title for column in self.columns]
        if any(column.kind == MONEY for column in self.columns):
            header = [f"{c.title}, {self.currency}" if c.kind == MONEY else c.title for c in self.columns]
        return header

    def csv_rows(self) -> list[list[Any]]:
        """The table's rows for a spreadsheet: money as a plain decimal («15000.00»), days as
        ISO dates, the footer last."""
        rows = self.rows + ([self.total] if self.total is not None else [])
        return [[_csv_cell(value) for value in row] for row in rows]

    def _index(self, key: str) -> int:
        return next(n for n, column in enumerate(self.columns) if column.key == key)


@dataclass(frozen=True)
class Dashboard:
    """Every chart of one shop over one period, and what customers owe now."""

    shop: Shop
    period: Period
    currency: str
    tables: list[Table]
    receivables_total: Decimal
    receivables_orders: int

    def table(self, key: str) -> Table:
        return next(table for table in self.tables if table.key == key)


# --- formatting ------------------------------------------------------------------------------


def format_cell(value: Any, kind: str, currency: str) -> str:
    if value is None or value == "":
        return "—"
    if kind == MONEY:
        return money_text(value, currency)
    if kind == COUNT:
        return number_format(value, force_grouping=True)
    if kind == PERCENT:
        return number_format(value, decimal_pos=1) + " %"
    if kind == DAY:
        return date_format(value, "D, j E") if isinstance(value, dt.date) else str(value)
    return str(value)


def _number(value: Any) -> float | int:
    """A chart's number (a float is fine for drawing; the table and CSV keep the exact sum)."""
    if value is None:
        return 0
    if isinstance(value, int):
        return value
    return float(Decimal(str(value)))


def _csv_cell(value: Any) -> Any:
    if isinstance(value, dt.date):
        return value.isoformat()
    if isinstance(value, Decimal):
        return str(value)
    return "" if value is None else value


def _money(value: Any) -> Decimal:
    return Decimal(str(value if value is not None else 0))


def _label(choices: Any, value: str) -> str:
    try:
        return str(choices(value).label)
    except ValueError:
        return value or gettext("not stated")


def _day(value: Any) -> dt.date | None:
    if isinstance(value, dt.datetime):
        return value.date()
    if isinstance(value, dt.date):
        return value
    try:
        return dt.date.fromisoformat(str(value)[:10])
    except ValueError:
        return None


# --- the tables --------------------------------------------------------------------------------


def _revenue_table(sales: dict[str, Any], period: Period, currency: str) -> Table:
    by_day: dict[dt.date, dict[str, Any]] = {}
    for row in sales.get("by_period", []):
        day = _day(row["period"])
        if day is not None:
            by_day[day] = row
    rows = []
    for day in period.dates():  # every day, the quiet ones too: the axis is the calendar
        row = by_day.get(day, {})
        rows.append([day, int(row.get("orders") or 0), _money(row.get("revenue")), _money(row.get("paid"))])
    totals = sales.get("totals", {})
    return Table(
        key="revenue",
        title=gettext("Revenue by day"),
        columns=[
            Column("day", gettext("Day"), DAY),
            Column("orders", gettext("Orders"), COUNT),
            Column("revenue", gettext("Revenue"), MONEY),
            Column("paid", gettext("Received"), MONEY),
        ],
        rows=rows,
        currency=currency,
        total=[
            gettext("Total"),
            int(totals.get("orders") or 0),
            _money(totals.get("revenue")),
            _money(totals.get("paid")),
        ],
        chart={"type": "bar", "labels": "day", "series": ["revenue", "paid"]},
        empty=gettext("No orders and no payments in this period."),
        note=gettext(
            "Revenue: orders by delivery date, cancelled ones excluded. Received: payments net of refunds by the day "
            "they were made."
        ),
    )


def _count_money_total(rows: list[list[Any]]) -> list[Any] | None:
    """The total line of a ``[label, count, money]`` table (None when it is empty)."""
    if not rows:
        return None
    return [gettext("Total"), sum(row[1] for row in rows), sum((row[2] for row in rows), Decimal("0.00"))]


def _payments_table(sales: dict[str, Any], currency: str) -> Table:
    rows: list[list[Any]] = [
        [_label(PaymentMethod, row["method"]), int(row.get("count") or 0), _money(row.get("amount"))]
        for row in sales.get("by_payment_method", [])
    ]
    rows.sort(key=lambda row: (-row[2], row[0]))  # the largest amount first
    return Table(
        key="payments",
        title=gettext("Payment methods"),
        columns=[
            Column("method", gettext("Method"), TEXT),
            Column("count", gettext("Payments"), COUNT),
            Column("amount", gettext("Amount"), MONEY),
        ],
        rows=rows,
        currency=currency,
        total=_count_money_total(rows),
        chart={"type": "doughnut", "labels": "method", "series": ["amount"]},
        empty=gettext("No payments in this period."),
    )


def _products_table(products: dict[str, Any], currency: str) -> Table:
    rows = []
    for item in products.get("items", [])[:TOP_PRODUCTS]:  # by revenue, the best first
        revenue, margin = _money(item.get("revenue")), _money(item.get("margin"))
        percent = (margin / revenue * 100).quantize(Decimal("0.1")) if revenue else None
        rows.append(
            [
                item.get("name") or "—",
                int(item.get("quantity") or 0),
                revenue,
                _money(item.get("cost")),
                margin,
                percent,
            ]
        )
    return Table(
        key="products",
        title=gettext("Top %(count)d products") % {"count": TOP_PRODUCTS},
        columns=[
            Column("name", gettext("Product"), TEXT),
            Column("quantity", gettext("Sold"), COUNT),
            Column("revenue", gettext("Revenue"), MONEY),
            Column("cost", gettext("Cost"), MONEY),
            Column("margin", gettext("Margin"), MONEY),
            Column("margin_percent", gettext("Margin, %"), PERCENT),
        ],
        rows=rows,
        currency=currency,
        chart={"type": "bar", "horizontal": True, "labels": "name", "series": ["revenue", "margin"]},
        empty=gettext("Nothing sold in this period."),
        note=gettext("Cost: the stems and materials consumed at assembly."),
    )


def _write_offs_table(stock: dict[str, Any], currency: str) -> Table:
    rows: list[list[Any]] = [
        [_label(WriteOffReason, row["reason"]), int(row.get("quantity") or 0), _money(row.get("cost"))]
        for row in stock.get("write_offs", {}).get("by_reason", [])
        if row.get("quantity") or row.get("cost")
    ]
    rows.sort(key=lambda row: (-row[2], row[0]))  # the largest amount first
    return Table(
        key="write-offs",
        title=gettext("Write-off losses"),
        columns=[
            Column("reason", gettext("Reason"), TEXT),
            Column("quantity", gettext("Units"), COUNT),
            Column("cost", gettext("Loss"), MONEY),
        ],
        rows=rows,
        currency=currency,
        total=_count_money_total(rows),
        chart={"type": "bar", "labels": "reason", "series": ["cost"]},
        empty=gettext("No write-offs in this period."),
        note=gettext("At the unit cost of each item when it was written off."),
    )


def _receivables_table(receivables: dict[str, Any], currency: str) -> Table:
    rows = [
        [
            gettext("No. %(number)s") % {"number": order["number"]},
            _day(order.get("delivery_date")),
            (order.get("customer") or {}).get("name") or (order.get("customer") or {}).get("phone") or "—",
            _money(order.get("total")),
            _money(order.get("amount_due")),
        ]
        for order in receivables.get("items", [])
    ]
    return Table(
        key="receivables",
        title=gettext("Customers owe"),
        columns=[
            Column("order", gettext("Order"), TEXT),
            Column("delivery_date", gettext("Delivery"), DAY),
            Column("customer", gettext("Buyer"), TEXT),
            Column("total", gettext("Total"), MONEY),
            Column("amount_due", gettext("Due"), MONEY),
        ],
        rows=rows,
        currency=currency,
        empty=gettext("Everything is paid."),
        note=gettext("The %(count)d orders owed the longest (the total counts all of them).")
        % {"count": RECEIVABLES_SHOWN},
    )


def dashboard_build(*, shop: Shop, period: Period) -> Dashboard:
    """The dashboard's charts of ``shop`` over ``period`` (receivables: now). One call of each
    report selector, inside the shop's scope."""
    with scope(shop=shop):
        sales = sales_report(shop=shop, date_from=period.date_from, date_to=period.date_to, group="day")
        products = products_report(shop=shop, date_from=period.date_from, date_to=period.date_to, limit=TOP_PRODUCTS)
        stock = stock_report(shop=shop, date_from=period.date_from, date_to=period.date_to)
        receivables = receivables_report(shop=shop, limit=RECEIVABLES_SHOWN)
    currency = str(sales.get("currency") or shop.currency)
    owing = _receivables_table(receivables, currency)
    return Dashboard(
        shop=shop,
        period=period,
        currency=currency,
        tables=[
            _revenue_table(sales, period, currency),
            _payments_table(sales, currency),
            _write_offs_table(stock, currency),
            _products_table(products, currency),
            owing,
        ],
        receivables_total=_money(receivables.get("amount_due")),
        receivables_orders=int(receivables.get("total") or 0),
    )


# gettext_lazy keeps these in the catalog for the template's period picker.
PERIOD_LABELS = {7: _("7 days"), 30: _("30 days"), 90: _("90 days")}
