"""The reports on the admin dashboard in a real browser (issue 16): the vendored Chart.js draws
every chart (a canvas with pixels on it, no network), the tables under them show the numbers
``/api/reports/`` answers, the period picker changes them, and the CSV link downloads the table.

With ``FLOWERCRM_SCREENSHOTS=1`` the charts are written to ``docs/screenshots/admin-reports.png``."""

from __future__ import annotations

import datetime as dt
import os
from typing import TYPE_CHECKING, Any

import pytest

from tests.browser import support

support.require_browser()

from playwright.sync_api import expect  # noqa: E402

if TYPE_CHECKING:
    from collections.abc import Callable

    from playwright.sync_api import Page

    from apps.shops.models import Membership, Shop

    LoginAs = Callable[[Membership], None]

pytestmark = [pytest.mark.browser]

CHARTS = ("revenue", "payments", "products", "write-offs")


def build(shop: Shop) -> tuple[Membership, dt.date]:
    """The reports' generated shop (orders across local midnight, partial payments, refunds,
    cancellations, assemblies, write-offs of every reason, a USD supply) and a manager."""
    from django.utils import timezone

    # The reports' own generated world (its builder is the reports tests' fixture helper).
    from apps.reports.tests.conftest import _populate as populate_world

    shop.name = "Ромашка"
    shop.save(update_fields=["name"])
    today = timezone.localdate(timezone=shop.zoneinfo)
    populate_world(shop, seed=1, today=today)
    return support.staff(shop, "manager", "+77015550101", "Айгерим Сейтова"), today


def reports(server_url: str, membership: Membership, date_from: dt.date, date_to: dt.date) -> dict[str, Any]:
    """What ``/api/reports/`` answers the same manager, over HTTP from the same live server."""
    import httpx

    from apps.shops.sessions import tokens_issue

    period = {"date_from": date_from.isoformat(), "date_to": date_to.isoformat()}
    headers = {"Authorization": f"Bearer {tokens_issue(membership=membership).access}"}
    with httpx.Client(base_url=server_url, headers=headers, timeout=10) as api:
        answers = {
            "sales": api.get("/api/reports/sales/", params=period),
            "products": api.get("/api/reports/products/", params={**period, "limit": 10}),
            "stock": api.get("/api/reports/stock/", params=period),
            "receivables": api.get("/api/reports/receivables/"),
        }
    for name, response in answers.items():
        assert response.status_code == 200, (name, response.text)
    return {name: response.json() for name, response in answers.items()}


def cells(page: Page, selector: str) -> list[list[str]]:
    """The text of each row's cells (header cells of the row included), spaces normalised."""
    rows = page.locator(selector).evaluate_all(
        "rows => rows.map(r => Array.from(r.querySelectorAll('th, td')).map(c => c.textContent.trim()))"
    )
    return [[" ".join(text.split()) for text in row] for row in rows]


def money(value: Any, currency: str) -> str:
    from flowercrm.money import money_text

    return " ".join(money_text(value, currency).split())


def drawn_pixels(page: Page, key: str) -> int:
    """How many pixels of the chart's canvas are not transparent (0: nothing was drawn)."""
    return int(
        page.evaluate(
            """key => { const c = document.getElementById('chart-' + key);
                 const d = c.getContext('2d').getImageData(0, 0, c.width, c.height).data;
                 let n = 0; for (let i = 3; i < d.length; i += 4) { if (d[i]) n++; } return n; }""",
            key,
        )
    )


def test_the_charts_are_drawn_and_the_tables_match_the_reports(
    page: Page, login_as: LoginAs, shop: Shop, sent: object, server_url: str
) -> None:
    from apps.orders.models import PaymentMethod
    from apps.warehouse.models import WriteOffReason

    manager, today = build(shop)
    login_as(manager)
    outside: list[str] = []
    page.on("request", lambda r: None if r.url.startswith((server_url, "data:", "blob:")) else outside.append(r.url))
    errors: list[str] = []
    page.on("pageerror", lambda e: errors.append(str(e)))

    response = page.goto("/admin/")
    assert response is not None and response.status == 200
    for key in CHARTS:
        expect(page.locator(f"#chart-{key}[data-drawn='true']")).to_be_visible()
        assert drawn_pixels(page, key) > 500, key
    assert not errors, errors
    assert not outside, outside  # nothing from a CDN or anywhere else

    currency = shop.currency
    figures = reports(server_url, manager, today - dt.timedelta(days=29), today)
    sales = figures["sales"]
    expect(page.locator("#reports-period")).to_contain_text(str(today.year))

    revenue_rows = cells(page, "#table-revenue tbody tr")
    assert len(revenue_rows) == 30
    assert [(row[2], row[3]) for row in revenue_rows] == [
        (money(p["revenue"], currency), money(p["paid"], currency)) for p in sales["by_period"]
    ]
    assert cells(page, "#table-revenue tfoot tr")[0] == [
        "Итого",
        str(sales["totals"]["orders"]),
        money(sales["totals"]["revenue"], currency),
        money(sales["totals"]["paid"], currency),
    ]

    assert {row[0]: row[2] for row in cells(page, "#table-payments tbody tr")} == {
        str(PaymentMethod(m["method"]).label): money(m["amount"], currency) for m in sales["by_payment_method"]
    }

    assert [(row[0], row[2], row[4]) for row in cells(page, "#table-products tbody tr")] == [
        (i["name"], money(i["revenue"], currency), money(i["margin"], currency)) for i in figures["products"]["items"]
    ]

    assert {row[0]: row[2] for row in cells(page, "#table-write-offs tbody tr")} == {
        str(WriteOffReason(r["reason"]).label): money(r["cost"], currency)
        for r in figures["stock"]["write_offs"]["by_reason"]
        if r["quantity"]
    }

    expect(page.locator("#receivables-total")).to_have_text(money(figures["receivables"]["amount_due"], currency))

    if os.environ.get("FLOWERCRM_SCREENSHOTS") == "1":
        support.SCREENSHOTS.mkdir(parents=True, exist_ok=True)
        page.locator("#reports").screenshot(path=str(support.SCREENSHOTS / "admin-reports.png"))


def test_the_period_picker_and_the_csv_download(
    page: Page, login_as: LoginAs, shop: Shop, sent: object, server_url: str
) -> None:
    manager, today = build(shop)
    login_as(manager)
    page.goto("/admin/")
    page.get_by_role("link", name="7 дней").click()
    expect(page.locator("#chart-revenue[data-drawn='true']")).to_be_visible()
    assert len(cells(page, "#table-revenue tbody tr")) == 7
    expect(page.locator(".reports-presets a.current")).to_have_text("7 дней")

    start = today - dt.timedelta(days=3)
    page.get_by_label("С", exact=True).fill(f"{start:%d.%m.%Y}")  # as Russians write dates
    page.get_by_label("По", exact=True).fill(f"{today:%d.%m.%Y}")
    page.get_by_role("button", name="Показать").click()
    expect(page.locator("#chart-revenue[data-drawn='true']")).to_be_visible()
    assert len(cells(page, "#table-revenue tbody tr")) == 4
    sales = reports(server_url, manager, start, today)["sales"]
    assert cells(page, "#table-revenue tfoot tr")[0][2] == money(sales["totals"]["revenue"], shop.currency)

    with page.expect_download() as download:
        page.locator("#report-revenue .report-csv").click()
    content = open(download.value.path(), encoding="utf-8-sig").read().splitlines()  # noqa: PTH123, SIM115
    assert content[0].startswith("День;Заказы;")
    assert len(content) == 1 + 4 + 1  # header, the days, the total
    assert content[1].startswith(start.isoformat())
