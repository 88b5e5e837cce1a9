from __future__ import annotations

from decimal import Decimal
from typing import Any

import pytest

from apps.catalog.models import Product, ProductComponent
from apps.warehouse import services
from apps.warehouse.models import StockItem, StockMovement
from apps.warehouse.tests.factories import StockItemFactory
from flowercrm.roles import Role
from flowercrm.testing import assert_error

pytestmark = pytest.mark.django_db

URL = "/api/warehouse/items/"


def _url(item: StockItem, suffix: str = "") -> str:
    return f"{URL}{item.pk}/{suffix}"


def _stock(item: StockItem) -> tuple[int, int, Decimal, int]:
    item.refresh_from_db()
    return item.quantity, item.reserved, item.unit_cost, StockMovement.objects.filter(item=item).count()


@pytest.fixture
def manager(member):
    return member(Role.MANAGER)


@pytest.fixture
def client(api_as, manager):
    return api_as(manager)


# --- happy paths ------------------------------------------------------------------------


def test_create_item(client, shop) -> None:
    response = client.post(
        URL,
        {
            "name": "Роза Фридом",
            "category": "flower",
            "height_cm": 60,
            "unit": "stem",
            "retail_price": 450,
            "min_quantity": 20,
        },
    )
    assert response.status_code == 201, response.json()
    body = response.json()
    assert body["name"] == "Роза Фридом"
    assert (body["quantity"], body["reserved"], body["available"]) == (0, 0, 0)
    assert (body["unit_cost"], body["retail_price"]) == ("0.00", "450.00")
    assert body["is_low"] is True and body["is_active"] is True
    assert body["created_at"].endswith("+05:00")  # the shop's zone
    assert StockItem.objects.get(pk=body["id"]).shop == shop


def test_create_minimal_uses_defaults(client) -> None:
    body = client.post(URL, {"name": "Лента атласная"}).json()
    assert (body["category"], body["unit"], body["height_cm"], body["min_quantity"]) == ("flower", "stem", None, 0)


def test_retrieve_shows_stock_figures_as_strings_and_integers(client, shop) -> None:
    item = StockItemFactory(shop=shop, stock=10, stock__cost="123.45")
    services.stock_reserve(shop=shop, lines={item.pk: 4})
    body = client.get(_url(item)).json()
    assert (body["quantity"], body["reserved"], body["available"], body["unit_cost"]) == (10, 4, 6, "123.45")


def test_patch_item(client, shop) -> None:
    item = StockItemFactory(shop=shop, stock=5)
    response = client.patch(_url(item), {"name": "Роза Эксплорер", "retail_price": "600.5", "is_active": False})
    assert response.status_code == 200, response.json()
    body = response.json()
    assert (body["name"], body["retail_price"], body["is_active"], body["quantity"]) == (
        "Роза Эксплорер",
        "600.50",
        False,
        5,
    )
    item.refresh_from_db()
    assert item.search_text == "роза эксплорер"


def test_put_needs_the_name(client, shop) -> None:
    item = StockItemFactory(shop=shop)
    assert_error(client.put(_url(item), {"category": "greenery"}), 400, "invalid")
    response = client.put(_url(item), {"name": "Эвкалипт", "category": "greenery", "height_cm": None})
    assert response.status_code == 200
    assert (response.json()["category"], response.json()["height_cm"]) == ("greenery", None)


def test_delete_unused_item(client, shop) -> None:
    item = StockItemFactory(shop=shop)
    assert client.delete(_url(item)).status_code == 204
    assert not StockItem.objects.filter(pk=item.pk).exists()


def test_delete_item_with_movements_is_protected(client, shop) -> None:
    item = StockItemFactory(shop=shop, stock=1)
    assert_error(client.delete(_url(item)), 409, "protected")
    assert StockItem.objects.filter(pk=item.pk).exists()


def test_delete_item_in_a_recipe_is_protected(client, shop) -> None:
    item = StockItemFactory(shop=shop)
    product = Product.objects.create(shop=shop, name="Букет", price=Decimal("100"))
    ProductComponent.objects.create(product=product, stock_item=item, quantity=3)
    assert_error(client.delete(_url(item)), 409, "protected")
    assert StockItem.objects.filter(pk=item.pk).exists()


def test_write_off(api_as, member, shop) -> None:
    florist = member(Role.FLORIST)
    item = StockItemFactory(shop=shop, stock=10, stock__cost="80.00")
    response = api_as(florist).post(_url(item, "write-off/"), {"quantity": 3, "reason": "wilted"})
    assert response.status_code == 200, response.json()
    body = response.json()
    assert (body["id"], body["quantity"], body["available"]) == (item.pk, 7, 7)
    assert "unit_cost" not in body  # florists never see costs (§11.1)
    item.refresh_from_db()
    assert item.unit_cost == Decimal("80.00")
    movement = StockMovement.objects.get(item=item, kind="write_off")
    assert (movement.delta, movement.balance_after, movement.reason, movement.actor) == (-3, 7, "wilted", florist.user)


