"""Issue 11 item 4 (§11.1): a product keeps extras and labour beside its recipe; its cost is
components + extras + labour; the calculator's save_as keeps all three; writes answer warnings."""

from __future__ import annotations

from decimal import Decimal as D

import pytest

from apps.catalog import selectors
from apps.catalog.constants import MAX_EXTRAS
from apps.catalog.models import Product, ProductExtra
from apps.catalog.tests.factories import StockItemFactory, product_with_recipe
from flowercrm.testing import assert_error

pytestmark = pytest.mark.django_db

URL = "/api/products/"
CALCULATE = "/api/catalog/calculate/"


def detail(pk: int) -> str:
    return f"{URL}{pk}/"


@pytest.fixture
def rose(shop):
    return StockItemFactory(shop=shop, name="Роза Фридом", unit_cost=D("150.00"))


BOX = {"name": "Шляпная коробка", "price": "800.00", "quantity": 1}
CARD = {"name": "Открытка", "price": "100", "quantity": 2}


def test_calculator_save_as_keeps_extras_and_labour(manager_api, shop, rose) -> None:
    # The figures: the calculator said 3000, the saved product said 1500 and 75 %.
    body = {
        "components": [{"stock_item_id": rose.id, "quantity": 10}],
        "extras": [{"name": "Коробка", "price": "1000.00", "quantity": 1}],
        "labour": "500.00",
        "save_as": {"name": "Розы в коробке", "price": "6000.00"},
    }
    response = manager_api.post(CALCULATE, body, format="json")
    assert response.status_code == 201, response.json()
    data = response.json()
    assert data["cost"] == "3000.00"
    product = data["product"]
    assert (product["cost"], product["margin"], product["margin_percent"]) == ("3000.00", "3000.00", "50.0")
    assert product["labour"] == "500.00"
    assert product["extras"] == [{"name": "Коробка", "price": "1000.00", "quantity": 1, "line_cost": "1000.00"}]
    # Read back the same: the detail and the cost orders take as a line's unit cost.
    assert manager_api.get(detail(product["id"])).json()["cost"] == "3000.00"
    saved = selectors.product_annotate(Product.objects.filter(pk=product["id"])).get()
    assert saved.cost == D("3000.00")


def test_create_update_and_read_extras_and_labour(manager_api, rose) -> None:
    response = manager_api.post(
        URL,
        {
            "name": "Букет",
            "price": "5000",
            "components": [{"stock_item_id": rose.id, "quantity": 5}],
            "extras": [BOX, CARD],
            "labour": "300",
        },
        format="json",
    )
    assert response.status_code == 201, response.json()
    body = response.json()
    # 5 × 150 + 800 + 2 × 100 + 300
    assert (body["cost"], body["margin"], body["labour"]) == ("2050.00", "2950.00", "300.00")
    assert [(e["name"], e["price"], e["quantity"], e["line_cost"]) for e in body["extras"]] == [
        ("Шляпная коробка", "800.00", 1, "800.00"),
        ("Открытка", "100.00", 2, "200.00"),
    ]
    assert body["warnings"] == []

    # PATCH without extras keeps them; with extras replaces them, in the order sent.
    kept = manager_api.patch(detail(body["id"]), {"labour": "0"}, format="json").json()
    assert (len(kept["extras"]), kept["cost"]) == (2, "1750.00")
    replaced = manager_api.patch(detail(body["id"]), {"extras": [CARD, BOX]}, format="json").json()
    assert [e["name"] for e in replaced["extras"]] == ["Открытка", "Шляпная коробка"]
    cleared = manager_api.patch(detail(body["id"]), {"extras": []}, format="json").json()
    assert (cleared["extras"], cleared["cost"]) == ([], "750.00")
    assert ProductExtra.objects.count() == 0


@pytest.mark.parametrize(
    ("extra", "field"),
    [
        ({**BOX, "quantity": 0}, "quantity"),
        ({**BOX, "quantity": 100_001}, "quantity"),
        ({**BOX, "price": "-1"}, "price"),
        ({**BOX, "price": "10000000000.00"}, "price"),
        ({**BOX, "price": "NaN"}, "price"),
        ({**BOX, "name": ""}, "name"),
        ({**BOX, "name": "   "}, "name"),
        ({**BOX, "name": "я" * 201}, "name"),
        ({"price": "1"}, "name"),
        ({"name": "Лента"}, "price"),
    ],
)
def test_bad_extras_are_400_and_nothing_written(manager_api, shop, extra, field) -> None:
    body = assert_error(
        manager_api.post(URL, {"name": "Букет", "price": "1000", "extras": [BOX, extra]}, format="json"),
        400,
        "invalid",
    )
    assert field in body["errors"]["extras"][1], body
    assert not Product.objects.exists()


def test_bad_extras_in_patch_change_nothing(manager_api, shop) -> None:
    product = manager_api.post(URL, {"name": "Букет", "price": "1000", "extras": [BOX]}, format="json").json()
    assert_error(
        manager_api.patch(detail(product["id"]), {"extras": [{"name": "Лента"}]}, format="json"), 400, "invalid"
    )
    assert list(ProductExtra.objects.values_list("name", flat=True)) == ["Шляпная коробка"]


def test_extras_list_and_labour_are_bounded(manager_api, shop) -> None:
    too_many = [{"name": f"№{n}", "price": "1"} for n in range(MAX_EXTRAS + 1)]
    assert_error(manager_api.post(URL, {"name": "Б", "price": "1", "extras": too_many}, format="json"), 400, "invalid")
    for labour in ("-1", "10000000000.00", "abc"):
        body = assert_error(
            manager_api.post(URL, {"name": "Б", "price": "1", "labour": labour}, format="json"), 400, "invalid"
        )
        assert "labour" in body["errors"]
    assert_error(manager_api.post(URL, {"name": "Б", "price": "1", "extras": {"a": 1}}, format="json"), 400, "invalid")
    assert not Product.objects.exists()


def test_price_below_cost_warns_on_create_and_edit(manager_api, rose) -> None:
    body = {"name": "Букет", "price": "2000", "components": [{"stock_item_id": rose.id, "quantity": 10}]}
    created = manager_api.post(URL, body, format="json").json()
    assert created["warnings"] == []  # 2000 >= 1500
    # The effective price (the sale price) counts.
    on_sale = manager_api.patch(detail(created["id"]), {"sale_price": "1400"}, format="json").json()
    assert [w["code"] for w in on_sale["warnings"]] == ["price_below_cost"]
    assert on_sale["warnings"][0]["message"]
    # Labour and extras count too.
    dearer = manager_api.patch(detail(created["id"]), {"sale_price": None, "labour": "600"}, format="json").json()
    assert [w["code"] for w in dearer["warnings"]] == ["price_below_cost"]
    # A plain read answers no warnings field.
    assert "warnings" not in manager_api.get(detail(created["id"])).json()


@pytest.mark.parametrize("count", [1, 20])
def test_list_query_count_with_extras_does_not_grow(manager_api, shop, count, django_assert_num_queries) -> None:
    for _ in range(count):
        product = product_with_recipe(shop=shop, components=2)
        ProductExtra.objects.bulk_create(
            ProductExtra(product=product, name=f"Доп {n}", price=D("10")) for n in range(3)
        )
    # auth (membership + user + shop), count, products with cost, components, extras, pictures
    with django_assert_num_queries(6):
        response = manager_api.get(URL)
    items = response.json()["items"]
    assert len(items) == count
    assert all(len(item["extras"]) == 3 for item in items)
