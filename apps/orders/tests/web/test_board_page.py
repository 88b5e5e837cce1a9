"""``/board/``: the live board's first render — who may open it, which shop it shows, which
orders in which column, the flags, no money for florists, and a constant number of queries."""

from __future__ import annotations

import datetime as dt
import json
import re

import pytest
from django.test import Client
from django.utils import timezone

from apps.orders import board
from apps.orders.models import Order, OrderStatus
from apps.orders.tests.factories import make_order, make_product
from apps.shops.tests.factories import ShopFactory
from flowercrm.realtime.session import SESSION_SHOP_KEY
from flowercrm.roles import Role

pytestmark = pytest.mark.django_db
S = OrderStatus


def logged_in(membership) -> Client:
    client = Client()
    client.force_login(membership.user)
    return client


def today() -> dt.date:
    return timezone.localdate()


def cards_of(response) -> list[dict]:
    match = re.search(r'<script id="board-cards" type="application/json">(.*?)</script>', response.content.decode())
    assert match
    return json.loads(match.group(1))


@pytest.fixture
def day(shop, member):
    office = member(Role.MANAGER)
    product = make_product(shop, price="15000")
    orders = {
        status: make_order(shop, office.user, product, delivery_date=today(), recipient_name=f"Получатель {status}")
        for status in (S.NEW, S.CONFIRMED, S.IN_PRODUCTION, S.ASSEMBLED, S.DELIVERED, S.CANCELLED)
    }
    for status, order in orders.items():
        Order.objects.filter(pk=order.pk).update(status=status)
    orders["tomorrow"] = make_order(shop, office.user, product, delivery_date=today() + dt.timedelta(days=1))
    return office, orders


def test_anonymous_is_sent_to_the_login(client) -> None:
    response = client.get("/board/")
    assert response.status_code == 302 and response["Location"].startswith("/board/login/")


@pytest.mark.parametrize("role", [Role.ADMIN, Role.MANAGER, Role.FLORIST])
def test_office_and_florists_open_the_board(member, role) -> None:
    response = logged_in(member(role)).get("/board/")
    assert response.status_code == 200
    assert "board.js" in response.content.decode()


def test_the_trailing_slash_is_optional(member) -> None:
    assert logged_in(member(Role.MANAGER)).get("/board").status_code == 200


def test_a_courier_gets_a_403_page(member) -> None:
    response = logged_in(member(Role.COURIER)).get("/board/")
    assert response.status_code == 403
    assert response["Content-Type"].startswith("text/html")


def test_the_login_form_logs_a_florist_in(member) -> None:
    from apps.accounts.tests.factories import PASSWORD

    florist = member(Role.FLORIST)
    client = Client()
    response = client.post("/board/login/", {"username": florist.user.phone, "password": PASSWORD})
    assert response.status_code == 302 and response["Location"] == "/board/"
    assert client.get("/board/").status_code == 200
    assert Client().post("/board/login/", {"username": florist.user.phone, "password": "wrong"}).status_code == 200


def test_columns_hold_todays_orders_by_status(day) -> None:
    office, orders = day
    cards = {card["id"]: card for card in cards_of(logged_in(office).get("/board/"))}
    assert cards[orders[S.NEW].pk]["column"] == "new"
    assert cards[orders[S.IN_PRODUCTION].pk]["column"] == "in_production"
    assert cards[orders[S.DELIVERED].pk]["column"] == "delivered"
    assert orders[S.CANCELLED].pk not in cards and orders["tomorrow"].pk not in cards
    tomorrow = {card["id"] for card in cards_of(logged_in(office).get("/board/?day=tomorrow"))}
    assert tomorrow == {orders["tomorrow"].pk}


def test_a_florist_sees_no_new_orders_and_no_money(day, member) -> None:
    _office, orders = day
    response = logged_in(member(Role.FLORIST)).get("/board/")
    html = response.content.decode()
    ids = {card["id"] for card in cards_of(response)}
    assert orders[S.NEW].pk not in ids and orders[S.CONFIRMED].pk in ids
    assert 'data-column="new"' not in html
    assert "15000" not in html and "15 000" not in html
    assert all(card["unpaid"] is False for card in cards_of(response))


def test_office_cards_flag_unpaid_and_issue_and_address(day) -> None:
    office, orders = day
    Order.objects.filter(pk=orders[S.CONFIRMED].pk).update(issue_type="quality", address_needs_clarification=True)
    cards = {card["id"]: card for card in cards_of(logged_in(office).get("/board/"))}
    card = cards[orders[S.CONFIRMED].pk]
    assert card["unpaid"] and card["issue"] and card["address"]
    assert "15000" not in logged_in(office).get("/board/").content.decode()  # no amounts at all


def test_late_is_less_than_the_preparation_time_left_and_not_assembled() -> None:
    tz = dt.UTC
    row = {"id": 1, "number": 1, "status": "confirmed", "delivery_date": "2026-12-01", "delivery_time_from": "12:00"}
    at = dt.datetime(2026, 12, 1, 11, 0, tzinfo=tz)
    assert board.board_card(row, role=Role.MANAGER, now=at, tz=tz, preparation_minutes=60)["late"]
    assert not board.board_card(row, role=Role.MANAGER, now=at, tz=tz, preparation_minutes=59)["late"]
    assembled = {**row, "status": "assembled"}
    assert not board.board_card(assembled, role=Role.MANAGER, now=at, tz=tz, preparation_minutes=600)["late"]


def test_another_shops_orders_never_appear(day, other_shop, member) -> None:
    office, _orders = day
    stranger = member(Role.MANAGER, shop=other_shop)
    foreign = make_order(other_shop, stranger.user, make_product(other_shop), delivery_date=today())
    ids = {card["id"] for card in cards_of(logged_in(office).get("/board/"))}
    assert foreign.pk not in ids


def test_the_shop_switch_only_to_the_persons_shops(day, other_shop, shop, member) -> None:
    office, _orders = day
    both = member(Role.FLORIST, shop=other_shop, user=office.user)
    client = logged_in(office)
    assert client.get("/board/").status_code == 200
    client.post("/board/shop/", {"shop_id": other_shop.pk})
    assert client.session[SESSION_SHOP_KEY] == other_shop.pk
    assert other_shop.name in client.get("/board/").content.decode()
    third = member(Role.MANAGER, shop=ShopFactory())
    client.post("/board/shop/", {"shop_id": third.shop_id})
    client.post("/board/shop/", {"shop_id": "1e9"})
    assert client.session[SESSION_SHOP_KEY] == other_shop.pk
    both.is_active = False
    both.save()
    client.get("/board/")
    assert client.session[SESSION_SHOP_KEY] == shop.pk


def test_english_by_choice(member) -> None:
    client = logged_in(member(Role.MANAGER))
    client.post("/board/language/", {"language": "en"})
    html = client.get("/board/").content.decode()
    assert 'lang="en"' in html and "Tomorrow" in html


def test_the_query_count_is_constant(shop, member, django_assert_max_num_queries) -> None:
    office = member(Role.MANAGER)
    client = logged_in(office)
    product = make_product(shop)
    make_order(shop, office.user, product, delivery_date=today())
    client.get("/board/")
    with django_assert_max_num_queries(20) as one:
        client.get("/board/")
    for _ in range(10):
        make_order(shop, office.user, make_product(shop), delivery_date=today(), quantity=2)
    with django_assert_max_num_queries(len(one.captured_queries)):
        assert len(cards_of(client.get("/board/"))) == 11