def test_write_off_other_with_note_and_without_trailing_slash(client, shop) -> None:
    item = StockItemFactory(shop=shop, stock=2)
    response = client.post(f"{URL}{item.pk}/write-off", {"quantity": 2, "reason": "other", "note": "Украли"})
    assert response.status_code == 200
    assert StockMovement.objects.get(item=item, kind="write_off").note == "Украли"


def test_write_off_more_than_on_hand_is_409_and_changes_nothing(client, shop) -> None:
    item = StockItemFactory(shop=shop, stock=3)
    before = _stock(item)
    body = assert_error(
        client.post(_url(item, "write-off/"), {"quantity": 5, "reason": "lost"}), 409, "insufficient_stock"
    )
    assert body["missing"] == [{"stock_item_id": item.pk, "name": item.name, "needed": 5, "on_hand": 3}]
    assert _stock(item) == before


def test_adjust(client, shop) -> None:
    item = StockItemFactory(shop=shop, stock=10, stock__cost="50.00")
    response = client.post(_url(item, "adjust/"), {"counted_quantity": 12, "reason": "Инвентаризация"})
    assert response.status_code == 200
    assert (response.json()["quantity"], response.json()["unit_cost"]) == (12, "50.00")
    movement = StockMovement.objects.get(item=item, kind="adjustment")
    assert (movement.delta, movement.balance_after, movement.reason) == (2, 12, "Инвентаризация")
    # Counting the same again writes nothing and still answers the item.
    response = client.post(_url(item, "adjust/"), {"counted_quantity": 12, "reason": "Повтор"})
    assert response.status_code == 200
    assert StockMovement.objects.filter(item=item, kind="adjustment").count() == 1
    assert client.post(_url(item, "adjust/"), {"counted_quantity": 0, "reason": "Всё завяло"}).json()["quantity"] == 0


# --- bad input: 400, nothing written ---------------------------------------------------------


@pytest.mark.parametrize(
    ("payload", "field"),
    [
        ({}, "name"),
        ({"name": ""}, "name"),
        ({"name": "   "}, "name"),
        ({"name": "я" * 201}, "name"),
        ({"name": "Роза", "category": "tree"}, "category"),
        ({"name": "Роза", "unit": "kg"}, "unit"),
        ({"name": "Роза", "height_cm": 0}, "height_cm"),
        ({"name": "Роза", "height_cm": 501}, "height_cm"),
        ({"name": "Роза", "height_cm": "высокая"}, "height_cm"),
        ({"name": "Роза", "retail_price": "-1.00"}, "retail_price"),
        ({"name": "Роза", "retail_price": "abc"}, "retail_price"),
        ({"name": "Роза", "retail_price": "1.001"}, "retail_price"),
        ({"name": "Роза", "retail_price": "99999999999.00"}, "retail_price"),
        ({"name": "Роза", "min_quantity": -1}, "min_quantity"),
        ({"name": "Роза", "min_quantity": 100_001}, "min_quantity"),
        ({"name": "Роза", "is_active": "может быть"}, "is_active"),
        ({"name": "Роза", "quantity": 10}, "quantity"),
        ({"name": "Роза", "reserved": 1}, "reserved"),
        ({"name": "Роза", "unit_cost": "10.00"}, "unit_cost"),
    ],
)
def test_create_bad_input(client, payload: dict[str, Any], field: str) -> None:
    body = assert_error(client.post(URL, payload), 400, "invalid")
    assert field in body["errors"], body
    assert not StockItem.objects.exists()


def test_create_not_a_json_object(client) -> None:
    assert_error(client.post(URL, ["name"]), 400, "invalid")
    assert not StockItem.objects.exists()


def test_create_duplicate_name_and_height(client, shop) -> None:
    StockItemFactory(shop=shop, name="Роза Фридом", height_cm=60)
    body = assert_error(client.post(URL, {"name": "роза  фридом", "height_cm": 60}), 400, "invalid")
    assert "name" in body["errors"]
    assert StockItem.objects.count() == 1


@pytest.mark.parametrize("field", ["quantity", "reserved", "available", "unit_cost"])
def test_patch_stock_figures_is_400_and_changes_nothing(client, shop, field: str) -> None:
    """Stock arrives through supplies and leaves through orders and write-offs: sending a
    stock figure in an edit is refused (not silently ignored), and stock never changes."""
    item = StockItemFactory(shop=shop, stock=5, stock__cost="10.00")
    before = _stock(item)
    body = assert_error(client.patch(_url(item), {field: 500, "name": "Новое имя"}), 400, "invalid")
    assert field in body["errors"]
    assert _stock(item) == before
    item.refresh_from_db()
    assert item.name != "Новое имя"


