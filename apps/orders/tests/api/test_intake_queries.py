"""Order intake's cost (issue 17): ``POST /api/orders/`` with three items, query by query —
pinned here, measured by ``bench/orders_list.py --create``. Its answer is still the order's
detail exactly as a GET reads it (plus ``warnings``)."""

from __future__ import annotations

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from apps.orders.tests.factories import make_customer, make_product, make_stock, order_body

pytestmark = pytest.mark.django_db

# Statements counted by Django in a test, where the request's transaction is a savepoint of
# the test's (2 statements that are BEGIN/COMMIT in production, which Django does not count):
# authentication 1, the lines' products 1 (one query for all lines), [SAVEPOINT], the
# service's SAVEPOINT 1, products with their cost 1, the order number 1 (one upsert), the
# buyer's look-up 1 (no savepoint of its own), the order, its lines, its event 3, RELEASE 1,
# the answer (order, lines, events) 3, [RELEASE].
KNOWN_BUYER_QUERIES = 15
# An unknown phone: looked up again under the phone's lock, then inserted (a savepoint
# guarding the insert against a concurrent one): 5 more.
NEW_BUYER_QUERIES = 20


@pytest.fixture
def three(shop):
    stock = make_stock(shop, name="Роза Фридом", quantity=100)
    return [make_product(shop, price=str(10000 + i * 500), recipe={stock: 3}) for i in range(3)]


def _body(products, phone="+7 701 123 45 67"):
    return order_body(
        products[0],
        items=[{"product_id": p.id, "quantity": 1} for p in products],
        customer={"phone": phone, "name": "Айгерим"},
    )


@pytest.mark.parametrize(("buyer", "pinned"), [("known", KNOWN_BUYER_QUERIES), ("new", NEW_BUYER_QUERIES)])
def test_intake_of_three_items_takes_a_fixed_number_of_queries(shop, office, api_as, three, buyer, pinned) -> None:
    client = api_as(office)
    if buyer == "known":
        make_customer(shop, phone="+77011234567")
    client.post("/api/orders/", _body(three), format="json")  # the shop's first order: the counter row
    phone = "+7 701 123 45 67" if buyer == "known" else "+7 701 999 88 77"
    with CaptureQueriesContext(connection) as queries:
        response = client.post("/api/orders/", _body(three, phone), format="json")
    assert response.status_code == 201, response.json()
    assert len(queries.captured_queries) == pinned, [q["sql"][:80] for q in queries.captured_queries]
    assert len(response.json()["items"]) == 3


def test_the_answer_is_the_detail_as_get_reads_it(shop, office, api_as, three) -> None:
    client = api_as(office)
    created = client.post("/api/orders/", _body(three), format="json")
    assert created.status_code == 201
    body = created.json()
    warnings = body.pop("warnings")
    assert isinstance(warnings, list)
    detail = client.get(f"/api/orders/{body['id']}/").json()
    assert body == detail
    assert [event["type"] for event in body["events"]] == ["created"]
    assert body["payments"] == [] and body["photos"] == []
    assert [item["product_id"] for item in body["items"]] == [p.id for p in three]


def test_the_order_numbers_follow_each_other(shop, office, api_as, three) -> None:
    client = api_as(office)
    numbers = [client.post("/api/orders/", _body(three), format="json").json()["number"] for _ in range(3)]
    assert numbers == [numbers[0], numbers[0] + 1, numbers[0] + 2]


def test_a_line_naming_another_shops_product_is_a_400_on_that_line(shop, other_shop, office, api_as, three) -> None:
    foreign = make_product(other_shop)
    body = order_body(
        three[0], items=[{"product_id": three[0].id, "quantity": 1}, {"product_id": foreign.id, "quantity": 1}]
    )
    response = api_as(office).post("/api/orders/", body, format="json")
    assert response.status_code == 400
    errors = response.json()["errors"]["items"]
    assert errors[0] == {} and "product_id" in errors[1]
