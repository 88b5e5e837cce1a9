from __future__ import annotations

from collections.abc import Callable
from decimal import Decimal
from typing import Any

import pytest
from rest_framework.test import APIClient

from apps.shops.models import Shop
from apps.supplies import services
from apps.supplies.models import Supplier, Supply, SupplyLine, SupplyStatus
from apps.supplies.tests.factories import SupplierFactory, SupplyFactory, SupplyLineFactory
from apps.warehouse.models import StockItem, StockMovement
from apps.warehouse.tests.factories import StockItemFactory
from flowercrm.roles import Role
from flowercrm.testing import assert_error

pytestmark = pytest.mark.django_db

URL = "/api/supplies/"


def _counts() -> tuple[int, int, int, int, int]:
    return (
        Supply.objects.count(),
        SupplyLine.objects.count(),
        Supplier.objects.count(),
        StockItem.objects.count(),
        StockMovement.objects.count(),
    )


# --- create, read, edit -----------------------------------------------------------------------


def test_create_with_nested_lines_answers_the_detail(manager_api: APIClient, shop: Shop) -> None:
    item = StockItemFactory(shop=shop, name="Роза Фридом", height_cm=60)
    body = {
        "supplier_name": "Эквадор Розы",
        "date": "2026-11-25",
        "currency": "USD",
        "rate": "512.3456",
        "notes": "к 8 марта",
        "lines": [
            {"stock_item_id": item.id, "quantity": 30, "purchase_price": "0.4375"},
            {
                "new_item_name": "Эвкалипт Цинерея",
                "new_item_category": "greenery",
                "new_item_unit": "pcs",
                "quantity": 12,
                "purchase_price": 1.5,  # a JSON number works too
            },
        ],
    }
    response = manager_api.post(URL, body, format="json")
    assert response.status_code == 201, response.json()
    data = response.json()
    assert data["status"] == "draft"
    assert data["supplier"] == {"id": Supplier.objects.get(name="Эквадор Розы").id, "name": "Эквадор Розы"}
    assert (data["currency"], data["rate"], data["date"]) == ("USD", "512.3456", "2026-11-25")
    first, second = data["lines"]
    assert first["stock_item"] == {"id": item.id, "name": "Роза Фридом", "height_cm": 60, "unit": "stem"}
    assert first["stock_item_id"] == item.id and first["new_item_name"] is None
    assert (first["purchase_price"], first["total"]) == ("0.4375", "13.13")
    assert (first["unit_price_in_shop_currency"], first["total_in_shop_currency"]) == ("224.15", "6724.54")
    assert first["suggested_retail_price"] is None
    assert second["stock_item"] is None
    assert (second["new_item_name"], second["new_item_category"], second["new_item_unit"]) == (
        "Эвкалипт Цинерея",
        "greenery",
        "pcs",
    )
    assert (second["purchase_price"], second["total"], second["total_in_shop_currency"]) == (
        "1.5000",
        "18.00",
        "9222.22",  # 12 × 1.5 × 512.3456 = 9222.2208
    )
    assert (data["total"], data["total_in_shop_currency"]) == ("31.13", "15946.76")
    assert data["created_by"]["id"] is not None
    assert data["received_at"] is None and data["received_by"] is None


def test_retrieve_and_trailing_slash_is_optional(manager_api: APIClient, shop: Shop) -> None:
    supply = SupplyFactory(shop=shop, lines=2)
    assert manager_api.get(f"{URL}{supply.id}").status_code == 200
    assert manager_api.get(f"{URL}{supply.id}/").json()["id"] == supply.id
    assert manager_api.get(URL.rstrip("/")).json()["total"] == 1


