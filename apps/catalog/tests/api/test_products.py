from __future__ import annotations

from decimal import Decimal

import pytest

from apps.catalog.models import Product, ProductComponent
from apps.catalog.tests.factories import ProductComponentFactory, ProductFactory, StockItemFactory, product_with_recipe
from flowercrm.roles import Role
from flowercrm.testing import assert_error

pytestmark = pytest.mark.django_db

URL = "/api/products/"


def detail(product_id: int) -> str:
    return f"{URL}{product_id}/"


@pytest.fixture
def rose(shop):
    return StockItemFactory(shop=shop, name="Роза Фридом", unit_cost=Decimal("250.00"))


@pytest.fixture
def greenery(shop):
    return StockItemFactory(
        shop=shop, name="Эвкалипт", category="greenery", height_cm=None, unit_cost=Decimal("120.50")
    )


def payload(**overrides):
    return {"name": "Букет «Нежность»", "category": "bouquet", "price": "15000.00", **overrides}


def _snapshot():
    return (
        sorted(Product.objects.values_list("id", "name", "price", "sale_price")),
        sorted(ProductComponent.objects.values_list("product_id", "stock_item_id", "quantity")),
    )


# --- happy paths ---------------------------------------------------------------------------


def test_create_returns_detail_with_costs_as_strings(manager_api, rose, greenery):
    response = manager_api.post(
        URL,
        payload(
            description="Пионовидные розы",
            sale_price=13500,  # a JSON number is accepted
            sku="N-1",
            components=[{"stock_item_id": rose.id, "quantity": 15}, {"stock_item_id": greenery.id, "quantity": 3}],
        ),
    )
    assert response.status_code == 201, response.json()
    body = response.json()
    product = Product.objects.get()
    assert body == {
        "id": product.id,
        "name": "Букет «Нежность»",
        "description": "Пионовидные розы",
        "category": "bouquet",
        "price": "15000.00",
        "sale_price": "13500.00",
        "effective_price": "13500.00",
        "sku": "N-1",
        "is_active": True,
        "components": [
            {
                "stock_item_id": rose.id,
                "stock_item": {"id": rose.id, "name": "Роза Фридом", "unit": "stem"},
                "quantity": 15,
                "unit_cost": "250.00",
                "line_cost": "3750.00",
            },
            {
                "stock_item_id": greenery.id,
                "stock_item": {"id": greenery.id, "name": "Эвкалипт", "unit": "stem"},
                "quantity": 3,
                "unit_cost": "120.50",
                "line_cost": "361.50",
            },
        ],
        "extras": [],
        "labour": "0.00",
        "cost": "4111.50",
        "margin": "9388.50",
        "margin_percent": "69.5",  # 9388.50 / 13500 = 69.544…
        "images": [],
        "primary_image": None,
        "created_at": body["created_at"],
        "updated_at": body["updated_at"],
        "warnings": [],  # creating and editing answer warnings (§11.1); none here
    }
    assert body["created_at"].endswith("+05:00")  # the shop's zone (Asia/Almaty)


def test_zero_price_margin_percent_is_null(manager_api, rose):
    response = manager_api.post(URL, payload(price="0", components=[{"stock_item_id": rose.id, "quantity": 1}]))
    assert response.status_code == 201
    assert response.json()["margin"] == "-250.00"
    assert response.json()["margin_percent"] is None


def test_list_and_retrieve(manager_api, shop):
    product = product_with_recipe(shop=shop, name="Альфа")
    response = manager_api.get(URL)
    assert response.status_code == 200
    body = response.json()
    assert body["total"] == 1
    [item] = body["items"]
    assert item["id"] == product.id
    assert item["cost"] == "3750.00"  # 3 × 5 × 250.00
    assert isinstance(item["price"], str) and isinstance(item["margin"], str)
    assert len(item["components"]) == 3
    assert manager_api.get(detail(product.id)).json() == item
    assert manager_api.get(f"{URL}{product.id}").status_code == 200  # trailing slash optional


