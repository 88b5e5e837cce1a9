"""The queue's ``search`` and ``ordering=delivery`` (issue 11, item 9), and the orders list's
``ordering=delivery`` (ARCHITECTURE §11.1: date, then window start with no window last, then
number; every ordering ends with ``id``)."""

from __future__ import annotations

import datetime as dt

import pytest

from apps.catalog.models import Product
from apps.orders.models import OrderStatus
from apps.orders.services import order_transition
from apps.orders.tests.factories import make_customer, make_order, make_product
from flowercrm.roles import Role
from flowercrm.testing import assert_error

pytestmark = pytest.mark.django_db
DAY = dt.date(2026, 12, 1)


def confirmed(shop, office, product: Product, **fields):
    order = make_order(shop, office.user, product, **fields)
    order_transition(order=order, to=OrderStatus.CONFIRMED, actor=office.user, role=Role.MANAGER)
    return order


def task_numbers(client, query: str) -> list[int]:
    response = client.get(f"/api/production/tasks/?{query}")
    assert response.status_code == 200, response.json()
    return [row["order"]["number"] for row in response.json()["items"]]


def test_queue_search_by_number_recipient_item_and_buyer(shop, office, member, api_as) -> None:
    peonies = make_product(shop)
    Product.objects.filter(pk=peonies.pk).update(name="Пионы Сара Бернар")
    peonies.refresh_from_db()
    peonies.save()  # search_text follows the name
    roses = make_product(shop)
    first = confirmed(shop, office, peonies, recipient_name="Дана Сейтова")
    second = confirmed(
        shop, office, roses, recipient_name="Айгуль", customer=make_customer(shop, phone="+77019998877", name="Ерлан")
    )
    make_order(shop, office.user, peonies)  # new: no task
    client = api_as(member(Role.FLORIST))
    assert sorted(task_numbers(client, "")) == [first.number, second.number]
    assert task_numbers(client, "search=пИоНы") == [first.number]  # an item's name, any case
    assert task_numbers(client, "search=сейтова") == [first.number]  # the recipient
    assert second.number in task_numbers(client, f"search={second.number}")  # the number (a substring, as orders)
    assert task_numbers(client, "search=8 701 999") == [second.number]  # the buyer's phone, 8 as 7
    assert task_numbers(client, "search=тюльпан") == []
    assert_error(client.get("/api/production/tasks/?search=" + "x" * 101), 400, "invalid")


def test_queue_search_keeps_one_row_per_task_and_the_shop(shop, other_shop, office, member, api_as) -> None:
    bouquet = make_product(shop)
    Product.objects.filter(pk=bouquet.pk).update(name="Розы красные")
    bouquet.refresh_from_db()
    bouquet.save()
    order = confirmed(shop, office, bouquet, quantity=2)
    elsewhere = make_product(other_shop)
    Product.objects.filter(pk=elsewhere.pk).update(name="Розы красные")
    elsewhere.refresh_from_db()
    elsewhere.save()
    confirmed(other_shop, member(Role.MANAGER, shop=other_shop), elsewhere)
    response = api_as(office).get("/api/production/tasks/?search=розы")
    assert response.json()["total"] == 1
    assert [row["order"]["number"] for row in response.json()["items"]] == [order.number]


def windows(shop, office):
    """Orders of one day: 14:00, no window, 10:00, 10:00 (numbers 1..4), and one the day before."""
    product = make_product(shop)
    made = [
        confirmed(shop, office, product, delivery_date=DAY, delivery_time_from=t, delivery_time_to=t)
        for t in (dt.time(14, 0), None, dt.time(10, 0), dt.time(10, 0))
    ]
    made.append(
        confirmed(
            shop,
            office,
            product,
            delivery_date=DAY - dt.timedelta(days=1),
            delivery_time_from=None,
            delivery_time_to=None,
        )
    )
    one, none, ten_a, ten_b, day_before = (o.number for o in made)
    return [day_before, ten_a, ten_b, one, none]


def test_orders_ordering_delivery_sorts_by_date_window_then_number(shop, office, api_as) -> None:
    expected = windows(shop, office)
    client = api_as(office)
    rows = client.get("/api/orders/?ordering=delivery").json()["items"]
    assert [row["number"] for row in rows] == expected
    rows = client.get("/api/orders/?ordering=-delivery").json()["items"]
    assert [row["number"] for row in rows] == expected[::-1]


def test_queue_ordering_delivery_sorts_by_date_window_then_number(shop, office, member, api_as) -> None:
    expected = windows(shop, office)
    client = api_as(member(Role.FLORIST))
    assert task_numbers(client, "ordering=delivery") == expected
    assert task_numbers(client, "ordering=-delivery") == expected[::-1]
