"""Exports: the rows of a kind in the columns of its import (``apps.exchange.columns``), as
CSV or XLSX, in constant memory whatever the count.

Rows are read in keyset batches by id (``BATCH`` at a time, a fixed number of queries per
batch), each batch inside the shop's scope, and turned into cells at once. CSV goes out as the
rows are made (UTF-8 with a BOM and ``;``, what Russian Excel opens by a double click); XLSX
is written by ``openpyxl``'s write-only workbook, which keeps its rows in a temporary file, and
the finished file is streamed from disk in blocks.
"""

from __future__ import annotations

import csv
import io
import tempfile
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass
from typing import IO, Any

from django.db.models import Model, Prefetch, QuerySet

from apps.catalog.models import Product, ProductComponent
from apps.customers.models import Customer
from apps.exchange.columns import CUSTOMERS, ORDERS, PRODUCTS, STOCK, Cell, Kind, Line
from apps.orders.models import Order, Payment, PaymentStatus
from apps.warehouse.models import StockItem
from flowercrm.scopes import scope

BATCH = 1000
BLOCK = 64 * 1024
CSV_DELIMITER = ";"


@dataclass(frozen=True)
class Export:
    """A kind's export: its columns, how to read a batch and how to make one row's values
    (by column key; each column's ``format`` makes the cell)."""

    kind: Kind
    prepare: Callable[[QuerySet[Any]], QuerySet[Any]]
    values: Callable[[Any], dict[str, Any]]

    def header(self) -> list[str]:
        return [column.header() for column in self.kind.columns]

    def row(self, obj: Any) -> list[Cell]:
        values = self.values(obj)
        return [column.format(values.get(column.key)) for column in self.kind.columns]


def _customer_values(customer: Customer) -> dict[str, Any]:
    addresses = list(customer.addresses.all())
    dates = list(customer.important_dates.all())
    first_date = dates[0] if dates else None
    return {
        "phone": customer.phone,
        "name": customer.name,
        "email": customer.email,
        "notes": customer.notes,
        "source": customer.source,
        "tags": [tag.name for tag in customer.tags.all()],
        "address": addresses[0].address if addresses else "",
        "date": (first_date.day, first_date.month) if first_date else None,
        "date_title": first_date.title if first_date else "",
    }


def _product_values(product: Product) -> dict[str, Any]:
    return {
        "name": product.name,
        "category": product.category,
        "price": product.price,
        "sale_price": product.sale_price,
        "sku": product.sku,
        "description": product.description,
        "active": product.is_active,
        "recipe": [
            Line(name=c.stock_item.name, height=c.stock_item.height_cm, quantity=c.quantity)
            for c in product.components.all()
        ],
    }


def _stock_values(item: StockItem) -> dict[str, Any]:
    return {
        "name": item.name,
        "category": item.category,
        "height": item.height_cm,
        "unit": item.unit,
        "quantity": item.quantity,
        "unit_cost": item.unit_cost,
        "retail_price": item.retail_price,
        "min_quantity": item.min_quantity,
    }


def _order_values(order: Order) -> dict[str, Any]:
    # The import records one payment of the total for a paid order: its method is the
    # method of the largest payment.
    payments = [p for p in order.payments.all() if p.amount > 0]
    method = max(payments, key=lambda p: p.amount).method if payments else ""
    return {
        "number": order.number,
        "date": order.delivery_date,
        "phone": order.customer.phone,
        "name": order.customer.name,
        "recipient": order.recipient_name,
        "recipient_phone": order.recipient_phone,
        "address": order.delivery_address,
        "items": [Line(name=item.name, quantity=item.quantity) for item in order.items.all()],
        "total": order.total,
        "payment_method": method if order.payment_status == PaymentStatus.PAID else "",
        "status": order.status,
    }


EXPORTS = {
    "customers": Export(
        CUSTOMERS, lambda qs: qs.prefetch_related("tags", "addresses", "important_dates"), _customer_values
    ),
    "products": Export(
        PRODUCTS,
        lambda qs: qs.prefetch_related(
            Prefetch("components", ProductComponent.objects.select_related("stock_item").order_by("id"))
        ),
        _product_values,
    ),
    "stock": Export(STOCK, lambda qs: qs, _stock_values),
    "orders": Export(
        ORDERS,
        lambda qs: qs.select_related("customer").prefetch_related(
            "items", Prefetch("payments", Payment.objects.order_by("id"))
        ),
        _order_values,
    ),
}


def export_rows(export: Export, queryset: QuerySet[Any], *, shop_id: int) -> Iterator[list[list[Cell]]]:
    """The rows of ``queryset`` (filters applied, any order) in batches, by id. Each batch is
    read and formatted inside ``scope(shop=shop_id)``: a streamed response runs after its view
    has left the request's scope."""
    last = 0
    prepared = export.prepare(queryset.order_by("pk"))
    while True:
        with scope(shop=shop_id):
            batch: list[Model] = list(prepared.filter(pk__gt=last)[:BATCH])
            rows = [export.row(obj) for obj in batch]
        if not batch:
            return
        last = batch[-1].pk
        yield rows


# --- writers -----------------------------------------------------------------------------------

FORMULA_START = ("=", "@", "\t", "\r")


def csv_safe(cell: Cell) -> Cell:
    """Text that a spreadsheet would run as a formula (``=HYPERLINK(…)``) is quoted with a
    leading ``'`` (the reader drops it again); phones (``+7…``) and numbers stay as they are."""
    if isinstance(cell, str) and cell.startswith(FORMULA_START):
        return "'" + cell
    if isinstance(cell, str) and cell[:1] in "+-" and not _numeric(cell[1:]):
        return "'" + cell
    return cell


def _numeric(text: str) -> bool:
    return bool(text) and all(ch.isdigit() or ch in " ()-.," for ch in text)


def csv_stream(header: list[str], chunks: Iterable[list[list[Cell]]]) -> Iterator[bytes]:
    """UTF-8 with a BOM, ``;``-separated."""
    buffer = io.StringIO()
    writer = csv.writer(buffer, delimiter=CSV_DELIMITER)
    writer.writerow(header)
    yield "\ufeff".encode() + buffer.getvalue().encode()
    for rows in chunks:
        buffer.seek(0)
        buffer.truncate()
        writer.writerows([["" if c is None else csv_safe(c) for c in row] for row in rows])
        yield buffer.getvalue().encode()


def xlsx_file(header: list[str], chunks: Iterable[list[list[Cell]]]) -> IO[bytes]:
    """The workbook in a temporary file (rewound): write-only, so rows never pile up in memory.
    Text cells are text, never formulas."""
    from openpyxl import Workbook
    from openpyxl.cell import WriteOnlyCell

    book = Workbook(write_only=True)
    sheet = book.create_sheet()

    def cell(value: Cell) -> Any:
        if isinstance(value, str):
            text = WriteOnlyCell(sheet, value=value)
            text.data_type = "s"  # an ``=…`` text stays text
            return text
        return value

    sheet.append([cell(title) for title in header])
    for rows in chunks:
        for row in rows:
            sheet.append([cell(value) for value in row])
    handle = tempfile.TemporaryFile()  # noqa: SIM115  (handed over open; the response closes it)
    book.save(handle)
    handle.seek(0)
    return handle


def file_blocks(handle: IO[bytes]) -> Iterator[bytes]:
    with handle:
        while block := handle.read(BLOCK):
            yield block