def test_patch_replaces_lines_and_receive_then_409(manager_api: APIClient, shop: Shop) -> None:
    supply = SupplyFactory(shop=shop, lines=3)
    item = StockItemFactory(shop=shop)
    response = manager_api.patch(
        f"{URL}{supply.id}/",
        {"notes": "исправлено", "lines": [{"stock_item_id": item.id, "quantity": 4, "purchase_price": "50"}]},
        format="json",
    )
    assert response.status_code == 200, response.json()
    assert response.json()["notes"] == "исправлено"
    assert [line["stock_item_id"] for line in response.json()["lines"]] == [item.id]

    received = manager_api.post(f"{URL}{supply.id}/receive/")
    assert received.status_code == 200, received.json()
    assert received.json()["status"] == "received"
    assert received.json()["lines"][0]["suggested_retail_price"] == "100.00"
    item.refresh_from_db()
    assert item.quantity == 4

    assert_error(manager_api.post(f"{URL}{supply.id}/receive/"), 409, "conflict")
    assert_error(manager_api.patch(f"{URL}{supply.id}/", {"notes": "x"}, format="json"), 409, "conflict")
    assert_error(manager_api.delete(f"{URL}{supply.id}/"), 409, "conflict")
    assert_error(manager_api.post(f"{URL}{supply.id}/cancel/"), 409, "conflict")
    item.refresh_from_db()
    assert item.quantity == 4
    assert StockMovement.objects.filter(supply=supply).count() == 1


def test_receive_creates_new_items(manager_api: APIClient, shop: Shop) -> None:
    response = manager_api.post(
        URL,
        {
            "supplier_name": "Кения",
            "lines": [{"new_item_name": "Гипсофила", "new_item_height_cm": 70, "quantity": 5, "purchase_price": "10"}],
        },
        format="json",
    )
    supply_id = response.json()["id"]
    data = manager_api.post(f"{URL}{supply_id}/receive").json()
    item = StockItem.objects.get(shop=shop, name="Гипсофила", height_cm=70)
    assert data["lines"][0]["stock_item"]["id"] == item.id
    assert data["lines"][0]["new_item_name"] is None
    assert (item.quantity, item.unit_cost, item.retail_price) == (5, Decimal("10.00"), Decimal("20.00"))


def test_cancel_and_delete_drafts(manager_api: APIClient, shop: Shop) -> None:
    cancelled = SupplyFactory(shop=shop, lines=1)
    response = manager_api.post(f"{URL}{cancelled.id}/cancel/")
    assert response.status_code == 200
    assert response.json()["status"] == "cancelled" and response.json()["cancelled_at"]
    assert_error(manager_api.post(f"{URL}{cancelled.id}/receive/"), 409, "conflict")
    assert_error(manager_api.delete(f"{URL}{cancelled.id}/"), 409, "conflict")

    draft = SupplyFactory(shop=shop, lines=2)
    assert manager_api.delete(f"{URL}{draft.id}/").status_code == 204
    assert not Supply.objects.filter(pk=draft.pk).exists()
    assert not SupplyLine.objects.filter(supply_id=draft.pk).exists()


def test_put_is_not_allowed(manager_api: APIClient, shop: Shop) -> None:
    supply = SupplyFactory(shop=shop)
    assert_error(manager_api.put(f"{URL}{supply.id}/", {}, format="json"), 405, "method_not_allowed")


# --- bad input writes nothing -----------------------------------------------------------------


def _line(**overrides: Any) -> Callable[[int], dict[str, Any]]:
    return lambda item_id: {"stock_item_id": item_id, "quantity": 1, "purchase_price": "1", **overrides}


