"""No admin page is wider than the screen at 1,366 px: the lists and the change pages of
orders, customers, products, stock items, supplies and tasks, with a realistic day's data (a
regular customer with several addresses, dates and orders; long addresses and card texts).

All pages are measured in one test (the data is built once) and every too-wide page is named
in the failure, with a screenshot of each in ``.artifacts/browser/``."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

import pytest

from tests.browser import support

support.require_browser()

if TYPE_CHECKING:
    from collections.abc import Callable

    from playwright.sync_api import Page

    from apps.shops.models import Membership, Shop

    LoginAs = Callable[[Membership], None]

pytestmark = [pytest.mark.browser]


def pages(day: dict[str, Any]) -> list[str]:
    return [
        "/admin/",
        "/admin/orders/order/",
        f"/admin/orders/order/{day['orders'][0].pk}/change/",
        "/admin/customers/customer/",
        f"/admin/customers/customer/{day['customer'].pk}/change/",
        "/admin/catalog/product/",
        f"/admin/catalog/product/{day['products'][0].pk}/change/",
        "/admin/warehouse/stockitem/",
        f"/admin/warehouse/stockitem/{day['stock'][0].pk}/change/",
        "/admin/supplies/supply/",
        f"/admin/supplies/supply/{day['supply'].pk}/change/",
        "/admin/production/productiontask/",
        f"/admin/production/productiontask/{day['task'].pk}/change/",
    ]


def test_no_page_is_wider_than_the_screen(page: Page, login_as: LoginAs, shop: Shop, sent: object) -> None:
    day = support.fill_shop(shop, label="", phone_block="333")
    login_as(day["manager"])
    too_wide = {}
    for path in pages(day):
        response = page.goto(path)
        assert response is not None and response.status == 200, (path, response and response.status)
        size = support.overflow(page)
        if size["scrollWidth"] > size["clientWidth"]:
            too_wide[path] = size["scrollWidth"]
            support.ARTIFACTS.mkdir(parents=True, exist_ok=True)
            name = "width_" + path.strip("/").replace("/", "_")
            page.screenshot(path=str(support.ARTIFACTS / f"{name}.png"), full_page=True)
    assert not too_wide, f"wider than {support.VIEWPORT['width']} px: {too_wide}"