def test_patch_replaces_recipe(manager_api, shop, rose, greenery):
    product = product_with_recipe(shop=shop, components=2)
    response = manager_api.patch(
        detail(product.id),
        {"sale_price": "9999.99", "components": [{"stock_item_id": greenery.id, "quantity": 2}]},
    )
    assert response.status_code == 200, response.json()
    body = response.json()
    assert body["sale_price"] == "9999.99"
    assert [c["stock_item_id"] for c in body["components"]] == [greenery.id]
    assert body["cost"] == "241.00"
    assert ProductComponent.objects.filter(product=product).count() == 1


def test_put_requires_full_body(manager_api, shop):
    product = ProductFactory(shop=shop)
    body = assert_error(manager_api.put(detail(product.id), {"name": "Только имя"}), 400, "invalid")
    assert "price" in body["errors"]
    response = manager_api.put(detail(product.id), payload(name="Полностью", price="100"))
    assert response.status_code == 200
    assert response.json()["name"] == "Полностью"


def test_clearing_sale_price(manager_api, shop):
    product = ProductFactory(shop=shop, sale_price=Decimal("100.00"))
    response = manager_api.patch(detail(product.id), {"sale_price": None})
    assert response.status_code == 200
    assert response.json()["sale_price"] is None
    assert response.json()["effective_price"] == "15000.00"


def test_delete(manager_api, shop, rose):
    product = product_with_recipe(shop=shop)
    assert manager_api.delete(detail(product.id)).status_code == 204
    assert not Product.objects.exists()
    assert not ProductComponent.objects.exists()
    rose.refresh_from_db()  # stock stays


def test_ordered_product_cannot_be_deleted(manager_api, member, shop):
    from apps.orders.tests.factories import make_order

    product = product_with_recipe(shop=shop)
    make_order(shop, member(Role.ADMIN).user, product)
    before = _snapshot()
    body = assert_error(manager_api.delete(detail(product.id)), 409, "protected")
    assert "снимите его с продажи" in body["detail"]
    assert _snapshot() == before
    # Taking it off sale is the way out.
    assert manager_api.patch(detail(product.id), {"is_active": False}).json()["is_active"] is False


# --- bad input: 400, nothing written ---------------------------------------------------------


@pytest.mark.parametrize(
    ("body", "field"),
    [
        (payload(price="-1.00"), "price"),
        (payload(price="abc"), "price"),
        (payload(price="NaN"), "price"),
        (payload(price="10000000000.00"), "price"),
        (payload(price="1.001"), "price"),
        (payload(price=None), "price"),
        (payload(sale_price="15000.00"), "sale_price"),
        (payload(sale_price="20000"), "sale_price"),
        (payload(sale_price="-5"), "sale_price"),
        (payload(name="Б" * 201), "name"),
        (payload(name=""), "name"),
        (payload(sku="S" * 65), "sku"),
        (payload(description="д" * 5001), "description"),
        (payload(category="tree"), "category"),
        (payload(is_active="maybe"), "is_active"),
        (payload(components="roses"), "components"),
        (payload(components=[{"stock_item_id": 1, "quantity": 1}] * 101), "components"),
    ],
)
def test_bad_product_input(manager_api, body, field):
    response = manager_api.post(URL, body)
    errors = assert_error(response, 400, "invalid")["errors"]
    assert field in errors, errors
    assert Product.objects.count() == 0


@pytest.mark.parametrize(
    "line",
    [
        {"quantity": 0},
        {"quantity": 100_001},
        {"quantity": -3},
        {"quantity": "много"},
        {"quantity": 1.5},
        {"quantity": None},
        {"stock_item_id": "abc"},
        {"stock_item_id": 10**30},
        {"stock_item_id": True},
        {"stock_item_id": None},
        {"stock_item_id": 999_999_999},
    ],
)
def test_bad_component_line_is_reported_on_that_line(manager_api, rose, greenery, line):
    components = [{"stock_item_id": greenery.id, "quantity": 1}, {"stock_item_id": rose.id, "quantity": 2, **line}]
    response = manager_api.post(URL, payload(components=components))
    errors = assert_error(response, 400, "invalid")["errors"]
    assert errors["components"][0] == {}
    assert set(errors["components"][1]) <= {"stock_item_id", "quantity"}
    assert errors["components"][1]
    assert Product.objects.count() == 0


