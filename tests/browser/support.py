"""Shared pieces of the browser tests: finding Chromium, logging in, building a shop's data.

The tests drive Debian's ``chromium`` through Playwright for Python; nothing downloads a
browser. ``require_browser()`` is called at the top of every test module: without the
``playwright`` package or a Chromium binary the module is skipped at collection, with the reason.

Environment:

- ``FLOWERCRM_CHROMIUM``: the browser binary to use (default: ``chromium`` on the PATH, then
  ``chromium-browser``); ``FLOWERCRM_CHROMIUM=none`` skips the browser tests as on a machine
  without Chromium.
- ``FLOWERCRM_SCREENSHOTS=1``: ``test_screenshots.py`` writes the README's screenshots to
  ``docs/screenshots/``.
"""

from __future__ import annotations

import importlib.util
import os
import shutil
from pathlib import Path
from typing import TYPE_CHECKING, Any

import pytest

if TYPE_CHECKING:
    from playwright.sync_api import BrowserContext, Page

    from apps.shops.models import Membership, Shop

ROOT = Path(__file__).resolve().parents[2]
ARTIFACTS = ROOT / ".artifacts" / "browser"
SCREENSHOTS = ROOT / "docs" / "screenshots"

VIEWPORT = {"width": 1366, "height": 768}
LOCALE = "ru-RU"
# Without the background-networking flags Chromium keeps calling home, and a closed network
# refuses those connections; the sandbox needs user namespaces a CI container rarely has.
LAUNCH_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]
# Every wait in the tests is bounded by this (ms): a slow page fails, it never hangs.
TIMEOUT_MS = 10_000


def chromium_path() -> str | None:
    """The Chromium binary the tests drive, or None."""
    override = os.environ.get("FLOWERCRM_CHROMIUM", "").strip()
    if override:
        return None if override.lower() == "none" else shutil.which(override)
    return shutil.which("chromium") or shutil.which("chromium-browser")


def skip_reason() -> str | None:
    """Why the browser tests cannot run here (None when they can)."""
    if importlib.util.find_spec("playwright") is None:
        return "browser tests need the playwright package (pip install -e '.[dev]')"
    if chromium_path() is None:
        return (
            "browser tests need Chromium: no `chromium` or `chromium-browser` on the PATH "
            "(apt-get install chromium; FLOWERCRM_CHROMIUM names another binary)"
        )
    return None


def require_browser() -> None:
    """Skip the calling test module at collection when no browser can be driven."""
    reason = skip_reason()
    if reason:
        pytest.skip(reason, allow_module_level=True)


# --- People and logging in --------------------------------------------------------------------

PASSWORD = "correct-horse-battery-9"  # apps.accounts.tests.factories.PASSWORD


def staff(shop: Shop, role: str, phone: str, name: str = "") -> Membership:
    """A member added the way the API and the admin add one (``staff_add`` keeps ``is_staff`` in
    step with the roles: only admins and managers get into the admin)."""
    from apps.shops import services

    return services.staff_add(
        shop=shop, phone=phone, name=name or f"{role} {shop.name}", role=role, password=PASSWORD
    ).membership


def login_form(page: Page, phone: str, password: str = PASSWORD) -> None:
    """Log in through the admin's login page, as a person would."""
    page.goto("/admin/login/?next=/admin/")
    page.get_by_label("Телефон").fill(phone)
    page.get_by_label("Пароль").fill(password)
    page.get_by_role("button", name="Войти").click()
    page.wait_for_load_state()


def login_session(context: BrowserContext, base_url: str, membership: Membership) -> None:
    """Log in without the form (a session cookie made by Django's test client): for the
    scenarios that are about what a logged-in person sees, not about logging in."""
    from django.conf import settings
    from django.test import Client

    from apps.accounts.models import User

    client = Client()
    client.force_login(User.objects.get(pk=membership.user_id))
    cookie = client.cookies[settings.SESSION_COOKIE_NAME]
    context.add_cookies([{"name": settings.SESSION_COOKIE_NAME, "value": cookie.value, "url": base_url}])


# --- Measuring ----------------------------------------------------------------------------------


def overflow(page: Page) -> dict[str, Any]:
    """How wide the page is against the visible width (px)."""
    return dict(
        page.evaluate(
            "() => ({scrollWidth: document.documentElement.scrollWidth,"
            " clientWidth: document.documentElement.clientWidth})"
        )
    )
