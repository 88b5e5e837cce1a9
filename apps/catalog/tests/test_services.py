from __future__ import annotations

from decimal import Decimal

import pytest

from apps.catalog import pricing, selectors, services
from apps.catalog.models import Product, ProductComponent
from apps.catalog.tests.factories import ProductComponentFactory, ProductFactory, StockItemFactory
from apps.warehouse.services import stock_item_create, stock_receive
from flowercrm.errors import Invalid
from flowercrm.money import round_to_step

pytestmark = pytest.mark.django_db

D = Decimal


def _product(shop, **data):
    return services.product_create(shop=shop, data={"name": "Букет «Нежность»", "price": D("15000.00"), **data})


def _errors(exc_info) -> dict:
    return exc_info.value.extra["errors"]


# --- cost and margin -----------------------------------------------------------------------


def test_cost_is_quantity_times_current_unit_cost(shop):
    rose = StockItemFactory(shop=shop, unit_cost=D("250.00"))
    eucalyptus = StockItemFactory(shop=shop, name="Эвкалипт", unit_cost=D("120.50"))
    product = _product(
        shop,
        components=[{"stock_item_id": rose.id, "quantity": 15}, {"stock_item_id": eucalyptus.id, "quantity": 3}],
    )
    # 15 × 250.00 + 3 × 120.50
    assert product.cost == D("4111.50")
    assert product.margin == D("10888.50")
    assert product.margin_percent == D("72.6")  # 72.59
    assert [c.line_cost for c in product.components.all()] == [D("3750.00"), D("361.50")]


def test_cost_follows_weighted_average_of_receipts(shop):
    item = stock_item_create(shop=shop, data={"name": "Пион Сара Бернар", "height_cm": 50})
    stock_receive(item=item, quantity=10, unit_price=D("300.00"), actor=None)
    product = _product(shop, components=[{"stock_item_id": item.id, "quantity": 2}])
    assert product.cost == D("600.00")
    stock_receive(item=item, quantity=30, unit_price=D("500.00"), actor=None)  # (10·300 + 30·500)/40 = 450
    assert selectors.product_get(shop=shop, product_id=product.id).cost == D("900.00")


def test_margin_uses_sale_price(shop):
    item = StockItemFactory(shop=shop, unit_cost=D("100.00"))
    product = _product(shop, sale_price=D("12000.00"), components=[{"stock_item_id": item.id, "quantity": 30}])
    assert product.effective_price == D("12000.00")
    assert product.margin == D("9000.00")
    assert product.margin_percent == D("75.0")


def test_zero_price_has_no_margin_percent(shop):
    item = StockItemFactory(shop=shop, unit_cost=D("100.00"))
    product = _product(shop, price=D("0.00"), components=[{"stock_item_id": item.id, "quantity": 1}])
    assert product.margin == D("-100.00")
    assert product.margin_percent is None


def test_product_without_recipe_costs_nothing(shop):
    product = _product(shop)
    assert product.cost == D("0.00")
    assert product.margin_percent == D("100.0")


@pytest.mark.parametrize(
    ("price", "cost", "percent"),
    [
        ("400.00", "351.00", "12.3"),  # 12.25 → half-up (half-even would give 12.2)
        ("400.00", "449.00", "-12.3"),  # −12.25 → away from zero
        ("2000.00", "1997.00", "0.2"),  # 0.15: a float would round down to 0.1
        ("3.00", "2.00", "33.3"),
        ("3.00", "1.00", "66.7"),
    ],
)
def test_margin_percent_rounds_half_up_to_a_tenth(shop, price, cost, percent):
    item = StockItemFactory(shop=shop, unit_cost=D(cost))
    product = _product(shop, price=D(price), components=[{"stock_item_id": item.id, "quantity": 1}])
    assert product.margin_percent == D(percent)
    assert str(product.margin_percent) == percent


def test_list_annotates_every_product(shop, other_shop):
    for n in range(3):
        product = ProductFactory(shop=shop, name=f"Букет {n}")
        ProductComponentFactory(product=product, quantity=n + 1, stock_item__unit_cost=D("10.00"))
    ProductComponentFactory(product__shop=other_shop)
    products = list(selectors.product_list(shop=shop).order_by("name"))
    assert [p.cost for p in products] == [D("10.00"), D("20.00"), D("30.00")]


# --- create / update / delete --------------------------------------------------------------


def test_create_writes_recipe_and_search_text(shop):
    rose = StockItemFactory(shop=shop)
    product = _product(
        shop, sku=" B-001 ", name="  Роза Фридом 25  ", components=[{"stock_item": rose, "quantity": 25}]
    )
    assert product.name == "Роза Фридом 25"
    assert product.sku == "B-001"
    assert product.search_text == "роза фридом 25 b-001"
    assert [(c.stock_item_id, c.quantity) for c in product.components.all()] == [(rose.id, 25)]