BAD_BODIES: list[tuple[str, Callable[[int, int], dict[str, Any]], tuple[Any, ...]]] = [
    ("no supplier", lambda i, s: {"lines": []}, ("supplier_id",)),
    ("supplier id not a number", lambda i, s: {"supplier_id": "x"}, ("supplier_id",)),
    ("supplier id and name", lambda i, s: {"supplier_name": "A", "supplier_id": s}, ("supplier_id",)),
    ("shop currency at rate 2", lambda i, s: {"supplier_name": "A", "currency": "KZT", "rate": "2"}, ("rate",)),
    ("foreign currency without rate", lambda i, s: {"supplier_name": "A", "currency": "USD"}, ("rate",)),
    ("4-letter currency", lambda i, s: {"supplier_name": "A", "currency": "USDX", "rate": "1"}, ("currency",)),
    ("symbol in currency", lambda i, s: {"supplier_name": "A", "currency": "US$", "rate": "1"}, ("currency",)),
    ("rate 0", lambda i, s: {"supplier_name": "A", "currency": "USD", "rate": "0"}, ("rate",)),
    ("rate NaN", lambda i, s: {"supplier_name": "A", "currency": "USD", "rate": "NaN"}, ("rate",)),
    ("rate huge", lambda i, s: {"supplier_name": "A", "currency": "USD", "rate": "1e400"}, ("rate",)),
    ("impossible date", lambda i, s: {"supplier_name": "A", "date": "2026-02-30"}, ("date",)),
    ("long supplier name", lambda i, s: {"supplier_name": "A" * 201}, ("supplier_name",)),
    ("long notes", lambda i, s: {"supplier_name": "A", "notes": "x" * 5001}, ("notes",)),
    ("lines not a list", lambda i, s: {"supplier_name": "A", "lines": "nope"}, ("lines",)),
    (
        "line without item",
        lambda i, s: {"supplier_name": "A", "lines": [{"quantity": 1, "purchase_price": "1"}]},
        ("lines", 0, "stock_item_id"),
    ),
    ("quantity 0", lambda i, s: {"supplier_name": "A", "lines": [_line(quantity=0)(i)]}, ("lines", 0, "quantity")),
    (
        "quantity over 100000",
        lambda i, s: {"supplier_name": "A", "lines": [_line(quantity=100_001)(i)]},
        ("lines", 0, "quantity"),
    ),
    (
        "negative price",
        lambda i, s: {"supplier_name": "A", "lines": [_line(purchase_price="-1")(i)]},
        ("lines", 0, "purchase_price"),
    ),
    (
        "five decimals",
        lambda i, s: {"supplier_name": "A", "lines": [_line(purchase_price="1.00001")(i)]},
        ("lines", 0, "purchase_price"),
    ),
    (
        "id out of range",
        lambda i, s: {"supplier_name": "A", "lines": [_line(stock_item_id=2**70)(i)]},
        ("lines", 0, "stock_item_id"),
    ),
    (
        "boolean id",
        lambda i, s: {"supplier_name": "A", "lines": [_line(stock_item_id=True)(i)]},
        ("lines", 0, "stock_item_id"),
    ),
    (
        "product category for a stock item",
        lambda i, s: {
            "supplier_name": "A",
            "lines": [{"new_item_name": "Р", "new_item_category": "bouquet", "quantity": 1, "purchase_price": "1"}],
        },
        ("lines", 0, "new_item_category"),
    ),
    (
        "height out of range",
        lambda i, s: {
            "supplier_name": "A",
            "lines": [{"new_item_name": "Р", "new_item_height_cm": 40000, "quantity": 1, "purchase_price": "1"}],
        },
        ("lines", 0, "new_item_height_cm"),
    ),
    (
        "item and new name on the second line",
        lambda i, s: {"supplier_name": "A", "lines": [_line()(i), _line(new_item_name="Р")(i)]},
        ("lines", 1, "stock_item_id"),
    ),
]


@pytest.mark.parametrize(("make_body", "error_path"), [b[1:] for b in BAD_BODIES], ids=[b[0] for b in BAD_BODIES])
def test_bad_input_is_400_and_writes_nothing(
    manager_api: APIClient,
    shop: Shop,
    make_body: Callable[[int, int], dict[str, Any]],
    error_path: tuple[Any, ...],
) -> None:
    item = StockItemFactory(shop=shop)
    supplier = SupplierFactory(shop=shop)
    before = _counts()
    errors = assert_error(manager_api.post(URL, make_body(item.id, supplier.id), format="json"), 400, "invalid")
    errors = errors["errors"]
    for key in error_path:
        errors = errors[key]
    assert errors
    assert _counts() == before


def test_bad_patch_changes_nothing(manager_api: APIClient, shop: Shop) -> None:
    supply = SupplyFactory(shop=shop, lines=2, notes="до")
    lines_before = list(supply.lines.values_list("id", flat=True))
    response = manager_api.patch(
        f"{URL}{supply.id}/",
        {
            "notes": "после",
            "supplier_name": "Новый",
            "lines": [{"new_item_name": "Р", "quantity": 0, "purchase_price": "1"}],
        },
        format="json",
    )
    assert_error(response, 400, "invalid")
    supply.refresh_from_db()
    assert supply.notes == "до"
    assert list(supply.lines.values_list("id", flat=True)) == lines_before
    assert not Supplier.objects.filter(name="Новый").exists()


