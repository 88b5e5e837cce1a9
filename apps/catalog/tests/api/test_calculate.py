from __future__ import annotations

from decimal import Decimal

import pytest

from apps.catalog.models import Product, ProductComponent
from apps.catalog.tests.factories import StockItemFactory
from flowercrm.roles import Role
from flowercrm.testing import assert_error

pytestmark = pytest.mark.django_db

URL = "/api/catalog/calculate/"
ROSE = object()  # stands for the id of the ``rose`` fixture in parametrized bodies


@pytest.fixture
def priced_shop(shop):
    shop.labour_cost = Decimal("2000.00")
    shop.price_rounding_step = Decimal("100.00")
    shop.markups = {
        "default": {"minimum": "50", "recommended": "100", "premium": "150"},
        "composition": {"minimum": "30", "recommended": "60", "premium": "90"},
    }
    shop.save()
    return shop


@pytest.fixture
def rose(priced_shop):
    return StockItemFactory(shop=priced_shop, name="Роза Эксплорер", unit_cost=Decimal("333.33"))


@pytest.fixture
def ribbon(priced_shop):
    return StockItemFactory(
        shop=priced_shop, name="Лента атласная", unit="m", height_cm=None, unit_cost=Decimal("45.50")
    )


@pytest.fixture
def manager_api(member, api_as, priced_shop):
    return api_as(member(Role.MANAGER, shop=priced_shop))


def test_calculate_prices_a_recipe(manager_api, rose, ribbon):
    response = manager_api.post(
        URL,
        {
            "components": [{"stock_item_id": rose.id, "quantity": 7}, {"stock_item_id": ribbon.id, "quantity": 2}],
            "extras": [{"name": "Открытка", "price": "300", "quantity": 2}, {"name": "Упаковка крафт", "price": 450.5}],
        },
    )
    assert response.status_code == 200, response.json()
    assert response.json() == {
        "components": [
            {
                "stock_item_id": rose.id,
                "stock_item": {"id": rose.id, "name": "Роза Эксплорер", "unit": "stem"},
                "quantity": 7,
                "unit_cost": "333.33",
                "line_cost": "2333.31",
            },
            {
                "stock_item_id": ribbon.id,
                "stock_item": {"id": ribbon.id, "name": "Лента атласная", "unit": "m"},
                "quantity": 2,
                "unit_cost": "45.50",
                "line_cost": "91.00",
            },
        ],
        "extras": [
            {"name": "Открытка", "price": "300.00", "quantity": 2, "line_cost": "600.00"},
            {"name": "Упаковка крафт", "price": "450.50", "quantity": 1, "line_cost": "450.50"},
        ],
        "components_cost": "2424.31",
        "extras_cost": "1050.50",
        "labour": "2000.00",  # the shop's labour cost when none is sent
        "cost": "5474.81",
        "category": None,
        "markups": {"minimum": "50.00", "recommended": "100.00", "premium": "150.00"},
        # × 1.5 = 8212.215 → 8200; × 2 = 10949.62 → 10900; × 2.5 = 13687.025 → 13700
        "suggested_prices": {"minimum": "8200.00", "recommended": "10900.00", "premium": "13700.00"},
    }
    assert Product.objects.count() == 0


def test_category_markups_and_explicit_labour(manager_api, rose):
    body = {"components": [{"stock_item_id": rose.id, "quantity": 3}], "labour": "0", "category": "composition"}
    response = manager_api.post(URL, body)
    assert response.status_code == 200
    data = response.json()
    assert data["labour"] == "0.00"
    assert data["cost"] == "999.99"
    # × 1.3 = 1299.987 → 1300; × 1.6 = 1599.984 → 1600; × 1.9 = 1899.981 → 1900
    assert data["suggested_prices"] == {"minimum": "1300.00", "recommended": "1600.00", "premium": "1900.00"}
    # A category without its own markups uses the default ones.
    data = manager_api.post(URL, {**body, "category": "potted"}).json()
    assert data["suggested_prices"]["recommended"] == "2000.00"


