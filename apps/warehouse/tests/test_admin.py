"""Django admin of the warehouse: shop-scoped, quantities read-only, stock changes only
through the write-off and stocktake pages (the same services as the API)."""

from __future__ import annotations

from typing import Any

import pytest
from django.test import Client

from apps.accounts.models import User
from apps.accounts.tests.factories import PASSWORD
from apps.shops import services as shop_services
from apps.shops.models import Membership, Shop
from apps.warehouse.models import StockItem, StockMovement
from apps.warehouse.services import stock_reserve
from apps.warehouse.tests.factories import StockItemFactory
from flowercrm.roles import Role

pytestmark = pytest.mark.django_db

ITEMS = "/admin/warehouse/stockitem/"
MOVEMENTS = "/admin/warehouse/stockmovement/"


def staff(shop: Shop, role: str, phone: str) -> Membership:
    return shop_services.staff_add(shop=shop, phone=phone, name=role, role=role, password=PASSWORD).membership


def browser(membership: Membership) -> Client:
    client = Client()
    client.force_login(User.objects.get(pk=membership.user_id))
    return client


def changelist_ids(client: Client, path: str, **params: Any) -> set[int]:
    response = client.get(path, params)
    assert response.status_code == 200, response.status_code
    return {obj.pk for obj in response.context["cl"].result_list}


@pytest.fixture
def manager(shop_a: Shop, shop_b: Shop) -> Client:
    staff(shop_b, Role.ADMIN, "+77010000201")
    return browser(staff(shop_a, Role.MANAGER, "+77010000102"))


def _form(item: StockItem | None = None, **overrides: Any) -> dict[str, Any]:
    data: dict[str, Any] = {
        "name": "Роза Фридом",
        "category": "flower",
        "height_cm": "60",
        "unit": "stem",
        "retail_price": "500.00",
        "min_quantity": "10",
        "is_active": "on",
    }
    data.update(overrides)
    return data


def test_changelist_is_scoped_and_searches_cyrillic(manager: Client, shop_a: Shop, shop_b: Shop) -> None:
    rose = StockItemFactory(shop=shop_a, name="Роза Фридом")
    tulip = StockItemFactory(shop=shop_a, name="Тюльпан")
    StockItemFactory(shop=shop_b, name="Роза Фридом")
    assert changelist_ids(manager, ITEMS) == {rose.pk, tulip.pk}
    assert changelist_ids(manager, ITEMS, q="ФРИДОМ") == {rose.pk}


def test_add_goes_through_the_service(manager: Client, shop_a: Shop) -> None:
    response = manager.post(f"{ITEMS}add/", _form(shop=shop_a.pk, quantity="999"))
    assert response.status_code == 302, response.context["adminform"].form.errors if response.context else None
    item = StockItem.objects.get()
    assert (item.shop, item.name, item.quantity, item.search_text, item.match_key) == (
        shop_a,
        "Роза Фридом",
        0,
        "роза фридом",
        "роза фридом#60",
    )


def test_add_cannot_pick_another_shop(manager: Client, shop_b: Shop) -> None:
    response = manager.post(f"{ITEMS}add/", _form(shop=shop_b.pk))
    assert response.status_code == 200
    assert "shop" in response.context["adminform"].form.errors
    assert not StockItem.objects.exists()


def test_add_duplicate_is_a_form_error(manager: Client, shop_a: Shop) -> None:
    StockItemFactory(shop=shop_a, name="Роза Фридом", height_cm=60)
    response = manager.post(f"{ITEMS}add/", _form(shop=shop_a.pk, name="роза фридом"))
    assert response.status_code == 200
    assert "name" in response.context["adminform"].form.errors
    assert StockItem.objects.count() == 1


def test_change_never_touches_stock(manager: Client, shop_a: Shop) -> None:
    item = StockItemFactory(shop=shop_a, stock=5, stock__cost="40.00")
    page = manager.get(f"{ITEMS}{item.pk}/change/")
    assert page.status_code == 200
    assert "quantity" not in page.context["adminform"].form.fields
    response = manager.post(
        f"{ITEMS}{item.pk}/change/", _form(name="Роза Эксплорер", quantity="100", unit_cost="1.00", shop="")
    )
    assert response.status_code == 302
    item.refresh_from_db()
    assert (item.name, item.quantity, item.unit_cost, item.shop) == ("Роза Эксплорер", 5, 40, shop_a)
    assert item.search_text == "роза эксплорер"


def test_other_shops_item_is_404(manager: Client, shop_b: Shop) -> None:
    foreign = StockItemFactory(shop=shop_b, stock=5)
    assert manager.get(f"{ITEMS}{foreign.pk}/change/").status_code == 302  # admin: "does not exist" redirect
    assert manager.get(f"{ITEMS}{foreign.pk}/write-off/").status_code == 404
    assert manager.post(f"{ITEMS}{foreign.pk}/write-off/", {"quantity": 1, "reason": "lost"}).status_code == 404
    assert manager.post(f"{ITEMS}{foreign.pk}/stocktake/", {"counted_quantity": 0, "reason": "x"}).status_code == 404
    foreign.refresh_from_db()
    assert foreign.quantity == 5


