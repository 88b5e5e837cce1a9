from __future__ import annotations

import io
from decimal import Decimal
from pathlib import Path

import pytest
from django.core.management import call_command

from apps.catalog.models import Product, ProductComponent
from apps.exchange.tests.helpers import run, write_csv, write_xlsx
from apps.orders.tests.factories import make_stock
from apps.warehouse.models import MovementKind, StockItem, StockMovement
from apps.warehouse.services import IMPORT_REASON
from apps.warehouse.tests.factories import StockItemFactory

pytestmark = pytest.mark.django_db

STOCK_RU = ["Название", "Категория", "Высота", "Единица", "Количество", "Себестоимость", "Цена", "Минимум"]
STOCK_ROWS = [
    ["Роза Фридом", "Цветы", "60", "стебель", "120", "350,50", "900", "20"],
    ["Эвкалипт", "greenery", "", "stem", "40", "200", "", ""],
    ["Лента атласная", "Материалы", "", "м", "0", "15", "", ""],
]


def _ledger_ok() -> None:
    out = io.StringIO()
    call_command("check_ledger", "--language", "en", stdout=out)
    assert "Ledger OK" in out.getvalue()


def test_stock_counts_opening_costs_and_ledger(shop, tmp_path: Path) -> None:
    path = write_csv(tmp_path / "s.csv", [STOCK_RU, *STOCK_ROWS], encoding="cp1251", delimiter=";")
    result = run("stock", path, shop)
    assert result.error is None, result.out
    rose = StockItem.objects.get(shop=shop, name="Роза Фридом", height_cm=60)
    assert (rose.category, rose.unit, rose.quantity, rose.unit_cost, rose.retail_price, rose.min_quantity) == (
        "flower",
        "stem",
        120,
        Decimal("350.50"),
        Decimal("900.00"),
        20,
    )
    movement = StockMovement.objects.get(item=rose)
    assert (movement.kind, movement.reason, movement.delta, movement.balance_after) == (
        MovementKind.ADJUSTMENT,
        IMPORT_REASON,
        120,
        120,
    )
    ribbon = StockItem.objects.get(shop=shop, name="Лента атласная")
    assert (ribbon.unit, ribbon.quantity, ribbon.unit_cost) == ("m", 0, Decimal("15.00"))
    assert not StockMovement.objects.filter(item=ribbon).exists()
    _ledger_ok()
    # A re-run changes nothing; a new count adjusts to it.
    movements = StockMovement.objects.count()
    result = run("stock", path, shop)
    assert "created 0, updated 0, unchanged 3, failed 0" in result.out
    assert StockMovement.objects.count() == movements
    path = write_csv(tmp_path / "s2.csv", [["name", "height", "quantity"], ["роза фридом", "60", "100"]])
    assert run("stock", path, shop).error is None
    rose.refresh_from_db()
    assert rose.quantity == 100 and rose.name == "Роза Фридом"
    assert StockMovement.objects.filter(item=rose).count() == 2
    _ledger_ok()


def test_stock_item_with_receipts_keeps_its_average_cost(shop, tmp_path: Path) -> None:
    item = make_stock(shop, name="Пион", quantity=10, unit_price="500")
    height = item.height_cm or ""
    path = write_csv(tmp_path / "s.csv", [["name", "height", "quantity", "unit_cost"], ["Пион", height, "12", "100"]])
    assert run("stock", path, shop).error is None
    item.refresh_from_db()
    assert (item.quantity, item.unit_cost) == (12, Decimal("500.00"))
    _ledger_ok()


def test_stock_bad_rows_and_category_of_a_known_item(shop, tmp_path: Path) -> None:
    StockItemFactory(shop=shop, name="Эвкалипт", height_cm=None, category="greenery")
    path = write_xlsx(  # numbers and blanks as XLSX cells
        tmp_path / "s.xlsx",
        [
            ["название", "категория", "высота", "количество", "себестоимость"],
            ["Эвкалипт", "Цветы", None, 5, None],  # 2: another category
            ["Роза", "flower", "высокая", 5, None],  # 3: height not a number
            ["Роза", "flower", 60, -1, None],  # 4: negative count
            ["", "flower", 60, 1, None],  # 5: no name
            ["Роза", "дерево", 60, 1, None],  # 6: unknown category
            ["Роза", "flower", 70, 1, "дорого"],  # 7: cost not a number
        ],
    )
    result = run("stock", path, shop, partial=True)
    for line, column in [
        (2, "категория"),
        (3, "высота"),
        (4, "количество"),
        (5, "название"),
        (6, "категория"),
        (7, "себестоимость"),
    ]:
        assert f"line {line}, {column}" in result.out, (line, result.out)
    assert "failed 6" in result.out
    assert StockItem.objects.filter(shop=shop).count() == 1