def test_rounding_step_half_up(manager_api, priced_shop, rose):
    priced_shop.price_rounding_step = Decimal("50.00")
    priced_shop.save()
    # cost 1000 + 250 = 1250 → × 1.5 = 1875 (a tie at 37.5 steps) → 1900
    item = StockItemFactory(shop=priced_shop, name="Гвоздика", unit_cost=Decimal("250.00"))
    data = manager_api.post(
        URL, {"components": [{"stock_item_id": item.id, "quantity": 1}], "labour": "1000.00"}
    ).json()
    assert data["cost"] == "1250.00"
    assert data["suggested_prices"]["minimum"] == "1900.00"


def test_empty_recipe_prices_labour_alone(manager_api):
    data = manager_api.post(URL, {"components": []}).json()
    assert data["cost"] == "2000.00"
    assert data["suggested_prices"]["recommended"] == "4000.00"


def test_save_as_creates_product_at_recommended_price(manager_api, priced_shop, rose):
    response = manager_api.post(
        URL,
        {
            "components": [{"stock_item_id": rose.id, "quantity": 3}],
            "extras": [{"name": "Коробка", "price": "1000.00"}],
            "labour": "0.00",
            "save_as": {"name": "Розы в коробке", "category": "composition"},
        },
    )
    assert response.status_code == 201, response.json()
    data = response.json()
    product = Product.objects.get()
    assert product.shop_id == priced_shop.id
    # Markups of save_as.category: 1999.99 × 1.6 = 3199.98 → 3200
    assert data["suggested_prices"]["recommended"] == "3200.00"
    assert data["product"]["id"] == product.id
    assert data["product"]["price"] == "3200.00"
    assert data["product"]["category"] == "composition"
    # The recipe holds the stock items only; the box (an extra) is kept beside it, not stocked.
    assert [(c.stock_item_id, c.quantity) for c in ProductComponent.objects.all()] == [(rose.id, 3)]
    # Issue 11 (§11.1): the product keeps the extras and labour, so its cost is the calculator's
    # (was 999.99 with a margin of 2200.01: the box was lost).
    assert data["product"]["cost"] == data["cost"] == "1999.99"
    assert data["product"]["margin"] == "1200.01"
    assert data["product"]["extras"] == [{"name": "Коробка", "price": "1000.00", "quantity": 1, "line_cost": "1000.00"}]
    assert data["product"]["labour"] == "0.00"
    assert data["product"]["warnings"] == []


def test_save_as_with_own_price(manager_api, rose):
    response = manager_api.post(
        URL,
        {
            "components": [{"stock_item_id": rose.id, "quantity": 1}],
            "save_as": {"name": "Одна роза", "category": "other", "price": "990"},
        },
    )
    assert response.status_code == 201
    assert response.json()["product"]["price"] == "990.00"
    assert Product.objects.get().price == Decimal("990.00")


def test_save_as_null_only_calculates(member, api_as, priced_shop, rose):
    client = api_as(member(Role.FLORIST, shop=priced_shop))
    response = client.post(URL, {"components": [{"stock_item_id": rose.id, "quantity": 1}], "save_as": None})
    assert response.status_code == 200
    assert "product" not in response.json()
    assert Product.objects.count() == 0


# --- bad input -----------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("change", "field"),
    [
        ({"components": [{"stock_item_id": "ROSE", "quantity": 1}]}, "components"),
        ({"components": [{"stock_item_id": 999_999_999, "quantity": 1}]}, "components"),
        ({"components": [{"stock_item_id": ROSE, "quantity": 0}]}, "components"),
        ({"components": [{"stock_item_id": ROSE, "quantity": 100_001}]}, "components"),
        ({"components": [{"stock_item_id": ROSE, "quantity": "пять"}]}, "components"),
        ({"components": [{"stock_item_id": ROSE, "quantity": 1}] * 101}, "components"),
        ({"components": None}, "components"),
        ({"components": "all"}, "components"),
        ({"extras": [{"name": "Открытка", "price": "-1"}]}, "extras"),
        ({"extras": [{"name": "Открытка", "price": "дорого"}]}, "extras"),
        ({"extras": [{"name": "", "price": "1"}]}, "extras"),
        ({"extras": [{"name": "О" * 201, "price": "1"}]}, "extras"),
        ({"extras": [{"name": "Открытка", "price": "1", "quantity": 0}]}, "extras"),
        ({"extras": [{"name": "Открытка", "price": "1"}] * 51}, "extras"),
        ({"labour": "две тысячи"}, "labour"),
        ({"labour": "-1"}, "labour"),
        ({"labour": "1.234"}, "labour"),
        ({"category": "tree"}, "category"),
        ({"save_as": {"name": "Б" * 201}}, "save_as"),
        ({"save_as": {"name": ""}}, "save_as"),
        ({"save_as": {"name": "Букет", "price": "-10"}}, "save_as"),
        ({"save_as": {"name": "Букет", "price": "abc"}}, "save_as"),
        ({"save_as": {"name": "Букет", "category": "tree"}}, "save_as"),
        ({"save_as": "yes"}, "save_as"),
    ],
)
def test_bad_calculator_input(manager_api, rose, change, field):
    body = {"components": [{"stock_item_id": rose.id, "quantity": 1}], **change}
    if isinstance(body["components"], list):
        body["components"] = [
            {**line, "stock_item_id": rose.id} if line["stock_item_id"] is ROSE else line for line in body["components"]
        ]
    errors = assert_error(manager_api.post(URL, body), 400, "invalid")["errors"]
    assert field in errors, errors
    assert Product.objects.count() == 0


