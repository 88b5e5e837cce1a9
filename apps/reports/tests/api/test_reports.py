"""The report endpoints: shapes and money as strings, the role matrix, shop isolation, bad
periods (400 in the contract's body), and a constant number of queries."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from decimal import Decimal
from typing import Any

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from rest_framework.test import APIClient

from apps.orders.models import Order, OrderStatus
from apps.reports import selectors
from apps.reports.tests.conftest import World
from apps.shops.models import Membership
from apps.shops.tests.factories import MembershipFactory, ShopFactory
from flowercrm.roles import Role

pytestmark = pytest.mark.django_db

REPORTS = ["sales", "products", "stock", "receivables", "staff"]


def _period(world: World) -> str:
    return f"date_from={world.date_from.isoformat()}&date_to={world.date_to.isoformat()}"


@pytest.fixture
def client_of(api_as: Callable[[Membership], APIClient]) -> Callable[[World, str], APIClient]:
    def make(world: World, role: str) -> APIClient:
        return api_as(MembershipFactory(shop=world.shop, role=role))

    return make


@pytest.mark.parametrize("name", REPORTS)
@pytest.mark.parametrize(
    ("role", "expected"), [(Role.ADMIN, 200), (Role.MANAGER, 200), (Role.FLORIST, 403), (Role.COURIER, 403)]
)
def test_role_matrix(world: World, client_of: Any, name: str, role: str, expected: int) -> None:
    response = client_of(world, role).get(f"/api/reports/{name}/?{_period(world)}")
    assert response.status_code == expected, response.content
    if expected == 403:
        assert response.json()["code"] == "permission_denied"


@pytest.mark.parametrize("name", REPORTS)
def test_anonymous_is_401(api: APIClient, name: str) -> None:
    assert api.get(f"/api/reports/{name}/").status_code == 401


def test_sales_answer_is_the_selector_in_json(world: World, client_of: Any) -> None:
    body = client_of(world, Role.MANAGER).get(f"/api/reports/sales?{_period(world)}&group=week").json()
    report = selectors.sales_report(shop=world.shop, date_from=world.date_from, date_to=world.date_to, group="week")
    assert body["currency"] == "KZT" and body["group"] == "week"
    assert body["totals"]["revenue"] == f"{report['totals']['revenue']:.2f}"
    assert isinstance(body["totals"]["paid"], str) and isinstance(body["totals"]["orders"], int)
    assert [p["period"] for p in body["by_period"]] == [p["period"].isoformat() for p in report["by_period"]]
    assert sum(Decimal(p["revenue"]) for p in body["by_period"]) == Decimal(body["totals"]["revenue"])
    assert sum(Decimal(m["amount"]) for m in body["by_payment_method"]) == Decimal(body["totals"]["paid"])


def test_every_report_answers_money_as_strings(world: World, client_of: Any) -> None:
    api = client_of(world, Role.ADMIN)
    products = api.get(f"/api/reports/products/?{_period(world)}&limit=2").json()
    assert len(products["items"]) == 2 and products["total"] == 3
    assert all(isinstance(i["cost"], str) and isinstance(i["margin"], str) for i in products["items"])
    stock = api.get(f"/api/reports/stock/?{_period(world)}").json()
    assert isinstance(stock["stock_value"], str)
    assert [r["reason"] for r in stock["write_offs"]["by_reason"]] == ["wilted", "damaged", "lost", "other"]
    receivables = api.get("/api/reports/receivables/?limit=3").json()
    assert len(receivables["items"]) == 3 and receivables["total"] > 3
    assert all(isinstance(i["amount_due"], str) for i in receivables["items"])
    staff = api.get(f"/api/reports/staff/?{_period(world)}").json()
    assert staff["couriers"] and staff["florists"]


def test_another_shops_data_never_counts(world: World, client_of: Any) -> None:
    """The same request from the other shop of the fixture sees only that shop's rows."""
    other = Order.objects.exclude(shop=world.shop).first()
    assert other is not None
    theirs = MembershipFactory(shop=other.shop, role=Role.ADMIN)
    mine = client_of(world, Role.ADMIN).get(f"/api/reports/sales/?{_period(world)}").json()
    api = APIClient()
    from apps.shops.sessions import tokens_issue

    api.credentials(HTTP_AUTHORIZATION=f"Bearer {tokens_issue(membership=theirs).access}")
    body = api.get(f"/api/reports/sales/?{_period(world)}").json()
    expected = [
        o
        for o in Order.objects.filter(shop=other.shop).exclude(status=OrderStatus.CANCELLED)
        if world.date_from <= o.delivery_date <= world.date_to
    ]
    assert body["totals"]["orders"] == len(expected) < mine["totals"]["orders"]
    assert Decimal(body["totals"]["revenue"]) == sum(o.total for o in expected)
    receivables = api.get("/api/reports/receivables/?limit=500").json()
    assert {i["id"] for i in receivables["items"]} <= set(
        Order.objects.filter(shop=other.shop).values_list("id", flat=True)
    )