@pytest.mark.parametrize(
    ("data", "field"),
    [
        ({"price": D("-1.00")}, "price"),
        ({"price": D("10000000000.00")}, "price"),
        ({"sale_price": D("15000.00")}, "sale_price"),
        ({"sale_price": D("16000.00")}, "sale_price"),
        ({"sale_price": D("-1.00")}, "sale_price"),
        ({"name": "   "}, "name"),
        ({"name": "Б" * 201}, "name"),
        ({"category": "tree"}, "category"),
        ({"price": D("1.005")}, "price"),
    ],
)
def test_create_refuses_bad_fields_and_writes_nothing(shop, data, field):
    with pytest.raises(Invalid) as exc_info:
        _product(shop, **data)
    assert field in _errors(exc_info)
    assert Product.objects.count() == 0


def test_sku_is_unique_per_shop(shop, other_shop):
    _product(shop, sku="B-1")
    with pytest.raises(Invalid) as exc_info:
        _product(shop, sku="B-1")
    assert "sku" in _errors(exc_info)
    _product(other_shop, sku="B-1")
    _product(shop, sku="")  # blank SKUs do not collide
    _product(shop, sku="")
    assert Product.objects.filter(shop=shop).count() == 3


def test_recipe_errors_are_nested_per_line(shop, other_shop):
    mine = StockItemFactory(shop=shop)
    theirs = StockItemFactory(shop=other_shop)
    with pytest.raises(Invalid) as exc_info:
        _product(
            shop,
            components=[
                {"stock_item_id": mine.id, "quantity": 1},
                {"stock_item_id": theirs.id, "quantity": 1},
                {"stock_item_id": mine.id, "quantity": 2},
                {"stock_item_id": 999_999_999, "quantity": 1},
                {"stock_item": theirs, "quantity": 1},
                {"stock_item_id": mine.id + 10_000, "quantity": 0},
                {"quantity": 1},
            ],
        )
    errors = _errors(exc_info)["components"]
    assert errors[0] == {}
    assert list(errors[1]) == ["stock_item_id"]
    assert "строка 1" in errors[2]["stock_item_id"][0]
    assert list(errors[3]) == ["stock_item_id"]
    assert list(errors[4]) == ["stock_item_id"]  # an instance of another shop is re-checked too
    assert set(errors[5]) == {"stock_item_id", "quantity"}
    assert errors[6] == {"stock_item_id": ["Укажите складскую позицию."]}
    assert Product.objects.count() == 0


@pytest.mark.parametrize("quantity", [0, -1, 100_001, "5", 2.5, True, None])
def test_recipe_quantity_is_bounded(shop, quantity):
    item = StockItemFactory(shop=shop)
    with pytest.raises(Invalid) as exc_info:
        _product(shop, components=[{"stock_item_id": item.id, "quantity": quantity}])
    assert _errors(exc_info) == {"components": [{"quantity": ["Количество от 1 до 100000."]}]}


def test_update_replaces_recipe_keeping_rows_of_kept_items(shop):
    a, b, c = (StockItemFactory(shop=shop, unit_cost=D("250.00")) for _ in range(3))
    product = _product(
        shop, components=[{"stock_item_id": a.id, "quantity": 1}, {"stock_item_id": b.id, "quantity": 2}]
    )
    row_a = ProductComponent.objects.get(product=product, stock_item=a)
    product = services.product_update(
        product=product,
        data={"components": [{"stock_item_id": c.id, "quantity": 3}, {"stock_item_id": a.id, "quantity": 7}]},
    )
    assert sorted((x.stock_item_id, x.quantity) for x in product.components.all()) == [(a.id, 7), (c.id, 3)]
    assert ProductComponent.objects.get(product=product, stock_item=a).pk == row_a.pk
    assert product.cost == D("2500.00")


def test_update_without_components_keeps_recipe(shop):
    item = StockItemFactory(shop=shop)
    product = _product(shop, components=[{"stock_item_id": item.id, "quantity": 4}])
    product = services.product_update(product=product, data={"name": "Новое имя"})
    assert product.name == "Новое имя"
    assert product.components.count() == 1
    product = services.product_update(product=product, data={"components": []})
    assert product.components.count() == 0


def test_update_checks_sale_price_against_resulting_price(shop):
    product = _product(shop, sale_price=D("12000.00"))
    with pytest.raises(Invalid) as exc_info:
        services.product_update(product=product, data={"price": D("11000.00")})
    assert "sale_price" in _errors(exc_info)
    product.refresh_from_db()
    assert product.price == D("15000.00")
    services.product_update(product=product, data={"price": D("11000.00"), "sale_price": None})
    product.refresh_from_db()
    assert (product.price, product.sale_price) == (D("11000.00"), None)


