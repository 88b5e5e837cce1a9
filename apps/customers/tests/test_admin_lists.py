"""The customer list: statistics from the orders (as the API's list), filters by orders,
upcoming important dates and tags — the shop's own only — and a change page that fits."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest
from django.test import Client

from apps.customers.admin import UpcomingDateFilter
from apps.customers.tests.factories import ImportantDateFactory, TagFactory
from apps.orders.models import OrderStatus
from apps.orders.tests.factories import make_customer, make_order
from apps.shops.models import Shop
from apps.shops.tests.factories import MembershipFactory
from flowercrm.roles import Role
from flowercrm.tests.admin_data import admin_browser

pytestmark = pytest.mark.django_db

CUSTOMERS = "/admin/customers/customer/"


@pytest.fixture
def manager(shop: Shop) -> Client:
    return admin_browser(MembershipFactory(shop=shop, role=Role.MANAGER))


def _rows(client: Client, **params: str) -> dict[int, object]:
    response = client.get(CUSTOMERS, params)
    assert response.status_code == 200
    return {row.pk: row for row in response.context["cl"].result_list}


def test_the_list_shows_orders_count_total_spent_last_order_and_tags(manager: Client, shop: Shop) -> None:
    buyer = make_customer(shop, name="Айгерим")
    TagFactory(customer=buyer, name="постоянный")
    TagFactory(customer=buyer, name="vip")
    make_order(shop, customer=buyer, total="10000.00", payments=("10000.00",))
    make_order(shop, customer=buyer, total="5000.00", status=OrderStatus.CANCELLED)
    rows = _rows(manager)
    row = rows[buyer.pk]
    assert (row.orders_count, row.total_spent) == (1, Decimal("10000.00"))  # type: ignore[attr-defined]
    html = manager.get(CUSTOMERS).content.decode()
    assert "vip, постоянный" in html
    assert '<td class="field-orders_count">1</td>' in html


def test_has_orders_filter(manager: Client, shop: Shop) -> None:
    buyer = make_customer(shop, name="Айгерим")
    make_order(shop, customer=buyer)
    quiet = make_customer(shop, name="Дана", phone="+77019990001")
    cancelled_only = make_customer(shop, name="Ерлан", phone="+77019990002")
    make_order(shop, customer=cancelled_only, status=OrderStatus.CANCELLED)
    assert set(_rows(manager, has_orders="yes")) == {buyer.pk}
    assert set(_rows(manager, has_orders="no")) == {quiet.pk, cancelled_only.pk}


def test_upcoming_dates_filter_wraps_the_year_end(manager: Client, shop: Shop, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(UpcomingDateFilter, "today", staticmethod(lambda: dt.date(2026, 12, 28)))
    soon = make_customer(shop, name="Новогодняя", phone="+77019990003")
    ImportantDateFactory(customer=soon, day=2, month=1, title="Годовщина")
    month = make_customer(shop, name="Январская", phone="+77019990004")
    ImportantDateFactory(customer=month, day=20, month=1, title="День рождения")
    later = make_customer(shop, name="Весенняя", phone="+77019990005")
    ImportantDateFactory(customer=later, day=8, month=3)
    assert set(_rows(manager, upcoming="7")) == {soon.pk}
    assert set(_rows(manager, upcoming="30")) == {soon.pk, month.pk}


def test_tag_filter_offers_only_the_shops_tags(manager: Client, shop: Shop, other_shop: Shop) -> None:
    mine = make_customer(shop, name="Айгерим")
    TagFactory(customer=mine, name="постоянный")
    other = make_customer(shop, name="Дана", phone="+77019990006")
    TagFactory(customer=make_customer(other_shop, name="Чужой"), name="чужой тег")
    response = manager.get(CUSTOMERS)
    spec = next(s for s in response.context["cl"].filter_specs if getattr(s, "parameter_name", "") == "tag")
    assert [value for value, _label in spec.lookup_choices] == ["постоянный"]
    assert set(_rows(manager, tag="постоянный")) == {mine.pk}
    assert other.pk not in _rows(manager, tag="постоянный")
    assert _rows(manager, tag="чужой тег") == {}


def test_bad_filter_values_are_not_errors(manager: Client, shop: Shop) -> None:
    make_customer(shop)
    for params in ({"upcoming": "999"}, {"has_orders": "maybe"}, {"tag": "\u0430" * 300}):
        assert manager.get(CUSTOMERS, params).status_code == 200, params


def test_the_change_page_shows_the_statistics_and_a_compact_address_row(manager: Client, shop: Shop) -> None:
    buyer = make_customer(shop, name="Айгерим")
    make_order(shop, customer=buyer, total="7000.00")
    html = manager.get(f"{CUSTOMERS}{buyer.pk}/change/").content.decode()
    assert "field-orders_count" in html and "field-last_order" in html
    assert 'name="addresses-__prefix__-comment" cols="24" rows="2"' in html
