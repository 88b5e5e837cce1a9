"""The README's screenshots: the admin index and the orders list at 1366×768, as a manager of a
shop with a day's orders sees them.

Every run renders both pages (a smoke test); only with ``FLOWERCRM_SCREENSHOTS=1`` are they
written to ``docs/screenshots/`` (so ordinary runs leave the tree clean)::

    FLOWERCRM_SCREENSHOTS=1 .venv/bin/pytest tests/browser/test_screenshots.py
"""

from __future__ import annotations

import os
from typing import TYPE_CHECKING

import pytest

from tests.browser import support

support.require_browser()

from playwright.sync_api import expect  # noqa: E402  (only once the skip above did not happen)

if TYPE_CHECKING:
    from collections.abc import Callable

    from playwright.sync_api import Page

    from apps.shops.models import Membership, Shop

    LoginAs = Callable[[Membership], None]

pytestmark = [pytest.mark.browser]

SHOTS = {"admin-index.png": "/admin/", "admin-orders.png": "/admin/orders/order/"}


def test_readme_screenshots(page: Page, login_as: LoginAs, shop: Shop, sent: object) -> None:
    shop.name = "Ромашка"
    shop.save(update_fields=["name"])
    day = support.fill_shop(shop, label="", phone_block="444")
    login_as(day["manager"])
    write = os.environ.get("FLOWERCRM_SCREENSHOTS") == "1"
    for name, path in SHOTS.items():
        response = page.goto(path)
        assert response is not None and response.status == 200, (path, response and response.status)
        expect(page.locator("#content")).to_be_visible()
        if write:
            support.SCREENSHOTS.mkdir(parents=True, exist_ok=True)
            page.screenshot(path=str(support.SCREENSHOTS / name))  # the viewport: 1366×768
