"""The stock list a manager looks at: the low-stock filter the dashboard links to, a negative
``available`` in red, filters by category and activity, only the shop's items."""

from __future__ import annotations

import pytest
from django.test import Client

from apps.shops.models import Shop
from apps.shops.tests.factories import MembershipFactory
from apps.warehouse.models import StockItem
from apps.warehouse.services import stock_reserve
from apps.warehouse.tests.factories import StockItemFactory
from flowercrm.roles import Role
from flowercrm.tests.admin_data import admin_browser

pytestmark = pytest.mark.django_db

ITEMS = "/admin/warehouse/stockitem/"


@pytest.fixture
def manager(shop: Shop) -> Client:
    return admin_browser(MembershipFactory(shop=shop, role=Role.MANAGER))


def _item(shop: Shop, name: str, *, quantity: int, reserved: int = 0, min_quantity: int = 0, **kw: object) -> StockItem:
    item = StockItemFactory(shop=shop, name=name, min_quantity=min_quantity, **kw)
    StockItem.objects.filter(pk=item.pk).update(quantity=quantity)  # the ledger is not the subject here
    if reserved:
        stock_reserve(shop=shop, lines={item.pk: reserved})
    item.refresh_from_db()
    return item


def _ids(client: Client, **params: str) -> set[int]:
    response = client.get(ITEMS, params)
    assert response.status_code == 200
    return {row.pk for row in response.context["cl"].result_list}


def test_low_stock_filter_is_the_warehouse_definition(manager: Client, shop: Shop, other_shop: Shop) -> None:
    """``low_stock_q``: a minimum is set and ``available`` is below it (as the API's ``?low``)."""
    short = _item(shop, "Роза", quantity=10, reserved=5, min_quantity=6)  # available 5 < 6
    oversold = _item(shop, "Пион", quantity=2, reserved=5, min_quantity=1)  # available −3
    at_minimum = _item(shop, "Гипсофила", quantity=10, reserved=4, min_quantity=6)  # available 6 = min
    no_minimum = _item(shop, "Лента", quantity=0)
    plenty = _item(shop, "Эвкалипт", quantity=30, reserved=5, min_quantity=10)
    _item(other_shop, "Чужая роза", quantity=0, min_quantity=10)
    assert _ids(manager, low="yes") == {short.pk, oversold.pk}
    assert _ids(manager, low="no") == {at_minimum.pk, no_minimum.pk, plenty.pk}
    assert len(_ids(manager)) == 5


def test_the_dashboard_link_answers_with_the_filter_chosen(manager: Client, shop: Shop) -> None:
    _item(shop, "Роза", quantity=1, min_quantity=5)
    response = manager.get(f"{ITEMS}?low=yes")
    spec = next(s for s in response.context["cl"].filter_specs if getattr(s, "parameter_name", "") == "low")
    assert spec.value() == "yes"
    assert "Заканчивается на складе" in response.content.decode()


def test_negative_available_is_highlighted(manager: Client, shop: Shop) -> None:
    _item(shop, "Пион", quantity=2, reserved=5)
    _item(shop, "Роза", quantity=9, reserved=1)
    html = manager.get(ITEMS).content.decode()
    assert '<strong class="fc-negative">-3</strong>' in html
    assert 'class="fc-negative">8<' not in html
    assert "flowercrm/admin.css" in html  # where .fc-negative is red


def test_category_and_active_filters(manager: Client, shop: Shop) -> None:
    rose = _item(shop, "Роза", quantity=1, category="flower")
    ribbon = _item(shop, "Лента", quantity=1, category="material")
    old = _item(shop, "Старая упаковка", quantity=0, category="packaging", is_active=False)
    assert _ids(manager, category__exact="material") == {ribbon.pk}
    assert _ids(manager, is_active__exact="0") == {old.pk}
    assert _ids(manager, is_active__exact="1") == {rose.pk, ribbon.pk}


def test_the_list_shows_the_columns_people_look_for(manager: Client, shop: Shop) -> None:
    response = manager.get(ITEMS)
    assert response.context["cl"].list_display == [
        "action_checkbox",  # the "export selected" actions (issue 14)
        "name",
        "category",
        "height_column",
        "unit_column",
        "on_hand_column",
        "reserved_column",
        "available",
        "min_column",
        "cost_column",
        "price_column",
    ]  # ``shop`` only for people of several shops


def test_sorting_by_available_works(manager: Client, shop: Shop) -> None:
    a = _item(shop, "А", quantity=5)
    b = _item(shop, "Б", quantity=1, reserved=3)
    c = _item(shop, "В", quantity=9)
    available = 7  # the column's index in list_display ("o=" counts from 0, the checkbox first)
    response = manager.get(ITEMS, {"o": str(available)})
    assert [row.pk for row in response.context["cl"].result_list] == [b.pk, a.pk, c.pk]