def test_missing_components_is_400(manager_api):
    errors = assert_error(manager_api.post(URL, {}), 400, "invalid")["errors"]
    assert "components" in errors


def test_another_shops_stock_item_is_400_on_that_line(manager_api, rose, other_shop):
    foreign = StockItemFactory(shop=other_shop)
    body = {
        "components": [{"stock_item_id": rose.id, "quantity": 1}, {"stock_item_id": foreign.id, "quantity": 1}],
        "save_as": {"name": "Чужой букет"},
    }
    errors = assert_error(manager_api.post(URL, body), 400, "invalid")["errors"]
    assert errors == {"components": [{}, {"stock_item_id": [f"Объект с id={foreign.id} не найден."]}]}
    assert Product.objects.count() == 0


def test_duplicate_components_are_400(manager_api, rose):
    body = {"components": [{"stock_item_id": rose.id, "quantity": 1}, {"stock_item_id": rose.id, "quantity": 2}]}
    errors = assert_error(manager_api.post(URL, body), 400, "invalid")["errors"]
    assert errors["components"][0] == {}
    assert "stock_item_id" in errors["components"][1]


def test_huge_recipe_does_not_500(manager_api, priced_shop):
    item = StockItemFactory(shop=priced_shop, unit_cost=Decimal("9999999999.99"))
    body = {"components": [{"stock_item_id": item.id, "quantity": 100_000}], "labour": "9999999999.99"}
    response = manager_api.post(URL, body)
    assert response.status_code == 200
    assert response.json()["cost"] == "1000009999998999.99"
    # Saving it would need a price beyond the 12 digits of a stored amount.
    response = manager_api.post(URL, {**body, "save_as": {"name": "Миллиард роз"}})
    errors = assert_error(response, 400, "invalid")["errors"]
    assert "price" in errors["save_as"]
    assert Product.objects.count() == 0


def test_get_is_405(manager_api):
    assert_error(manager_api.get(URL), 405, "method_not_allowed")


# --- roles ---------------------------------------------------------------------------------

EXPECTED = {
    # role: (calculate, calculate + save_as)
    Role.ADMIN: (200, 201),
    Role.MANAGER: (200, 201),
    Role.FLORIST: (200, 403),
    Role.COURIER: (403, 403),
}


@pytest.mark.parametrize("role", list(EXPECTED))
@pytest.mark.parametrize("save", [False, True])
def test_role_matrix(member, api_as, priced_shop, rose, role, save):
    client = api_as(member(role, shop=priced_shop))
    body: dict = {"components": [{"stock_item_id": rose.id, "quantity": 1}]}
    if save:
        body["save_as"] = {"name": "Букет роли"}
    response = client.post(URL, body)
    expected = EXPECTED[role][save]
    if expected == 403:
        assert_error(response, 403, "permission_denied")
    else:
        assert response.status_code == expected, response.content
    assert Product.objects.count() == (1 if expected == 201 else 0)


def test_anonymous_is_401(api):
    assert_error(api.post(URL, {"components": []}), 401, "not_authenticated")
