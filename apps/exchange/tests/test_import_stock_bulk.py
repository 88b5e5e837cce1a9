"""The stock import's bulk path (``stock_items_create_counted``) leaves the database exactly
as the per-row services (``stock_item_create`` + ``stock_count_import``, and the update path)
leave it for the same file: items, ledger, outcomes and errors."""

from __future__ import annotations

import io
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest
from django.core.management import call_command

from apps.exchange.importers.base import Importer, Report, run_import
from apps.exchange.importers.stock import StockImporter
from apps.exchange.readers import open_source
from apps.exchange.tests.helpers import write_csv
from apps.warehouse.models import StockItem, StockMovement
from apps.warehouse.services import stock_receive
from apps.warehouse.tests.factories import StockItemFactory
from flowercrm.scopes import scope

pytestmark = pytest.mark.django_db

HEADER = ["название", "категория", "высота", "единица", "количество", "себестоимость", "цена", "минимум"]
ROWS = [
    ["Роза Фридом", "Цветы", "60", "стебель", "120", "350,50", "900", "20"],  # new, counted, costed
    ["Роза Фридом", "Цветы", "70", "stem", "5", "350.555", "", "10"],  # low from the start; cost rounded
    ["Эвкалипт", "greenery", "", "stem", "0", "200", "", ""],  # a count of 0: no movement, the cost
    ["Лента", "Материалы", "", "м", "", "15", "", ""],  # no count, a cost
    ["Коробка", "packaging", "", "pcs", "", "", "500", ""],  # no count, no cost
    ["роза фридом", "", "60", "", "100", "", "", ""],  # the first item again: an adjustment by row
    ["Пион", "", "", "", "12", "100", "", ""],  # known, with receipts: keeps its cost
    ["Тюльпан", "", "", "", "7", "80", "", "3"],  # known, no receipts: takes the cost
    ["Гербера", "Цветы", "", "", "-1", "", "", ""],  # a negative count
    ["Гербера", "Цветы", "", "", "3", "-5", "", ""],  # a negative cost
    ["Гербера", "Цветы", "", "", "100001", "", "", ""],  # over the limit
    ["", "Цветы", "50", "", "3", "", "", ""],  # no name
    ["Гербера", "Цветы", "", "", "4", "", "1e13", ""],  # a price out of range
    ["Гербера", "Цветы", "", "", "4", "", "", "-2"],  # a negative minimum
    ["Гербера", "Цветы", "", "", "4", "", "", ""],  # now a good one
    ["Гербера", "Цветы", "", "", "6", "", "", ""],  # and again: adjusted by row
    ["Тюльпан", "Зелень", "", "", "7", "", "", ""],  # a known item in another category
    ["Ж" * 300, "", "", "", "1", "", "", ""],  # a name too long
]


class PerRowStockImporter(StockImporter):
    """The same importer, every row through ``apply_one`` (the per-row services)."""

    apply = Importer.apply


def _import(shop: Any, path: Path, importer_class: type[StockImporter]) -> Report:
    with scope(shop=shop):
        StockItemFactory(shop=shop, name="Тюльпан", category="flower", height_cm=None)
        peony = StockItemFactory(shop=shop, name="Пион", height_cm=None)
        stock_receive(item=peony, quantity=10, unit_price=Decimal("500"), actor=None)
        return run_import(importer_class(shop=shop), open_source(path), partial=True)


def _state(shop: Any) -> dict[str, Any]:
    items = {
        item.match_key: (
            item.name,
            item.category,
            item.height_cm,
            item.unit,
            item.quantity,
            item.reserved,
            item.unit_cost,
            item.retail_price,
            item.min_quantity,
            item.is_active,
            item.search_text,
        )
        for item in StockItem.objects.filter(shop=shop)
    }
    movements = sorted(
        (m.item.match_key, m.kind, m.delta, m.balance_after, m.reason, m.note, m.unit_cost, m.actor_id)
        for m in StockMovement.objects.filter(shop=shop).select_related("item")
    )
    return {"items": items, "movements": movements}