def test_another_shops_stock_item_is_400_on_that_line(manager_api, rose, other_shop):
    foreign = StockItemFactory(shop=other_shop)
    components = [{"stock_item_id": rose.id, "quantity": 1}, {"stock_item_id": foreign.id, "quantity": 1}]
    errors = assert_error(manager_api.post(URL, payload(components=components)), 400, "invalid")["errors"]
    assert errors == {"components": [{}, {"stock_item_id": [f"Объект с id={foreign.id} не найден."]}]}
    assert Product.objects.count() == 0


def test_duplicate_components_are_400(manager_api, rose, greenery):
    components = [
        {"stock_item_id": rose.id, "quantity": 1},
        {"stock_item_id": greenery.id, "quantity": 1},
        {"stock_item_id": rose.id, "quantity": 5},
    ]
    errors = assert_error(manager_api.post(URL, payload(components=components)), 400, "invalid")["errors"]
    assert errors["components"][:2] == [{}, {}]
    assert list(errors["components"][2]) == ["stock_item_id"]
    assert Product.objects.count() == 0


def test_patch_with_bad_input_changes_nothing(manager_api, shop, other_shop):
    product = product_with_recipe(shop=shop, sale_price=Decimal("12000.00"))
    foreign = StockItemFactory(shop=other_shop)
    before = _snapshot()
    bad_bodies = [
        {"price": "11000.00"},  # below the existing sale price
        {"name": "Новое", "components": [{"stock_item_id": foreign.id, "quantity": 1}]},
        {"name": "Новое", "components": [{"quantity": 1}]},  # partial does not relax the lines
        {"components": [{"stock_item_id": product.components.first().stock_item_id, "quantity": 0}]},
        {"price": "x"},
    ]
    for body in bad_bodies:
        assert_error(manager_api.patch(detail(product.id), body), 400, "invalid")
    assert _snapshot() == before


def test_nul_byte_is_400(manager_api):
    assert_error(manager_api.post(URL, payload(name="Роза\x00")), 400, "invalid")
    assert Product.objects.count() == 0


def test_duplicate_sku_is_400(manager_api, shop):
    ProductFactory(shop=shop, sku="B-1")
    errors = assert_error(manager_api.post(URL, payload(sku="B-1")), 400, "invalid")["errors"]
    assert "sku" in errors
    assert Product.objects.count() == 1


def test_bad_list_params(manager_api):
    for query in ("category=tree", "ordering=cost", "price_from=abc", "price_to=-1", "price_to=1e400", "limit=0"):
        assert_error(manager_api.get(f"{URL}?{query}"), 400, "invalid")


# --- roles and shops -----------------------------------------------------------------------

ALLOWED = {
    Role.ADMIN: {"list": 200, "retrieve": 200, "create": 201, "patch": 200, "put": 200, "delete": 204},
    Role.MANAGER: {"list": 200, "retrieve": 200, "create": 201, "patch": 200, "put": 200, "delete": 204},
    Role.FLORIST: {"list": 200, "retrieve": 200, "create": 403, "patch": 403, "put": 403, "delete": 403},
    Role.COURIER: {"list": 403, "retrieve": 403, "create": 403, "patch": 403, "put": 403, "delete": 403},
}


@pytest.mark.parametrize("role", list(ALLOWED))
@pytest.mark.parametrize("action", ["list", "retrieve", "create", "patch", "put", "delete"])
def test_role_matrix(member, api_as, shop, rose, role, action):
    client = api_as(member(role))
    product = product_with_recipe(shop=shop)
    before = _snapshot()
    calls = {
        "list": lambda: client.get(URL),
        "retrieve": lambda: client.get(detail(product.id)),
        "create": lambda: client.post(URL, payload(components=[{"stock_item_id": rose.id, "quantity": 1}])),
        "patch": lambda: client.patch(detail(product.id), {"name": "Изменён"}),
        "put": lambda: client.put(detail(product.id), payload(name="Изменён")),
        "delete": lambda: client.delete(detail(product.id)),
    }
    response = calls[action]()
    expected = ALLOWED[role][action]
    if expected == 403:
        assert_error(response, 403, "permission_denied")
        assert _snapshot() == before
    else:
        assert response.status_code == expected, response.content


