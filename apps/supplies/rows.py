"""A supply's list row, built from plain values (issue 17).

``SupplySerializer`` (and its florist shape, without money) stays the one description of the
shape and of the schema; the list renders the same dicts from ``values()`` of the supplies
(supplier and people joined) and one query for the page's lines (stock items joined), grouped
here — no model instance, no serializer per row.
``apps/supplies/tests/api/test_list_fast_path.py`` compares the two byte for byte.
"""

from __future__ import annotations

from collections.abc import Iterable
from decimal import Decimal
from typing import Any

from flowercrm.money import quantize_money
from flowercrm.rows import day, moment, money

Record = dict[str, Any]

SUPPLY_COLUMNS = (
    "id",
    "supplier_id",
    "supplier__name",
    "date",
    "currency",
    "rate",
    "notes",
    "status",
    "created_by_id",
    "created_by__name",
    "created_at",
    "updated_at",
    "received_at",
    "received_by_id",
    "received_by__name",
    "cancelled_at",
    "cancelled_by_id",
    "cancelled_by__name",
)
LINE_COLUMNS = (
    "id",
    "supply_id",
    "stock_item_id",
    "stock_item__name",
    "stock_item__height_cm",
    "stock_item__unit",
    "new_item_name",
    "new_item_category",
    "new_item_height_cm",
    "new_item_unit",
    "quantity",
    "purchase_price",
    "suggested_retail_price",
)
# What a role without costs does not read (``SupplyFloristSerializer``).
SUPPLY_MONEY_FIELDS = ("rate", "total", "total_in_shop_currency")
LINE_MONEY_FIELDS = (
    "purchase_price",
    "total",
    "unit_price_in_shop_currency",
    "total_in_shop_currency",
    "suggested_retail_price",
)
ZERO = Decimal("0.00")
RATE_STEP = Decimal("0.0001")


def _four(value: Decimal) -> str:
    """``DecimalField(decimal_places=4)``: a string with four decimals."""
    return f"{value.quantize(RATE_STEP):f}"


def _compact(pk: int | None, name: Any) -> dict[str, Any] | None:
    return None if pk is None else {"id": pk, "name": str(name)}


def supply_rows(supplies: Iterable[Record], *, lines: Iterable[Record], sees_costs: bool) -> list[Record]:
    """The dicts of ``SupplySerializer`` (``sees_costs``) or ``SupplyFloristSerializer`` of
    ``supplies`` (``SUPPLY_COLUMNS``) with their ``lines`` (``LINE_COLUMNS``, in ``id``
    order). Datetimes are in the current time zone."""
    supplies = list(supplies)
    rates = {supply["id"]: supply["rate"] for supply in supplies}
    by_supply: dict[int, list[Record]] = {}
    totals: dict[int, list[Decimal]] = {}
    for line in lines:
        supply_id, stock_item_id = line["supply_id"], line["stock_item_id"]
        quantity, price, rate = line["quantity"], line["purchase_price"], rates[supply_id]
        total = quantize_money(Decimal(quantity) * price)
        in_shop = quantize_money(Decimal(quantity) * price * rate)
        existing = stock_item_id is not None
        suggested = line["suggested_retail_price"]
        row = {
            "id": line["id"],
            "stock_item_id": stock_item_id,
            "stock_item": {
                "id": stock_item_id,
                "name": str(line["stock_item__name"]),
                "height_cm": line["stock_item__height_cm"],
                "unit": str(line["stock_item__unit"]),
            }
            if existing
            else None,
            "new_item_name": None if existing else line["new_item_name"],
            "new_item_category": None if existing else line["new_item_category"],
            "new_item_height_cm": None if existing else line["new_item_height_cm"],
            "new_item_unit": None if existing else line["new_item_unit"],
            "quantity": quantity,
            "purchase_price": _four(price),
            "total": money(total),
            "unit_price_in_shop_currency": money(quantize_money(price * rate)),
            "total_in_shop_currency": money(in_shop),
            "suggested_retail_price": None if suggested is None else money(suggested),
        }
        if not sees_costs:
            for name in LINE_MONEY_FIELDS:
                del row[name]
        by_supply.setdefault(supply_id, []).append(row)
        sums = totals.setdefault(supply_id, [ZERO, ZERO])
        sums[0] += total
        sums[1] += in_shop
    result = []
    for supply in supplies:
        pk = supply["id"]
        total, in_shop = totals.get(pk, (ZERO, ZERO))
        row = {
            "id": pk,
            "supplier": _compact(supply["supplier_id"], supply["supplier__name"]),
            "date": day(supply["date"]),
            "currency": supply["currency"],
            "rate": _four(supply["rate"]),
            "notes": supply["notes"],
            "status": supply["status"],
            "lines": by_supply.get(pk, []),
            "total": money(total),
            "total_in_shop_currency": money(in_shop),
            "created_by": _compact(supply["created_by_id"], supply["created_by__name"]),
            "created_at": moment(supply["created_at"]),
            "updated_at": moment(supply["updated_at"]),
            "received_at": moment(supply["received_at"]),
            "received_by": _compact(supply["received_by_id"], supply["received_by__name"]),
            "cancelled_at": moment(supply["cancelled_at"]),
            "cancelled_by": _compact(supply["cancelled_by_id"], supply["cancelled_by__name"]),
        }
        if not sees_costs:
            for name in SUPPLY_MONEY_FIELDS:
                del row[name]
        result.append(row)
    return result
