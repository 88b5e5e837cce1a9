"""§11.1 "Who sees money" in the catalog: florists read products and use the calculator without
costs, margins, unit costs, extras' prices or labour; couriers have no access. Every role's
answer validates against the schema (ProductFlorist, CalculationFlorist: their own components)."""

from __future__ import annotations

from decimal import Decimal as D

import jsonschema
import pytest

from apps.catalog.models import ProductExtra
from apps.catalog.tests import schema_check
from apps.catalog.tests.factories import ProductComponentFactory, ProductFactory, StockItemFactory
from apps.catalog.tests.schema_check import assert_matches_schema
from flowercrm.roles import Role
from flowercrm.testing import assert_error

pytestmark = pytest.mark.django_db

PRODUCT_MONEY = {"cost", "margin", "margin_percent", "labour"}
COMPONENT_MONEY = {"unit_cost", "line_cost"}
EXTRA_MONEY = {"price", "line_cost"}


@pytest.fixture
def product(shop):
    rose = StockItemFactory(shop=shop, name="Роза", unit_cost=D("150.00"))
    product = ProductFactory(shop=shop, name="Букет", price=D("5000.00"), labour=D("300.00"))
    ProductComponentFactory(product=product, stock_item=rose, quantity=5)
    ProductExtra.objects.create(product=product, name="Коробка", price=D("800.00"), quantity=1)
    return product


@pytest.mark.parametrize("role", [Role.ADMIN, Role.MANAGER, Role.FLORIST])
def test_product_shapes_per_role(api_as, member, product, role) -> None:
    client = api_as(member(role))
    listed = client.get("/api/products/")
    one = client.get(f"/api/products/{product.id}/")
    assert listed.status_code == one.status_code == 200
    assert_matches_schema("/api/products/", "get", 200, listed.json())
    assert_matches_schema("/api/products/{id}/", "get", 200, one.json())
    for body in (listed.json()["items"][0], one.json()):
        component, extra = body["components"][0], body["extras"][0]
        if role == Role.FLORIST:
            assert not PRODUCT_MONEY & body.keys(), body
            assert not COMPONENT_MONEY & component.keys(), component
            assert not EXTRA_MONEY & extra.keys(), extra
            # What a florist needs to assemble it stays, and so do the selling prices.
            assert (component["quantity"], extra["name"], extra["quantity"]) == (5, "Коробка", 1)
            assert body["price"] == "5000.00"
        else:
            assert (body["cost"], body["labour"], component["unit_cost"], extra["price"]) == (
                "1850.00",
                "300.00",
                "150.00",
                "800.00",
            )


@pytest.mark.parametrize("role", [Role.ADMIN, Role.MANAGER, Role.FLORIST])
def test_calculator_shapes_per_role(api_as, member, shop, role) -> None:
    rose = StockItemFactory(shop=shop, unit_cost=D("150.00"))
    body = {
        "components": [{"stock_item_id": rose.id, "quantity": 3}],
        "extras": [{"name": "Лента", "price": "50", "quantity": 2}],
        "labour": "100",
    }
    response = api_as(member(role)).post("/api/catalog/calculate/", body, format="json")
    assert response.status_code == 200, response.json()
    data = response.json()
    assert_matches_schema("/api/catalog/calculate/", "post", 200, data)
    money = {"components_cost", "extras_cost", "labour", "cost", "markups"}
    if role == Role.FLORIST:
        assert not money & data.keys(), data
        assert not COMPONENT_MONEY & data["components"][0].keys()
        assert not EXTRA_MONEY & data["extras"][0].keys()
        assert set(data["suggested_prices"]) == {"minimum", "recommended", "premium"}
    else:
        assert data["cost"] == "650.00"


def test_calculator_save_as_answer_matches_schema(api_as, member, shop) -> None:
    rose = StockItemFactory(shop=shop, unit_cost=D("150.00"))
    body = {"components": [{"stock_item_id": rose.id, "quantity": 3}], "save_as": {"name": "Букет"}}
    response = api_as(member(Role.MANAGER)).post("/api/catalog/calculate/", body, format="json")
    assert response.status_code == 201, response.json()
    assert_matches_schema("/api/catalog/calculate/", "post", 201, response.json())


def test_write_answers_match_schema(api_as, member, product) -> None:
    client = api_as(member(Role.MANAGER))
    created = client.post("/api/products/", {"name": "Букет 2", "price": "10"}, format="json")
    assert_matches_schema("/api/products/", "post", 201, created.json())
    edited = client.patch(f"/api/products/{product.id}/", {"price": "100"}, format="json")
    assert [w["code"] for w in edited.json()["warnings"]] == ["price_below_cost"]
    assert_matches_schema("/api/products/{id}/", "patch", 200, edited.json())


def test_a_full_body_does_not_validate_as_the_florist_shape(api_as, member, product) -> None:
    """The florist shapes forbid other properties, so the ``oneOf`` is never ambiguous."""
    body = api_as(member(Role.MANAGER)).get(f"/api/products/{product.id}/").json()
    with pytest.raises(jsonschema.ValidationError):
        assert_matches_schema_as("ProductFlorist", body)


def assert_matches_schema_as(component: str, body: object) -> None:
    document = schema_check._schema()
    root = {
        "$ref": f"#/components/schemas/{component}",
        "components": schema_check._json_schema(document["components"]),
    }
    jsonschema.Draft7Validator(root).validate(body)


def test_couriers_have_no_catalog(api_as, member, product) -> None:
    client = api_as(member(Role.COURIER))
    assert_error(client.get("/api/products/"), 403, "permission_denied")
    assert_error(client.get(f"/api/products/{product.id}/"), 403, "permission_denied")
    assert_error(client.post("/api/catalog/calculate/", {"components": []}, format="json"), 403, "permission_denied")