PRODUCTS_EN = ["name", "category", "price", "sale_price", "sku", "description", "active", "recipe"]


def test_products_with_recipes_by_name_and_height(shop, tmp_path: Path) -> None:
    rose60 = StockItemFactory(shop=shop, name="Роза Фридом", height_cm=60)
    StockItemFactory(shop=shop, name="Роза Фридом", height_cm=70)
    eucalyptus = StockItemFactory(shop=shop, name="Эвкалипт", height_cm=None)
    gyps = StockItemFactory(shop=shop, name="Гипсофила 2", height_cm=None)
    path = write_csv(
        tmp_path / "p.csv",
        [
            PRODUCTS_EN,
            ["11 роз", "Букет", "15 000,00", "12000", "R-11", "Классика", "да", "Роза Фридом 60 x 11; эвкалипт × 3"],
            ["Облако", "bouquet", "9000", "", "", "", "no", "Гипсофила 2 х 5"],
        ],
        encoding="utf-8-sig",
    )
    result = run("products", path, shop)
    assert result.error is None, result.out
    roses = Product.objects.get(shop=shop, sku="R-11")
    assert (roses.name, roses.category, roses.price, roses.sale_price, roses.description, roses.is_active) == (
        "11 роз",
        "bouquet",
        Decimal("15000.00"),
        Decimal("12000.00"),
        "Классика",
        True,
    )
    assert {(c.stock_item_id, c.quantity) for c in ProductComponent.objects.filter(product=roses)} == {
        (rose60.pk, 11),
        (eucalyptus.pk, 3),
    }
    cloud = Product.objects.get(shop=shop, name="Облако")
    assert not cloud.is_active
    assert list(ProductComponent.objects.filter(product=cloud).values_list("stock_item_id", "quantity")) == [
        (gyps.pk, 5)
    ]
    updated_at = roses.updated_at
    result = run("products", path, shop)
    assert "created 0, updated 0, unchanged 2, failed 0" in result.out
    roses.refresh_from_db()
    assert roses.updated_at == updated_at
    # The same SKU with a new price and recipe updates the product.
    path = write_csv(
        tmp_path / "p2.csv", [["sku", "name", "price", "recipe"], ["R-11", "11 роз", "16000", "Роза Фридом 70 x 11"]]
    )
    result = run("products", path, shop)
    assert "updated 1" in result.out
    roses.refresh_from_db()
    assert roses.price == Decimal("16000.00")
    assert ProductComponent.objects.filter(product=roses).count() == 1


def test_product_errors_name_the_recipe_part_and_the_rule(shop, tmp_path: Path) -> None:
    StockItemFactory(shop=shop, name="Эвкалипт", height_cm=None)
    path = write_csv(
        tmp_path / "p.csv",
        [
            ["название", "цена", "цена со скидкой", "состав"],
            ["Без цены", "", "", ""],  # 2
            ["Скидка выше цены", "100", "200", ""],  # 3
            ["Нет позиции", "100", "", "Эвкалипт x 1; Пион 50 x 3"],  # 4
            ["Плохой состав", "100", "", "Эвкалипт три штуки"],  # 5
            ["Хороший", "100", "", "Эвкалипт x 1"],  # 6
        ],
    )
    result = run("products", path, shop)
    assert result.error is not None
    for line, column in [(2, "цена"), (3, "цена со скидкой"), (4, "состав"), (5, "состав")]:
        assert f"line {line}, {column}" in result.out, (line, result.out)
    assert "part 2" in result.out and "Пион 50" in result.out
    assert not Product.objects.filter(shop=shop).exists()
    run("products", path, shop, partial=True)
    assert list(Product.objects.filter(shop=shop).values_list("name", flat=True)) == ["Хороший"]


def test_recipes_never_use_another_shops_stock(shop, other_shop, tmp_path: Path) -> None:
    StockItemFactory(shop=other_shop, name="Эвкалипт", height_cm=None)
    path = write_csv(tmp_path / "p.csv", [["name", "price", "recipe"], ["Зелень", "100", "Эвкалипт x 1"]])
    result = run("products", path, shop)
    assert result.error is not None and "line 2, recipe" in result.out
    assert not Product.objects.exists()