# --- shop isolation ---------------------------------------------------------------------------


def test_another_shops_supply_is_404(manager_api: APIClient, other_shop: Shop) -> None:
    foreign = SupplyFactory(shop=other_shop, lines=1)
    for response in (
        manager_api.get(f"{URL}{foreign.id}/"),
        manager_api.patch(f"{URL}{foreign.id}/", {"notes": "x"}, format="json"),
        manager_api.delete(f"{URL}{foreign.id}/"),
        manager_api.post(f"{URL}{foreign.id}/receive/"),
        manager_api.post(f"{URL}{foreign.id}/cancel/"),
        manager_api.get(f"{URL}999999999999999999/"),
    ):
        assert_error(response, 404, "not_found")
    assert manager_api.get(URL).json()["total"] == 0
    foreign.refresh_from_db()
    assert foreign.status == SupplyStatus.DRAFT and foreign.notes == ""
    assert not StockMovement.objects.exists()


def test_another_shops_ids_in_a_body_are_400(manager_api: APIClient, shop: Shop, other_shop: Shop) -> None:
    foreign_item = StockItemFactory(shop=other_shop)
    foreign_supplier = SupplierFactory(shop=other_shop)
    own_item = StockItemFactory(shop=shop)
    line = {"stock_item_id": own_item.id, "quantity": 1, "purchase_price": "1"}
    before = _counts()
    body = assert_error(
        manager_api.post(URL, {"supplier_id": foreign_supplier.id, "lines": [line]}, format="json"), 400, "invalid"
    )
    assert "supplier_id" in body["errors"]
    body = assert_error(
        manager_api.post(
            URL, {"supplier_name": "Свой", "lines": [line, {**line, "stock_item_id": foreign_item.id}]}, format="json"
        ),
        400,
        "invalid",
    )
    assert body["errors"]["lines"][0] == {}
    assert "stock_item_id" in body["errors"]["lines"][1]
    draft = SupplyFactory(shop=shop)
    before = _counts()
    response = manager_api.patch(
        f"{URL}{draft.id}/", {"lines": [{**line, "stock_item_id": foreign_item.id}]}, format="json"
    )
    assert_error(response, 400, "invalid")
    response = manager_api.patch(f"{URL}{draft.id}/", {"supplier_id": foreign_supplier.id}, format="json")
    assert_error(response, 400, "invalid")
    assert _counts() == before


# --- role matrix ------------------------------------------------------------------------------

WRITE_ROLES = {Role.ADMIN, Role.MANAGER}
READ_ROLES = {Role.ADMIN, Role.MANAGER, Role.FLORIST}


def _requests(shop: Shop) -> list[tuple[str, Callable[[APIClient], Any], set[str], int]]:
    """(name, call, roles allowed, success status)."""
    draft = SupplyFactory(shop=shop, lines=1)
    to_receive = SupplyFactory(shop=shop, lines=1)
    to_cancel = SupplyFactory(shop=shop, lines=1)
    to_delete = SupplyFactory(shop=shop, lines=1)
    supplier = SupplierFactory(shop=shop)
    item = StockItemFactory(shop=shop)
    new = {"supplier_name": "Роль", "lines": [{"stock_item_id": item.id, "quantity": 1, "purchase_price": "1"}]}
    return [
        ("list", lambda c: c.get(URL), READ_ROLES, 200),
        ("retrieve", lambda c: c.get(f"{URL}{draft.id}/"), READ_ROLES, 200),
        ("create", lambda c: c.post(URL, new, format="json"), WRITE_ROLES, 201),
        ("patch", lambda c: c.patch(f"{URL}{draft.id}/", {"notes": "n"}, format="json"), WRITE_ROLES, 200),
        ("receive", lambda c: c.post(f"{URL}{to_receive.id}/receive/"), WRITE_ROLES, 200),
        ("cancel", lambda c: c.post(f"{URL}{to_cancel.id}/cancel/"), WRITE_ROLES, 200),
        ("delete", lambda c: c.delete(f"{URL}{to_delete.id}/"), WRITE_ROLES, 204),
        ("parse", lambda c: c.post(f"{URL}parse/", {"text": "Роза 60 1 1"}, format="json"), WRITE_ROLES, 200),
        ("suppliers list", lambda c: c.get("/api/suppliers/"), READ_ROLES, 200),
        ("suppliers retrieve", lambda c: c.get(f"/api/suppliers/{supplier.id}/"), READ_ROLES, 200),
        ("suppliers create", lambda c: c.post("/api/suppliers/", {"name": "Новый"}, format="json"), WRITE_ROLES, 201),
        (
            "suppliers patch",
            lambda c: c.patch(f"/api/suppliers/{supplier.id}/", {"notes": "n"}, format="json"),
            WRITE_ROLES,
            200,
        ),
    ]


