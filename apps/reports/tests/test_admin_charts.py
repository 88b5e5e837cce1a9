"""The reports on the admin dashboard (issue 16, point 3): the charts' tables hold the
selectors' figures, the period picker, the CSV download of each table (own shop, admins and
managers only) and a fixed number of queries."""

from __future__ import annotations

import csv
import datetime as dt
import io
import json
import re
from decimal import Decimal
from typing import Any

import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext

from apps.accounts.models import User
from apps.accounts.tests.factories import UserFactory
from apps.orders.models import PaymentMethod
from apps.reports.dashboard import dashboard_build, period_last
from apps.reports.selectors import products_report, receivables_report, sales_report, stock_report
from apps.reports.tests.conftest import World
from apps.shops import services as shop_services
from apps.shops.models import Shop
from apps.shops.tests.factories import MembershipFactory, ShopFactory
from apps.warehouse.models import WriteOffReason
from flowercrm.money import money_text
from flowercrm.roles import Role

pytestmark = pytest.mark.django_db

INDEX = "/admin/"


def client_of(user: User) -> Client:
    client = Client()
    client.force_login(user)
    return client


def admin_user(world: World) -> User:
    """The world's admin, let into the admin site (``staff_add`` would set ``is_staff``; the
    world's factory does not)."""
    User.objects.filter(pk=world.admin.user_id).update(is_staff=True)
    return User.objects.get(pk=world.admin.user_id)


def charts(response: Any) -> dict[str, Any]:
    assert response.status_code == 200
    context = response.context["dashboard_charts"]
    assert context is not None
    return dict(context)


def table(context: dict[str, Any], key: str) -> Any:
    return next(item["table"] for item in context["tables"] if item["table"].key == key)


def csv_rows(response: Any) -> list[list[str]]:
    body = b"".join(response.streaming_content).decode("utf-8")
    assert body.startswith("\ufeff")
    return list(csv.reader(io.StringIO(body[1:]), delimiter=";"))


# --- what the charts show ----------------------------------------------------------------------


def test_the_charts_hold_the_reports_figures(world: World) -> None:
    response = client_of(admin_user(world)).get(INDEX)
    context = charts(response)
    period = context["period"]
    assert period.date_to == world.today and period.length == 30 and period.days == 30
    sales = sales_report(shop=world.shop, date_from=period.date_from, date_to=period.date_to)
    products = products_report(shop=world.shop, date_from=period.date_from, date_to=period.date_to)
    stock = stock_report(shop=world.shop, date_from=period.date_from, date_to=period.date_to)
    owing = receivables_report(shop=world.shop)

    revenue = table(context, "revenue")
    assert [row[0] for row in revenue.rows] == [period.date_from + dt.timedelta(days=n) for n in range(30)]
    assert [(r["orders"], r["revenue"], r["paid"]) for r in sales["by_period"]] == [
        (row[1], row[2], row[3]) for row in revenue.rows
    ]
    assert revenue.total[1:] == [sales["totals"]["orders"], sales["totals"]["revenue"], sales["totals"]["paid"]]
    assert sales["totals"]["revenue"] > 0 and sales["totals"]["paid"] > 0

    payments = table(context, "payments")
    assert sorted((row[0], row[1], row[2]) for row in payments.rows) == sorted(
        (str(PaymentMethod(m["method"]).label), m["count"], m["amount"]) for m in sales["by_payment_method"]
    )
    assert payments.total[2] == sales["totals"]["paid"]

    top = table(context, "products")
    assert [(row[0], row[1], row[2], row[3], row[4]) for row in top.rows] == [
        (i["name"], i["quantity"], i["revenue"], i["cost"], i["margin"]) for i in products["items"][:10]
    ]
    for row in top.rows:
        assert row[5] == (row[4] / row[2] * 100).quantize(Decimal("0.1"))

    losses = table(context, "write-offs")
    expected = {
        str(WriteOffReason(r["reason"]).label): (r["quantity"], r["cost"])
        for r in stock["write_offs"]["by_reason"]
        if r["quantity"]
    }
    assert {row[0]: (row[1], row[2]) for row in losses.rows} == expected
    assert len(expected) == len(WriteOffReason)  # the world writes off every reason
    assert losses.total[2] == stock["write_offs"]["cost"]

    assert context["dashboard"].receivables_total == owing["amount_due"] > 0
    assert context["dashboard"].receivables_orders == owing["total"]
    assert len(table(context, "receivables").rows) == min(10, owing["total"])


def test_the_page_embeds_each_chart_as_json_and_a_table_under_it(world: World) -> None:
    response = client_of(admin_user(world)).get(INDEX)
    html = response.content.decode()
    for key in ("revenue", "payments", "products", "write-offs"):
        assert f'<canvas id="chart-{key}" data-chart="chart-data-{key}"' in html
        match = re.search(rf'<script id="chart-data-{key}" type="application/json">(.*?)</script>', html, re.S)
        assert match, key
        data = json.loads(match.group(1))
        assert data["currency"] == world.shop.currency and data["labels"] and data["series"]
        assert f'id="table-{key}"' in html
    # The scripts are static files; no inline script (CSP-friendly), nothing from a CDN.
    assert "/static/reports/vendor/chart.umd.min.js" in html and "/static/reports/dashboard.js" in html
    assert not re.search(r"<script(?![^>]*(src=|type=\"application/json\"))[^>]*>", html)
    assert "cdn" not in html.lower()
    # Money and days as Russians read them.
    owing = receivables_report(shop=world.shop)
    assert money_text(owing["amount_due"], world.shop.currency) in html
    assert re.search(r"(января|февраля|марта|апреля|мая|июня|июля|августа|сентября|октября|ноября|декабря)", html)
    assert "Выручка по дням" in html