def test_write_off_page(manager: Client, shop_a: Shop) -> None:
    item = StockItemFactory(shop=shop_a, stock=5)
    assert manager.get(f"{ITEMS}{item.pk}/write-off/").status_code == 200
    response = manager.post(f"{ITEMS}{item.pk}/write-off/", {"quantity": 2, "reason": "wilted", "note": ""})
    assert response.status_code == 302
    item.refresh_from_db()
    assert item.quantity == 3
    movement = StockMovement.objects.get(item=item, kind="write_off")
    assert (movement.delta, movement.reason, movement.actor.phone) == (-2, "wilted", "+77010000102")


@pytest.mark.parametrize(
    "data",
    [
        {"quantity": 6, "reason": "lost"},  # more than on hand
        {"quantity": 0, "reason": "lost"},
        {"quantity": 1, "reason": "other", "note": ""},
        {"quantity": 1, "reason": "rotten"},
    ],
)
def test_write_off_page_refuses_and_changes_nothing(manager: Client, shop_a: Shop, data: dict[str, Any]) -> None:
    item = StockItemFactory(shop=shop_a, stock=5)
    response = manager.post(f"{ITEMS}{item.pk}/write-off/", data)
    assert response.status_code == 200
    assert response.context["form"].errors
    item.refresh_from_db()
    assert item.quantity == 5
    assert StockMovement.objects.filter(item=item).count() == 1


def test_stocktake_page(manager: Client, shop_a: Shop) -> None:
    item = StockItemFactory(shop=shop_a, stock=5, stock__cost="40.00")
    response = manager.post(f"{ITEMS}{item.pk}/stocktake/", {"counted_quantity": 8, "reason": "Инвентаризация"})
    assert response.status_code == 302
    item.refresh_from_db()
    assert (item.quantity, item.unit_cost) == (8, 40)
    assert StockMovement.objects.get(item=item, kind="adjustment").delta == 3
    response = manager.post(f"{ITEMS}{item.pk}/stocktake/", {"counted_quantity": -1, "reason": "x"})
    assert response.status_code == 200 and response.context["form"].errors


def test_delete_goes_through_the_service(manager: Client, shop_a: Shop) -> None:
    used = StockItemFactory(shop=shop_a, stock=1)
    unused = StockItemFactory(shop=shop_a)
    assert manager.post(f"{ITEMS}{unused.pk}/delete/", {"post": "yes"}).status_code == 302
    assert not StockItem.objects.filter(pk=unused.pk).exists()
    manager.post(f"{ITEMS}{used.pk}/delete/", {"post": "yes"})
    assert StockItem.objects.filter(pk=used.pk).exists()
    # Reserved but never moved: no foreign key protects it, the service does.
    reserved = StockItemFactory(shop=shop_a)
    stock_reserve(shop=shop_a, lines={reserved.pk: 2})
    response = manager.post(f"{ITEMS}{reserved.pk}/delete/", {"post": "yes"})
    assert response.status_code == 302 and response["Location"].endswith(f"/{reserved.pk}/change/")
    assert StockItem.objects.filter(pk=reserved.pk).exists()
    # No bulk delete past the service (the only actions are the exports, issue 14).
    choices = dict(manager.get(ITEMS).context["action_form"].fields["action"].choices)
    assert "delete_selected" not in choices and "export_selected_csv" in choices


def test_movements_are_read_only_and_scoped(manager: Client, shop_a: Shop, shop_b: Shop) -> None:
    mine = StockItemFactory(shop=shop_a, name="Роза Фридом", stock=2)
    StockItemFactory(shop=shop_b, stock=2)
    movement = StockMovement.objects.get(item=mine)
    assert changelist_ids(manager, MOVEMENTS) == {movement.pk}
    assert changelist_ids(manager, MOVEMENTS, q="фридом") == {movement.pk}
    assert manager.get(f"{MOVEMENTS}{movement.pk}/change/").status_code == 200  # view only
    assert manager.post(f"{MOVEMENTS}{movement.pk}/change/", {"delta": 100}).status_code == 403
    assert manager.get(f"{MOVEMENTS}add/").status_code == 403
    assert manager.post(f"{MOVEMENTS}{movement.pk}/delete/", {"post": "yes"}).status_code == 403
    movement.refresh_from_db()
    assert movement.delta == 2


def test_florist_has_no_admin(shop_a: Shop) -> None:
    florist = browser(staff(shop_a, Role.FLORIST, "+77010000301"))
    item = StockItemFactory(shop=shop_a, stock=2)
    assert florist.get(ITEMS).status_code == 302  # to the login page
    assert florist.post(f"{ITEMS}{item.pk}/write-off/", {"quantity": 1, "reason": "lost"}).status_code == 302
    item.refresh_from_db()
    assert item.quantity == 2