def test_bad_recipe_on_update_changes_nothing(shop, other_shop):
    item = StockItemFactory(shop=shop)
    product = _product(shop, components=[{"stock_item_id": item.id, "quantity": 4}])
    foreign = StockItemFactory(shop=other_shop)
    with pytest.raises(Invalid):
        services.product_update(
            product=product, data={"name": "Другое", "components": [{"stock_item_id": foreign.id, "quantity": 1}]}
        )
    product.refresh_from_db()
    assert product.name == "Букет «Нежность»"
    assert [(c.stock_item_id, c.quantity) for c in product.components.all()] == [(item.id, 4)]


def test_delete_removes_product_and_recipe_not_stock(shop):
    item = StockItemFactory(shop=shop)
    product = _product(shop, components=[{"stock_item_id": item.id, "quantity": 4}])
    services.product_delete(product=product)
    assert not Product.objects.exists()
    assert not ProductComponent.objects.exists()
    item.refresh_from_db()


# --- the calculator ------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("value", "step", "expected"),
    [
        ("1234.50", "10", "1230.00"),
        ("1235.00", "10", "1240.00"),  # a tie goes up
        ("1234.99", "10", "1230.00"),
        ("1250.00", "100", "1300.00"),
        ("1249.99", "100", "1200.00"),
        ("12.345", "0.01", "12.35"),
        ("7.5", "5", "10.00"),
        ("0", "10", "0.00"),
    ],
)
def test_round_to_step(value, step, expected):
    assert str(round_to_step(D(value), D(step))) == expected


def test_calculate_with_default_markups_and_labour(shop):
    shop.labour_cost = D("2000.00")
    shop.save()
    rose = StockItemFactory(shop=shop, unit_cost=D("250.00"))
    result = pricing.calculate(shop=shop, components=[{"stock_item_id": rose.id, "quantity": 11}])
    assert result.components_cost == D("2750.00")
    assert result.labour == D("2000.00")
    assert result.cost == D("4750.00")
    # default markups 50 / 100 / 150 %, rounded to 10
    assert result.suggested_prices == {"minimum": D("7130.00"), "recommended": D("9500.00"), "premium": D("11880.00")}


def test_calculate_uses_category_markups_step_and_extras(shop):
    shop.markups = {
        "default": {"minimum": "10", "recommended": "20", "premium": "30"},
        "composition": {"minimum": "33", "recommended": "66.5", "premium": "200"},
    }
    shop.price_rounding_step = D("100.00")
    shop.save()
    item = StockItemFactory(shop=shop, unit_cost=D("333.33"))
    result = pricing.calculate(
        shop=shop,
        components=[{"stock_item_id": item.id, "quantity": 3}],
        extras=[
            {"name": "Открытка", "price": D("150.00"), "quantity": 1},
            {"name": "Лента", "price": D("0.35"), "quantity": 3},
        ],
        labour=D("500.00"),
        category="composition",
    )
    assert result.components_cost == D("999.99")
    assert result.extras_cost == D("151.05")
    assert result.cost == D("1651.04")
    # 1651.04 × 1.33 = 2195.88 → 2200; × 1.665 = 2748.98 → 2700; × 3 = 4953.12 → 5000
    assert result.suggested_prices == {"minimum": D("2200.00"), "recommended": D("2700.00"), "premium": D("5000.00")}
    # A category the shop has no markups for falls back to the default ones.
    fallback = pricing.calculate(shop=shop, components=[], labour=D("1000.00"), category="potted")
    assert fallback.suggested_prices["recommended"] == D("1200.00")


def test_calculation_saved_as_product(shop):
    item = StockItemFactory(shop=shop, unit_cost=D("100.00"))
    result = pricing.calculate(
        shop=shop,
        components=[{"stock_item_id": item.id, "quantity": 10}],
        extras=[{"name": "Коробка", "price": D("500.00"), "quantity": 1}],
        labour=D("0.00"),
    )
    product = services.calculation_save(shop=shop, calculation=result, data={"name": "Шляпная коробка"})
    assert product.price == result.suggested_prices["recommended"] == D("3000.00")
    assert product.category == "bouquet"
    # Extras are not stock: the recipe is the stock components only, the extras sit beside it.
    assert [(c.stock_item_id, c.quantity) for c in product.components.all()] == [(item.id, 10)]
    assert [(e.name, e.price, e.quantity) for e in product.extras.all()] == [("Коробка", D("500.00"), 1)]
    # Issue 11: the product's cost is the calculator's (components + extras + labour); it was 1000.00.
    assert product.cost == result.cost == D("1500.00")


def test_calculation_save_errors_are_nested_under_save_as(shop):
    result = pricing.calculate(shop=shop, components=[], labour=D("0.00"))
    with pytest.raises(Invalid) as exc_info:
        services.calculation_save(shop=shop, calculation=result, data={"name": ""})
    assert list(_errors(exc_info)) == ["save_as"]
    assert "name" in _errors(exc_info)["save_as"]
    assert Product.objects.count() == 0