def test_revenue_series_sum_to_the_total(world: World) -> None:
    context = charts(client_of(admin_user(world)).get(INDEX, {"days": 7}))
    revenue = next(item for item in context["tables"] if item["table"].key == "revenue")
    series = {s["key"]: s["data"] for s in revenue["chart"]["series"]}
    assert len(revenue["chart"]["labels"]) == 7
    assert sum(Decimal(str(v)) for v in series["revenue"]) == revenue["table"].total[2]


# --- the period picker -------------------------------------------------------------------------


@pytest.mark.parametrize("days", [7, 30, 90])
def test_presets(world: World, days: int) -> None:
    context = charts(client_of(admin_user(world)).get(INDEX, {"days": days}))
    assert context["period"].length == days and context["period"].date_to == world.today
    assert [p["current"] for p in context["presets"]] == [d == days for d in (7, 30, 90)]
    assert not context["errors"]


def test_an_explicit_range(world: World) -> None:
    start, end = world.date_from, world.date_from + dt.timedelta(days=3)
    context = charts(
        client_of(admin_user(world)).get(INDEX, {"date_from": start.isoformat(), "date_to": end.isoformat()})
    )
    assert (context["period"].date_from, context["period"].date_to, context["period"].days) == (start, end, None)
    sales = sales_report(shop=world.shop, date_from=start, date_to=end)
    assert table(context, "revenue").total[2] == sales["totals"]["revenue"]
    assert f"date_from={start.isoformat()}" in context["tables"][0]["csv_url"]


@pytest.mark.parametrize(
    "query",
    [
        {"date_from": "2026-05-10", "date_to": "2026-05-01"},  # reversed
        {"date_from": "2024-01-01", "date_to": "2025-06-01"},  # over 366 days
        {"date_from": "2026-05-10"},  # one end
        {"date_from": "вчера", "date_to": "2026-05-01"},
        {"days": "45"},
        {"days": "x" * 500},
        {"shop": "-1"},
        {"date_from": "0001-01-01", "date_to": "0001-01-02"},
    ],
)
def test_bad_periods_show_the_default_with_the_reason(world: World, query: dict[str, str]) -> None:
    context = charts(client_of(admin_user(world)).get(INDEX, query))
    assert context["period"].length == 30 and context["period"].date_to == world.today
    assert context["errors"]


# --- CSV ---------------------------------------------------------------------------------------


@pytest.mark.parametrize("key", ["revenue", "payments", "products", "write-offs", "receivables"])
def test_each_table_downloads_as_the_rows_shown(world: World, key: str) -> None:
    client = client_of(admin_user(world))
    context = charts(client.get(INDEX, {"days": 7}))
    item = next(i for i in context["tables"] if i["table"].key == key)
    response = client.get(item["csv_url"])
    assert response.status_code == 200
    assert response["Content-Type"] == "text/csv; charset=utf-8"
    assert response["Content-Disposition"].startswith(f'attachment; filename="{key}-{world.shop.pk}-')
    rows = csv_rows(response)
    shown = item["table"]
    assert rows[0] == shown.csv_header()
    assert rows[1:] == [[str(c) for c in row] for row in shown.csv_rows()]
    assert len(rows) - 1 == len(shown.rows) + (1 if shown.total is not None else 0)


def test_csv_money_is_exact_and_days_are_iso(world: World) -> None:
    client = client_of(admin_user(world))
    rows = csv_rows(client.get("/admin/reports/revenue.csv", {"days": 30}))
    assert rows[0] == ["День", "Заказы", f"Выручка, {world.shop.currency}", f"Получено, {world.shop.currency}"]
    sales = sales_report(shop=world.shop, date_from=world.today - dt.timedelta(days=29), date_to=world.today)
    assert rows[-1] == [
        "Итого",
        str(sales["totals"]["orders"]),
        str(sales["totals"]["revenue"]),
        str(sales["totals"]["paid"]),
    ]
    assert rows[1][0] == (world.today - dt.timedelta(days=29)).isoformat()


def test_csv_bad_period_is_400_and_unknown_table_404(world: World) -> None:
    client = client_of(admin_user(world))
    response = client.get("/admin/reports/revenue.csv", {"date_from": "2026-05-10", "date_to": "2026-05-01"})
    assert response.status_code == 400
    assert response.json()["code"] == "invalid"
    assert client.get("/admin/reports/nothing.csv").status_code == 404
    assert client.get("/admin/reports/revenue.csv", {"days": "\x00"}).status_code == 400