def test_an_empty_shop_answers_zeros(manager_api: APIClient) -> None:
    body = manager_api.get("/api/reports/sales/").json()
    assert body["totals"]["orders"] == 0 and body["totals"]["revenue"] == "0.00"
    assert len(body["by_period"]) == 30 and all(p["paid"] == "0.00" for p in body["by_period"])
    assert manager_api.get("/api/reports/receivables/").json() == {
        "currency": "KZT",
        "items": [],
        "total": 0,
        "amount_due": "0.00",
    }


@pytest.mark.parametrize(
    "query",
    [
        "date_from=2026-13-01",
        "date_from=yesterday",
        "date_to=2026-02-30",
        "date_from=0001-01-01&date_to=0001-01-02",
        "date_from=2026-03-02&date_to=2026-03-01",
        "date_from=2025-01-01&date_to=2026-01-02",
        "group=year",
        "date_from=2026-01-01%00",
    ],
)
@pytest.mark.parametrize("name", ["sales", "products", "stock", "staff"])
def test_a_bad_period_is_400(manager_api: APIClient, name: str, query: str) -> None:
    response = manager_api.get(f"/api/reports/{name}/?{query}")
    assert response.status_code == 400, response.content
    body = response.json()
    assert body["code"] == "invalid" and body["detail"]
    if "%00" not in query and (name == "sales" or "group" not in query):
        assert set(body["errors"]) <= {"date_from", "date_to", "group"}


@pytest.mark.parametrize("query", ["limit=0", "limit=501", "limit=x"])
def test_a_bad_limit_is_400(manager_api: APIClient, query: str) -> None:
    assert manager_api.get(f"/api/reports/products/?{query}").status_code == 400
    assert manager_api.get(f"/api/reports/receivables/?{query}").status_code == 400


def test_the_default_period_is_the_last_30_days_in_the_shops_zone(manager_api: APIClient) -> None:
    body = manager_api.get("/api/reports/stock/").json()
    date_from, date_to = dt.date.fromisoformat(body["date_from"]), dt.date.fromisoformat(body["date_to"])
    assert (date_to - date_from).days == 29


def _queries(api: APIClient, url: str) -> int:
    with CaptureQueriesContext(connection) as captured:
        assert api.get(url).status_code == 200
    return len(captured)


# Per request: the membership behind the token (1), then the report's own queries.
REPORT_QUERIES = {"sales": 2, "products": 3, "stock": 3, "receivables": 2, "staff": 2}


@pytest.mark.parametrize("name", REPORTS)
def test_a_constant_number_of_queries(
    world: World, client_of: Any, name: str, django_assert_num_queries: Any, api_as: Any
) -> None:
    """The same count for an empty shop and the generated one, for 1 day and for 366 days."""
    empty = api_as(MembershipFactory(shop=ShopFactory(), role=Role.ADMIN))
    full = client_of(world, Role.ADMIN)
    day = world.date_to.isoformat()
    year_from = (world.date_to - dt.timedelta(days=365)).isoformat()
    urls = [
        f"/api/reports/{name}/?date_from={day}&date_to={day}",
        f"/api/reports/{name}/?date_from={year_from}&date_to={day}",
    ]
    counts = {_queries(api, url) for api in (empty, full) for url in urls}
    assert len(counts) == 1, counts
    overhead = counts.pop() - REPORT_QUERIES[name]
    with django_assert_num_queries(overhead + REPORT_QUERIES[name]):
        full.get(urls[1])
    assert overhead <= 2