@pytest.mark.parametrize(
    ("payload", "field"),
    [
        ({"quantity": 0, "reason": "wilted"}, "quantity"),
        ({"quantity": 100_001, "reason": "wilted"}, "quantity"),
        ({"quantity": -1, "reason": "wilted"}, "quantity"),
        ({"quantity": "abc", "reason": "wilted"}, "quantity"),
        ({"quantity": 1.5, "reason": "wilted"}, "quantity"),
        ({"reason": "wilted"}, "quantity"),
        ({"quantity": 1}, "reason"),
        ({"quantity": 1, "reason": "rotten"}, "reason"),
        ({"quantity": 1, "reason": "other"}, "note"),
        ({"quantity": 1, "reason": "other", "note": "   "}, "note"),
        ({"quantity": 1, "reason": "wilted", "note": "я" * 1001}, "note"),
    ],
)
def test_write_off_bad_input(client, shop, payload: dict[str, Any], field: str) -> None:
    item = StockItemFactory(shop=shop, stock=10)
    before = _stock(item)
    body = assert_error(client.post(_url(item, "write-off/"), payload), 400, "invalid")
    assert field in body["errors"], body
    assert _stock(item) == before


@pytest.mark.parametrize(
    ("payload", "field"),
    [
        ({"counted_quantity": -1, "reason": "x"}, "counted_quantity"),
        ({"counted_quantity": 100_001, "reason": "x"}, "counted_quantity"),
        ({"counted_quantity": "abc", "reason": "x"}, "counted_quantity"),
        ({"reason": "x"}, "counted_quantity"),
        ({"counted_quantity": 3}, "reason"),
        ({"counted_quantity": 3, "reason": "  "}, "reason"),
        ({"counted_quantity": 3, "reason": "я" * 201}, "reason"),
    ],
)
def test_adjust_bad_input(client, shop, payload: dict[str, Any], field: str) -> None:
    item = StockItemFactory(shop=shop, stock=10)
    before = _stock(item)
    body = assert_error(client.post(_url(item, "adjust/"), payload), 400, "invalid")
    assert field in body["errors"], body
    assert _stock(item) == before


def test_huge_id_is_404(client) -> None:
    assert_error(client.get(f"{URL}{'9' * 30}/"), 404, "not_found")
    assert_error(client.post(f"{URL}{'9' * 18}/write-off/", {"quantity": 1, "reason": "lost"}), 404, "not_found")


# --- roles --------------------------------------------------------------------------------

ALLOWED = {
    Role.ADMIN: {"list", "retrieve", "create", "patch", "delete", "write_off", "adjust"},
    Role.MANAGER: {"list", "retrieve", "create", "patch", "delete", "write_off", "adjust"},
    Role.FLORIST: {"list", "retrieve", "write_off"},
    Role.COURIER: set(),
}
OK_STATUS = {"create": 201, "delete": 204}


def _call(client: Any, action: str, item: StockItem) -> Any:
    return {
        "list": lambda: client.get(URL),
        "retrieve": lambda: client.get(_url(item)),
        "create": lambda: client.post(URL, {"name": "Гвоздика"}),
        "patch": lambda: client.patch(_url(item), {"retail_price": "1.00"}),
        "delete": lambda: client.delete(_url(item)),
        "write_off": lambda: client.post(_url(item, "write-off/"), {"quantity": 1, "reason": "wilted"}),
        "adjust": lambda: client.post(_url(item, "adjust/"), {"counted_quantity": 9, "reason": "Пересчёт"}),
    }[action]()


@pytest.mark.parametrize("role", list(ALLOWED))
@pytest.mark.parametrize("action", ["list", "retrieve", "create", "patch", "delete", "write_off", "adjust"])
def test_role_matrix(api_as, member, shop, role: str, action: str) -> None:
    item = StockItemFactory(shop=shop) if action == "delete" else StockItemFactory(shop=shop, stock=10)
    before = (StockItem.objects.count(), StockMovement.objects.count())
    stock_before = _stock(item)
    response = _call(api_as(member(role)), action, item)
    if action in ALLOWED[role]:
        assert response.status_code == OK_STATUS.get(action, 200), response.content
    else:
        assert_error(response, 403, "permission_denied")
        assert (StockItem.objects.count(), StockMovement.objects.count()) == before
        assert _stock(item) == stock_before
        assert item.retail_price == Decimal("500.00")


def test_anonymous_is_401(api, shop) -> None:
    item = StockItemFactory(shop=shop)
    assert_error(api.get(URL), 401, "not_authenticated")
    assert_error(api.post(_url(item, "write-off/"), {"quantity": 1, "reason": "lost"}), 401, "not_authenticated")