def test_csv_of_another_shop_is_404(world: World) -> None:
    other = ShopFactory(name="Чужой магазин")
    client = client_of(admin_user(world))
    assert client.get("/admin/reports/revenue.csv", {"shop": other.pk}).status_code == 404
    assert client.get("/admin/reports/revenue.csv", {"shop": 10**9}).status_code == 404


def test_role_matrix_for_csv(world: World) -> None:
    """Admins and managers read; florists and couriers never reach the admin (no ``is_staff``);
    nobody logged in is sent to the login page; a person who manages one shop and is a florist
    in another reads only the first."""
    shop = world.shop
    matrix = ((Role.ADMIN, True), (Role.MANAGER, True), (Role.FLORIST, False), (Role.COURIER, False))
    for n, (role, allowed) in enumerate(matrix):
        membership = shop_services.staff_add(shop=shop, phone=f"+770155500{n}9", name=role, role=role).membership
        response = client_of(User.objects.get(pk=membership.user_id)).get("/admin/reports/payments.csv")
        assert (response.status_code == 200) is allowed, (role, response.status_code)
        if not allowed:
            assert response.status_code == 302 and "/admin/login/" in response["Location"]
    anonymous = Client().get("/admin/reports/payments.csv")
    assert anonymous.status_code == 302 and "/admin/login/" in anonymous["Location"]

    other = ShopFactory(name="Второй")
    manager = shop_services.staff_add(shop=other, phone="+77015559999", name="Двое", role=Role.MANAGER).membership
    MembershipFactory(shop=shop, user_id=manager.user_id, role=Role.FLORIST)  # a florist here
    client = client_of(User.objects.get(pk=manager.user_id))
    assert client.get("/admin/reports/payments.csv", {"shop": other.pk}).status_code == 200
    assert client.get("/admin/reports/payments.csv", {"shop": shop.pk}).status_code == 404


def test_a_superuser_picks_the_shop(world: World) -> None:
    root = UserFactory(is_superuser=True, is_staff=True)
    client = client_of(root)
    context = charts(client.get(INDEX, {"shop": world.shop.pk}))
    assert context["shop"] == world.shop
    assert f"shop={world.shop.pk}" in context["tables"][0]["csv_url"]
    assert len(context["shops"]) >= 2  # the picker lists every shop
    assert client.get("/admin/reports/payments.csv", {"shop": world.shop.pk}).status_code == 200


def test_another_shops_data_never_shows(world: World) -> None:
    """The world has another shop with orders, payments and write-offs: a new shop's manager
    sees zeros."""
    empty = ShopFactory(name="Пустой")
    manager = shop_services.staff_add(shop=empty, phone="+77015550001", name="Новенький", role=Role.MANAGER).membership
    context = charts(client_of(User.objects.get(pk=manager.user_id)).get(INDEX))
    assert table(context, "revenue").total[1:] == [0, Decimal("0.00"), Decimal("0.00")]
    assert table(context, "payments").rows == [] and table(context, "products").rows == []
    assert table(context, "write-offs").rows == [] and table(context, "receivables").rows == []
    assert context["dashboard"].receivables_total == 0


# --- cost ----------------------------------------------------------------------------------------


def _queries(client: Client, **query: Any) -> int:
    with CaptureQueriesContext(connection) as captured:
        assert client.get(INDEX, query).status_code == 200
    return len(captured.captured_queries)


def test_the_dashboard_costs_a_fixed_number_of_queries(world: World) -> None:
    """The same count for a shop with a month of data and for an empty one, for 7 or 90 days."""
    busy = client_of(admin_user(world))
    empty_shop: Shop = ShopFactory(name="Пустой")
    manager = shop_services.staff_add(shop=empty_shop, phone="+77015550002", name="Новенький", role=Role.MANAGER)
    empty = client_of(User.objects.get(pk=manager.membership.user_id))
    counts = {_queries(busy, days=7), _queries(busy, days=90), _queries(empty, days=7), _queries(empty, days=90)}
    assert len(counts) == 1, counts
    # Session, user, the memberships and shops, the panels (tests/test_admin_site.py) and the
    # charts' 10 (below).
    assert counts.pop() == 23


def test_the_charts_cost_one_call_of_each_report_selector(world: World, django_assert_num_queries: Any) -> None:
    """sales 2, products 3, stock 3, receivables 2 (``apps.reports.selectors``)."""
    for days in (7, 90):
        with django_assert_num_queries(10):
            dashboard_build(shop=world.shop, period=period_last(shop=world.shop, days=days))


def test_an_empty_period_draws_no_chart_and_says_so(world: World) -> None:
    client = client_of(admin_user(world))
    old = world.today - dt.timedelta(days=300)
    response = client.get(INDEX, {"date_from": old.isoformat(), "date_to": (old + dt.timedelta(days=6)).isoformat()})
    context = charts(response)
    assert all(item["chart"] is None for item in context["tables"])
    html = response.content.decode()
    assert "<canvas" not in html
    assert "За этот период нет ни заказов, ни оплат." in html
    assert len(table(context, "revenue").rows) == 7  # the days are still listed, with zeros
