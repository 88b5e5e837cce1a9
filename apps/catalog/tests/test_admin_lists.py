"""The product list: photo, name, category, price, sale price, cost, margin, active; filters
by category and activity; the shop's products only."""

from __future__ import annotations

from decimal import Decimal

import pytest
from django.test import Client

from apps.catalog.tests.factories import ProductComponentFactory, ProductFactory
from apps.orders.tests.factories import make_stock
from apps.shops.models import Shop
from apps.shops.tests.factories import MembershipFactory
from flowercrm.roles import Role
from flowercrm.tests.admin_data import admin_browser

pytestmark = pytest.mark.django_db

PRODUCTS = "/admin/catalog/product/"


@pytest.fixture
def manager(shop: Shop) -> Client:
    return admin_browser(MembershipFactory(shop=shop, role=Role.MANAGER))


def test_the_list_shows_price_sale_price_cost_and_margin(manager: Client, shop: Shop) -> None:
    rose = make_stock(shop, name="Роза", unit_price="500")
    bouquet = ProductFactory(shop=shop, name="Букет", price=Decimal("15000"), sale_price=Decimal("12000"))
    ProductComponentFactory(product=bouquet, stock_item=rose, quantity=11)
    response = manager.get(PRODUCTS)
    assert response.context["cl"].list_display == [
        "action_checkbox",
        "thumbnail",
        "name",
        "category",
        "price",
        "sale_price",
        "cost",
        "margin",
        "margin_percent",
        "is_active",
    ]
    html = response.content.decode()
    assert '<td class="field-cost">5500,00</td>' in html
    assert '<td class="field-margin">6500,00</td>' in html  # the sale price is what is paid


def test_category_and_active_filters_and_the_shop_only(manager: Client, shop: Shop, other_shop: Shop) -> None:
    bouquet = ProductFactory(shop=shop, category="bouquet")
    potted = ProductFactory(shop=shop, category="potted")
    hidden = ProductFactory(shop=shop, category="bouquet", is_active=False)
    ProductFactory(shop=other_shop, category="potted")

    def ids(**params: str) -> set[int]:
        return {p.pk for p in manager.get(PRODUCTS, params).context["cl"].result_list}

    assert ids() == {bouquet.pk, potted.pk, hidden.pk}
    assert ids(category__exact="potted") == {potted.pk}
    assert ids(is_active__exact="0") == {hidden.pk}