@pytest.mark.parametrize("role", [Role.ADMIN, Role.MANAGER, Role.FLORIST, Role.COURIER])
def test_role_matrix(api_as, member, shop: Shop, role: str) -> None:
    client = api_as(member(role))
    for name, call, allowed, ok in _requests(shop):
        response = call(client)
        if role in allowed:
            assert response.status_code == ok, (name, response.status_code, response.content[:300])
        else:
            assert_error(response, 403, "permission_denied")


def test_anonymous_is_401(api: APIClient, shop: Shop) -> None:
    assert_error(api.get(URL), 401, "not_authenticated")
    assert_error(api.post(f"{URL}parse/", {"text": ""}, format="json"), 401, "not_authenticated")


def test_florist_cannot_write_anything(api_as, member, shop: Shop) -> None:
    supply = SupplyFactory(shop=shop, lines=1)
    client = api_as(member(Role.FLORIST))
    before = _counts()
    assert_error(client.post(f"{URL}{supply.id}/receive/"), 403, "permission_denied")
    assert_error(client.post(URL, {"supplier_name": "X"}, format="json"), 403, "permission_denied")
    assert _counts() == before
    assert Supply.objects.get(pk=supply.pk).status == SupplyStatus.DRAFT


# --- lists ------------------------------------------------------------------------------------


def test_filters_search_and_ordering(manager_api: APIClient, shop: Shop) -> None:
    roses = SupplierFactory(shop=shop, name="Эквадор Розы")
    kenya = SupplierFactory(shop=shop, name="Kenya Flowers")
    a = SupplyFactory(shop=shop, supplier=roses, date="2026-11-01", notes="Праздничная ПАРТИЯ")
    b = SupplyFactory(shop=shop, supplier=kenya, date="2026-11-10")
    c = SupplyFactory(shop=shop, supplier=kenya, date="2026-11-20", status=SupplyStatus.CANCELLED)

    def ids(query: str) -> list[int]:
        response = manager_api.get(f"{URL}?{query}")
        assert response.status_code == 200, response.json()
        return [s["id"] for s in response.json()["items"]]

    assert ids("") == [c.id, b.id, a.id]  # newest date first
    assert ids("ordering=date") == [a.id, b.id, c.id]
    assert ids("ordering=-created_at") == [c.id, b.id, a.id]
    assert ids("status=draft") == [b.id, a.id]
    assert ids("status=draft,cancelled") == [c.id, b.id, a.id]
    assert ids(f"supplier={kenya.id}") == [c.id, b.id]
    assert ids("date_from=2026-11-10&date_to=2026-11-10") == [b.id]
    assert ids("date_from=2026-11-05") == [c.id, b.id]
    assert ids("search=эквадор") == [a.id]  # Cyrillic, case-insensitive, on the supplier's name
    assert ids("search=партия") == [a.id]  # the notes
    assert ids("search=KENYA") == [c.id, b.id]
    assert ids("limit=1&skip=1") == [b.id]
    for bad in (
        "status=lost",
        "supplier=abc",
        "supplier=99999999999999999999999",
        "supplier=0",
        "date_from=yesterday",
        "date_to=10.11.2026",
        "ordering=total",
        "limit=0",
        "search=" + "x" * 101,
    ):
        assert_error(manager_api.get(f"{URL}?{bad}"), 400, "invalid")