# --- shop isolation -------------------------------------------------------------------------


# A florist is refused patch/delete/adjust (403) before any lookup, so only their own moves here.
@pytest.mark.parametrize(
    ("role", "action"),
    [(Role.ADMIN, a) for a in ("retrieve", "patch", "delete", "write_off", "adjust")]
    + [(Role.FLORIST, a) for a in ("retrieve", "write_off")],
)
def test_another_shops_item_is_404(api_as, member, other_shop, role: str, action: str) -> None:
    foreign = StockItemFactory(shop=other_shop, stock=10)
    before = _stock(foreign)
    assert_error(_call(api_as(member(role)), action, foreign), 404, "not_found")
    assert _stock(foreign) == before
    assert StockItem.objects.filter(pk=foreign.pk, retail_price=Decimal("500.00")).exists()


def test_list_shows_only_own_shop(client, shop, other_shop) -> None:
    mine = StockItemFactory(shop=shop)
    StockItemFactory(shop=other_shop)
    body = client.get(URL).json()
    assert body["total"] == 1 and [i["id"] for i in body["items"]] == [mine.pk]


# --- list: filters, search, ordering, query count ------------------------------------------


def test_search_cyrillic_case_insensitive(client, shop) -> None:
    rose = StockItemFactory(shop=shop, name="Роза Фридом")
    StockItemFactory(shop=shop, name="Тюльпан")
    for query in ("фридом", "ФРИДОМ", "роза ф"):
        body = client.get(URL, {"search": query}).json()
        assert [i["id"] for i in body["items"]] == [rose.pk], query
    assert client.get(URL, {"search": "пион"}).json()["total"] == 0


def test_filters(client, shop) -> None:
    flower = StockItemFactory(shop=shop, category="flower", stock=3, min_quantity=5)
    green = StockItemFactory(shop=shop, category="greenery", stock=10, min_quantity=5)
    ribbon = StockItemFactory(shop=shop, category="material", is_active=False)

    def ids(**params: Any) -> list[int]:
        response = client.get(URL, params)
        assert response.status_code == 200, response.json()
        return sorted(i["id"] for i in response.json()["items"])

    assert ids(category="flower,greenery") == sorted([flower.pk, green.pk])
    assert ids(category="material") == [ribbon.pk]
    assert ids(is_active="false") == [ribbon.pk]
    assert ids(low="true") == [flower.pk]
    # Reservations count: 10 on hand, 6 reserved → 4 available < 5.
    services.stock_reserve(shop=shop, lines={green.pk: 6})
    assert ids(low="true") == sorted([flower.pk, green.pk])
    assert ids(low="false") == [ribbon.pk]


@pytest.mark.parametrize(
    "params",
    [
        {"category": "tree"},
        {"is_active": "maybe"},
        {"low": "sometimes"},
        {"ordering": "price"},
        {"limit": 0},
        {"skip": -1},
        {"limit": 501},
    ],
)
def test_bad_list_params_are_400(client, shop, params: dict[str, Any]) -> None:
    StockItemFactory(shop=shop)
    assert_error(client.get(URL, params), 400, "invalid")


def test_ordering(client, shop) -> None:
    a = StockItemFactory(shop=shop, name="Астра", stock=5, stock__cost="30.00")
    b = StockItemFactory(shop=shop, name="Бегония", stock=8, stock__cost="10.00")
    c = StockItemFactory(shop=shop, name="Вербена", stock=1, stock__cost="20.00")
    services.stock_reserve(shop=shop, lines={b.pk: 7})  # available: a 5, b 1, c 1

    def order(value: str | None) -> list[int]:
        params = {"ordering": value} if value else {}
        return [i["id"] for i in client.get(URL, params).json()["items"]]

    assert order(None) == [a.pk, b.pk, c.pk]
    assert order("-name") == [c.pk, b.pk, a.pk]
    assert order("quantity") == [c.pk, a.pk, b.pk]
    assert order("-available") == [a.pk, c.pk, b.pk]  # ties end with -id
    assert order("unit_cost") == [b.pk, c.pk, a.pk]
    assert order("created_at") == [a.pk, b.pk, c.pk]


def test_pagination(client, shop) -> None:
    for _ in range(5):
        StockItemFactory(shop=shop)
    body = client.get(URL, {"skip": 2, "limit": 2}).json()
    assert body["total"] == 5 and len(body["items"]) == 2


@pytest.mark.parametrize("rows", [1, 30])
def test_list_query_count_does_not_grow(client, shop, rows: int, django_assert_max_num_queries) -> None:
    for i in range(rows):
        StockItemFactory(shop=shop, stock=i + 1)
    with django_assert_max_num_queries(4):
        response = client.get(URL)
    assert response.json()["total"] == rows