def test_bulk_and_per_row_leave_the_same_state(shop, other_shop, tmp_path: Path) -> None:
    path = write_csv(tmp_path / "stock.csv", [HEADER, *ROWS])
    fast = _import(shop, path, StockImporter)
    slow = _import(other_shop, path, PerRowStockImporter)
    assert (fast.created, fast.updated, fast.unchanged, fast.failed) == (
        slow.created,
        slow.updated,
        slow.unchanged,
        slow.failed,
    )
    assert fast.errors == slow.errors
    assert _state(shop) == _state(other_shop)
    # Not a vacuous comparison: new items, counted ones, refused rows.
    assert fast.created == 6 and fast.failed == 8 and fast.updated == 4
    assert len(_state(shop)["movements"]) == 8  # with the receipt of «Пион»
    assert _state(shop)["items"]["роза фридом#70"][6] == Decimal("350.56")
    out = io.StringIO()
    call_command("check_ledger", "--language", "en", stdout=out)
    assert "Ledger OK" in out.getvalue()


def test_bulk_rows_cost_few_queries(shop, tmp_path: Path, django_assert_max_num_queries) -> None:
    rows = [[f"Роза {n}", "flower", "60", "stem", str(n % 5), "100", "900", "2"] for n in range(300)]
    path = write_csv(tmp_path / "stock.csv", [HEADER, *rows])
    with scope(shop=shop), django_assert_max_num_queries(20):  # SQLite splits bulk inserts
        report = run_import(StockImporter(shop=shop), open_source(path))
    assert report.created == 300 and StockMovement.objects.filter(shop=shop).count() == 240


def test_a_rerun_is_unchanged_in_bulk_and_as_per_row(
    shop, other_shop, tmp_path: Path, django_assert_max_num_queries
) -> None:
    """A file imported again: the rows of known items that change nothing are answered in bulk
    («unchanged», nothing written), the others still go through the services — the same
    outcomes and state as the per-row path."""
    path = write_csv(tmp_path / "stock.csv", [HEADER, *ROWS])
    again = write_csv(
        tmp_path / "again.csv",
        [
            HEADER,
            *ROWS,
            ["Роза Фридом", "", "70", "", "6", "", "", ""],  # a new count of a known item
            ["Лента", "", "", "", "", "16", "", ""],  # a new opening cost (no receipts)
            ["Пион", "", "", "", "", "1", "", ""],  # a cost for an item with receipts: kept
            ["Коробка", "", "", "", "", "", "501", ""],  # a new price
        ],
    )
    for target, importer_class in ((shop, StockImporter), (other_shop, PerRowStockImporter)):
        _import(target, path, importer_class)
    with scope(shop=shop):
        fast = run_import(StockImporter(shop=shop), open_source(again), partial=True)
    with scope(shop=other_shop):
        slow = run_import(PerRowStockImporter(shop=other_shop), open_source(again), partial=True)
    assert (fast.created, fast.updated, fast.unchanged, fast.failed) == (
        slow.created,
        slow.updated,
        slow.unchanged,
        slow.failed,
    )
    assert fast.errors == slow.errors
    assert _state(shop) == _state(other_shop)
    assert fast.unchanged == 7 and fast.updated == 7
    # Unchanged rows cost a few queries, whatever their number.
    rows = [[f"Тюльпан {n}", "flower", "60", "stem", str(n % 5), "100", "900", "2"] for n in range(200)]
    many = write_csv(tmp_path / "many.csv", [HEADER, *rows])
    with scope(shop=shop):
        run_import(StockImporter(shop=shop), open_source(many))
        with django_assert_max_num_queries(16):
            report = run_import(StockImporter(shop=shop), open_source(many))
    assert report.unchanged == 200