def test_anonymous_is_401(api, shop):
    product = ProductFactory(shop=shop)
    assert_error(api.get(URL), 401, "not_authenticated")
    assert_error(api.get(detail(product.id)), 401, "not_authenticated")
    assert_error(api.post(URL, payload()), 401, "not_authenticated")
    assert Product.objects.count() == 1


def test_another_shops_product_is_404(manager_api, other_shop):
    foreign = product_with_recipe(shop=other_shop)
    before = _snapshot()
    assert_error(manager_api.get(detail(foreign.id)), 404, "not_found")
    assert_error(manager_api.patch(detail(foreign.id), {"name": "Моё"}), 404, "not_found")
    assert_error(manager_api.put(detail(foreign.id), payload()), 404, "not_found")
    assert_error(manager_api.delete(detail(foreign.id)), 404, "not_found")
    assert manager_api.get(URL).json() == {"items": [], "total": 0}
    assert _snapshot() == before


def test_path_ids_are_bounded(manager_api):
    assert_error(manager_api.get(f"{URL}{'9' * 19}/"), 404, "not_found")
    assert_error(manager_api.get(f"{URL}999999999999999999/"), 404, "not_found")


# --- list conventions ----------------------------------------------------------------------


@pytest.mark.parametrize("count", [1, 30])
def test_list_query_count_does_not_grow(manager_api, shop, django_assert_num_queries, count):
    for _ in range(count):
        product_with_recipe(shop=shop, components=3)
    # auth (membership + user + shop), count, products with cost, components with stock items, extras,
    # pictures with their images (apps/catalog/tests/api/test_product_images.py fills them)
    with django_assert_num_queries(6):
        response = manager_api.get(URL)
    assert response.status_code == 200
    body = response.json()
    assert body["total"] == count
    assert all(len(p["components"]) == 3 and p["cost"] == "3750.00" for p in body["items"])


def test_cyrillic_search(manager_api, shop):
    wanted = ProductFactory(shop=shop, name="Роза Фридом Гранд")
    ProductFactory(shop=shop, name="Пионы Сара Бернар", sku="PION-1")
    for query in ("фридом", "ФРИДОМ", "роза фри", "  Роза   Фридом "):
        body = manager_api.get(URL, {"search": query}).json()
        assert [p["id"] for p in body["items"]] == [wanted.id], query
    assert manager_api.get(URL, {"search": "pion-1"}).json()["total"] == 1
    assert manager_api.get(URL, {"search": "тюльпан"}).json()["total"] == 0


def test_filters_and_ordering(manager_api, shop):
    a = ProductFactory(shop=shop, name="Бета", category="bouquet", price=Decimal("5000.00"))
    b = ProductFactory(shop=shop, name="Альфа", category="composition", price=Decimal("20000.00"))
    c = ProductFactory(shop=shop, name="Гамма", category="potted", price=Decimal("9000.00"), is_active=False)

    def ids(query: str) -> list[int]:
        response = manager_api.get(f"{URL}?{query}")
        assert response.status_code == 200, response.content
        return [p["id"] for p in response.json()["items"]]

    assert ids("") == [b.id, a.id, c.id]  # by name
    assert ids("category=bouquet,potted") == [a.id, c.id]
    assert ids("is_active=false") == [c.id]
    assert ids("price_from=6000&price_to=20000") == [b.id, c.id]
    assert ids("ordering=-price") == [b.id, c.id, a.id]
    assert ids("ordering=price") == [a.id, c.id, b.id]
    assert ids("ordering=-created_at") == [c.id, b.id, a.id]
    assert ids("skip=1&limit=1") == [a.id]


def test_cost_changes_with_unit_cost(manager_api, shop):
    component = ProductComponentFactory(product__shop=shop, quantity=4, stock_item__unit_cost=Decimal("99.99"))
    assert manager_api.get(detail(component.product_id)).json()["cost"] == "399.96"
    component.stock_item.unit_cost = Decimal("100.01")
    component.stock_item.save()
    body = manager_api.get(detail(component.product_id)).json()
    assert body["cost"] == "400.04"
    assert body["components"][0]["unit_cost"] == "100.01"
