"""Stock from a file: items found by name + height (+ category), quantities as counted
on-hand figures (an ``adjustment`` with reason ``import``), opening unit costs."""

from __future__ import annotations

from collections.abc import Sequence
from decimal import Decimal
from typing import Any, ClassVar

from django.utils.translation import gettext

from apps.exchange.columns import STOCK, Kind
from apps.exchange.importers.base import CREATED, UNCHANGED, UPDATED, Importer, Outcome, Row
from apps.exchange.importers.catalog import given
from apps.warehouse.models import StockCategory, StockItem, stock_match_key
from apps.warehouse.services import (
    CountedItem,
    stock_count_import,
    stock_counts_unchanged,
    stock_item_create,
    stock_item_update,
    stock_items_create_counted,
)
from flowercrm.errors import Invalid

FIELD_OF = {
    "name": "name",
    "category": "category",
    "height": "height_cm",
    "unit": "unit",
    "retail_price": "retail_price",
    "min_quantity": "min_quantity",
}


def _data(row: Row) -> dict[str, Any]:
    """The row's item fields as the services take them (blank cells: not given)."""
    return {FIELD_OF[key]: value for key, value in row.values.items() if key in FIELD_OF and given(value)}


def _key(data: dict[str, Any]) -> str:
    return stock_match_key(data.get("name") or "", data.get("height_cm"))


def _changes(item: StockItem, data: dict[str, Any]) -> dict[str, Any]:
    """The fields of a known item the row changes (the name is how it was found)."""
    return {key: value for key, value in data.items() if key != "name" and getattr(item, key) != value}


class StockImporter(Importer):
    """New items in bulk (``stock_items_create_counted``: the checks of ``stock_item_create``
    and ``stock_count_import`` per row, one insert of the items and one of their movements);
    rows of items the shop has, or of an item named twice in the batch, one by one through
    ``stock_item_update`` and ``stock_count_import`` after them, in the file's order."""

    kind: ClassVar[Kind] = STOCK
    fields = {"height_cm": "height", "counted_quantity": "quantity"}
    batch_size = 2000

    def apply(self, rows: Sequence[Row]) -> list[Outcome]:
        answers = stock_items_create_counted(
            shop=self.shop,
            rows=[
                CountedItem(_data(row), quantity=row.values.get("quantity"), unit_cost=row.values.get("unit_cost"))
                for row in rows
            ],
            actor=self.actor,
        )
        outcomes: list[Outcome | None] = [
            None if answer is None else CREATED if isinstance(answer, StockItem) else answer for answer in answers
        ]
        self._unchanged(rows, outcomes)
        # Items the shop has (or a second row of one item): one by one, in the file's order.
        return [
            self.apply_guarded(row) if outcome is None else outcome for row, outcome in zip(rows, outcomes, strict=True)
        ]

    def _unchanged(self, rows: Sequence[Row], outcomes: list[Outcome | None]) -> None:
        """Rows of known items that ``apply_one`` would find unchanged (a re-run of a file):
        answered at once, with their counts asked of ``stock_counts_unchanged`` in one go;
        an item named twice in the batch is left to ``apply_one``."""
        keys = {index: _key(_data(rows[index])) for index, outcome in enumerate(outcomes) if outcome is None}
        seen: set[str] = set()
        repeated: set[str] = set()
        for key in keys.values():
            (repeated if key in seen else seen).add(key)
        items = {
            item.match_key: item
            for item in StockItem.objects.filter(
                shop=self.shop, match_key__in={key for key in keys.values() if key not in repeated}
            )
        }
        candidates: list[tuple[int, StockItem]] = []
        for index, key in keys.items():
            item = items.get(key)
            data = _data(rows[index])
            if item is None or (data.get("category") and data["category"] != item.category) or _changes(item, data):
                continue
            candidates.append((index, item))
        counts = [
            (item.pk, rows[index].values.get("quantity"), rows[index].values.get("unit_cost"))
            for index, item in candidates
        ]
        unchanged = stock_counts_unchanged(shop=self.shop, counts=counts) if counts else []
        for (index, _item), same in zip(candidates, unchanged, strict=True):
            if same:
                outcomes[index] = UNCHANGED

    def apply_one(self, row: Row) -> str:
        values = row.values
        data = _data(row)
        quantity, unit_cost = values.get("quantity"), values.get("unit_cost")
        name = data.get("name") or ""
        item = StockItem.objects.filter(shop=self.shop, match_key=stock_match_key(name, data.get("height_cm"))).first()
        if item is None:
            item = stock_item_create(shop=self.shop, data=data)
            if quantity is not None or unit_cost is not None:
                self._count(item, quantity, unit_cost)
            return CREATED
        if data.get("category") and data["category"] != item.category:
            label = StockCategory(item.category).label
            raise Invalid(
                {"category": [gettext("This item is kept in the category «%(category)s».") % {"category": label}]}
            )
        changes = _changes(item, data)
        if changes:
            item = stock_item_update(item=item, data=changes)
        counted = self._count(item, quantity, unit_cost) if quantity is not None or unit_cost is not None else False
        return UPDATED if changes or counted else UNCHANGED

    def _count(self, item: StockItem, quantity: int | None, unit_cost: Decimal | None) -> bool:
        movement, cost_changed = stock_count_import(
            item=item,
            counted_quantity=item.quantity if quantity is None else quantity,
            unit_cost=unit_cost,
            actor=self.actor,
        )
        return movement is not None or cost_changed
