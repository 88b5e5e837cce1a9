"""The customer admin saves through the services and is scoped to the staff user's shops."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest
from django.test import Client

from apps.customers.models import Customer
from apps.customers.tests.factories import AddressFactory, CustomerFactory, TagFactory
from apps.orders.tests.factories import make_order
from apps.shops.models import Membership, Shop
from flowercrm.roles import Role

pytestmark = pytest.mark.django_db

ADD_URL = "/admin/customers/customer/add/"


@pytest.fixture
def browser(member: Callable[..., Membership]) -> Client:
    membership = member(Role.MANAGER)
    membership.user.is_staff = True
    membership.user.save()
    client = Client()
    client.force_login(membership.user)
    return client


def inline(prefix: str, rows: list[dict[str, Any]], initial: int = 0) -> dict[str, Any]:
    data: dict[str, Any] = {
        f"{prefix}-TOTAL_FORMS": str(len(rows)),
        f"{prefix}-INITIAL_FORMS": str(initial),
        f"{prefix}-MIN_NUM_FORMS": "0",
        f"{prefix}-MAX_NUM_FORMS": "1000",
    }
    for i, row in enumerate(rows):
        data.update({f"{prefix}-{i}-{k}": v for k, v in row.items()})
    return data


def form(shop: Shop, **overrides: Any) -> dict[str, Any]:
    data = {
        "shop": str(shop.id),
        "phone": "8 701 123 45 67",
        "name": "Айгерим",
        "email": "",
        "source": "",
        "notes": "",
        **inline("addresses", [{"address": "ул. Абая 10", "is_default": "on"}, {"address": "пр. Достык 5"}]),
        **inline("important_dates", [{"day": "29", "month": "2", "title": "ДР", "remind_days_before": "3"}]),
        **inline("tags", [{"name": "VIP"}, {"name": "Корпоратив"}]),
    }
    data.update(overrides)
    return data


def test_add_with_inlines_goes_through_the_service(browser: Client, shop: Shop) -> None:
    response = browser.post(ADD_URL, form(shop))
    assert response.status_code == 302, response.content[:2000]
    customer = Customer.objects.get()
    assert customer.phone == "+77011234567" and customer.search_text
    assert list(customer.addresses.values_list("address", "is_default")) == [
        ("ул. Абая 10", True),
        ("пр. Достык 5", False),
    ]
    assert customer.important_dates.get().day == 29
    assert sorted(customer.tags.values_list("name", flat=True)) == ["VIP", "Корпоратив"]


@pytest.mark.parametrize(
    "overrides",
    [
        {"phone": "12345"},
        inline("addresses", [{"address": "a", "is_default": "on"}, {"address": "b", "is_default": "on"}]),
        inline("important_dates", [{"day": "30", "month": "2", "title": "x", "remind_days_before": "3"}]),
        inline("tags", [{"name": "VIP"}, {"name": "vip"}]),
    ],
)
def test_bad_add_shows_the_form_and_writes_nothing(browser: Client, shop: Shop, overrides: dict[str, Any]) -> None:
    response = browser.post(ADD_URL, form(shop, **overrides))
    assert response.status_code == 200  # the form again, with errors
    assert not Customer.objects.exists()


def test_duplicate_phone_is_a_form_error(browser: Client, shop: Shop) -> None:
    CustomerFactory(shop=shop, phone="+77011234567")
    response = browser.post(ADD_URL, form(shop))
    assert response.status_code == 200
    assert Customer.objects.count() == 1


def test_change_replaces_inlines(browser: Client, shop: Shop) -> None:
    customer = CustomerFactory(shop=shop, phone="+77011234567")
    address = AddressFactory(customer=customer, address="старый")
    TagFactory(customer=customer, name="VIP")
    data = form(
        shop,
        name="Новое имя",
        **inline("addresses", [{"id": str(address.id), "customer": str(customer.id), "address": "новый"}], initial=1),
        **inline("tags", []),
    )
    response = browser.post(f"/admin/customers/customer/{customer.id}/change/", data)
    assert response.status_code == 302, response.content[:2000]
    customer.refresh_from_db()
    assert customer.name == "Новое имя"
    assert list(customer.addresses.values_list("address", flat=True)) == ["новый"]
    assert customer.tags.count() == 0


def test_search_is_case_insensitive_in_cyrillic_and_by_digits(browser: Client, shop: Shop) -> None:
    CustomerFactory(shop=shop, name="Айгерим", phone="+77011234567")
    CustomerFactory(shop=shop, name="Дана", phone="+77077654321")
    for query in ("айгерим", "8 701 123"):
        content = browser.get("/admin/customers/customer/", {"q": query}).content.decode()
        assert "Айгерим" in content and "Дана" not in content


def test_other_shops_customers_are_hidden(browser: Client, other_shop: Shop) -> None:
    theirs = CustomerFactory(shop=other_shop, name="Чужой")
    assert "Чужой" not in browser.get("/admin/customers/customer/").content.decode()
    assert browser.get(f"/admin/customers/customer/{theirs.id}/change/").status_code == 302  # "not found" redirect


def test_customer_with_orders_cannot_be_deleted(browser: Client, shop: Shop) -> None:
    customer = CustomerFactory(shop=shop)
    make_order(customer.shop, customer=customer)
    browser.post(f"/admin/customers/customer/{customer.id}/delete/", {"post": "yes"})
    assert Customer.objects.filter(pk=customer.pk).exists()