def test_list_query_count_does_not_grow(manager_api: APIClient, shop: Shop, django_assert_max_num_queries) -> None:
    SupplyFactory(shop=shop, lines=5)
    with django_assert_max_num_queries(5) as one:
        response = manager_api.get(URL)
    assert response.json()["total"] == 1
    for _ in range(19):
        supply = SupplyFactory(shop=shop, lines=5)
    services.supply_receive(supply=supply, actor=None)  # received_by/stock items loaded the same way
    with django_assert_max_num_queries(5) as twenty:
        response = manager_api.get(URL)
    assert response.json()["total"] == 20
    assert all(len(s["lines"]) == 5 for s in response.json()["items"])
    assert len(twenty.captured_queries) == len(one.captured_queries)


# --- parse --------------------------------------------------------------------------------------


def test_parse(manager_api: APIClient, shop: Shop) -> None:
    item = StockItemFactory(shop=shop, name="Роза Фридом", height_cm=60)
    response = manager_api.post(f"{URL}parse/", {"text": "роза фридом 60 250,50 450\nплохая строка"}, format="json")
    assert response.status_code == 200, response.json()
    data = response.json()
    assert data["errors"] == [{"line": 2, "message": data["errors"][0]["message"]}]
    assert data["items"] == [
        {
            "line": 1,
            "name": "роза фридом",
            "height_cm": 60,
            "purchase_price": "250.50",
            "quantity": 450,
            "match": "exact",
            "stock_item_id": item.id,
            "stock_item": {"id": item.id, "name": "Роза Фридом", "height_cm": 60, "unit": "stem"},
            "suggestions": [],
        }
    ]
    assert manager_api.post(f"{URL}parse", {"text": ""}, format="json").json() == {"items": [], "errors": []}


def test_parse_bad_input(manager_api: APIClient, shop: Shop) -> None:
    assert_error(manager_api.post(f"{URL}parse/", {"text": "x" * 100_001}, format="json"), 400, "invalid")
    assert_error(manager_api.post(f"{URL}parse/", {"text": "Роза 60 1 1\n" * 1001}, format="json"), 400, "invalid")
    assert_error(manager_api.post(f"{URL}parse/", {}, format="json"), 400, "invalid")
    assert_error(manager_api.post(f"{URL}parse/", {"text": ["a"]}, format="json"), 400, "invalid")
    # "parse" is a route of its own, never taken for an id
    assert_error(manager_api.get(f"{URL}parse/"), 405, "method_not_allowed")
    assert_error(manager_api.patch(f"{URL}parse/", {}, format="json"), 405, "method_not_allowed")


# --- suppliers ----------------------------------------------------------------------------------


def test_suppliers_create_update_search(manager_api: APIClient, shop: Shop, other_shop: Shop) -> None:
    SupplierFactory(shop=other_shop, name="Голландия")
    response = manager_api.post(
        "/api/suppliers/", {"name": "Голландия", "phone": "8 (701) 123-45-67", "notes": "по вторникам"}, format="json"
    )
    assert response.status_code == 201, response.json()
    supplier = response.json()
    assert supplier["phone"] == "+77011234567"
    body = assert_error(manager_api.post("/api/suppliers/", {"name": "ГОЛЛАНДИЯ"}, format="json"), 400, "invalid")
    assert "name" in body["errors"]
    assert_error(manager_api.post("/api/suppliers/", {"name": "X", "phone": "12"}, format="json"), 400, "invalid")
    response = manager_api.patch(f"/api/suppliers/{supplier['id']}/", {"name": "Голландия опт"}, format="json")
    assert response.status_code == 200 and response.json()["name"] == "Голландия опт"
    assert [s["id"] for s in manager_api.get("/api/suppliers/?search=голландия").json()["items"]] == [supplier["id"]]
    assert manager_api.get("/api/suppliers/?search=70112345").json()["total"] == 1
    foreign = Supplier.objects.get(shop=other_shop)
    assert_error(manager_api.get(f"/api/suppliers/{foreign.id}/"), 404, "not_found")
    assert_error(manager_api.patch(f"/api/suppliers/{foreign.id}/", {"name": "x"}, format="json"), 404, "not_found")
    assert_error(manager_api.delete(f"/api/suppliers/{supplier['id']}/"), 405, "method_not_allowed")


def test_supply_lines_factory_stays_in_one_shop(shop: Shop) -> None:
    line = SupplyLineFactory(supply=SupplyFactory(shop=shop))
    assert line.stock_item.shop_id == line.supply.shop_id == line.supply.supplier.shop_id == shop.id
