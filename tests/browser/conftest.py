"""Fixtures of the browser tests: one Chromium for the package, a fresh context per test, a
live server, and a screenshot (with the page's HTML) kept when a test fails.

Playwright's sync API runs an event loop in the main thread for as long as it is started, and
Django refuses ORM calls while a loop runs there (``SynchronousOnlyOperation``). The test bodies
and fixtures here use the ORM on purpose (building data, reading it back), so
``DJANGO_ALLOW_ASYNC_UNSAFE`` is set for exactly as long as Playwright runs: from the first
browser test to the last one of this package, never for the rest of the suite.
"""

from __future__ import annotations

import os
import re
from collections.abc import Callable, Generator, Iterator
from typing import TYPE_CHECKING, Any

import pytest

from tests.browser import support

if TYPE_CHECKING:
    from playwright.sync_api import Browser, Page

    from apps.shops.models import Membership


@pytest.hookimpl(wrapper=True, tryfirst=True)
def pytest_runtest_makereport(item: pytest.Item, call: pytest.CallInfo[None]) -> Generator[None, Any, Any]:
    """Keep each phase's report on the item (``item.report_call``), so a fixture's teardown
    knows whether the test failed."""
    report = yield
    setattr(item, f"report_{report.when}", report)
    return report


@pytest.fixture(scope="package")
def browser() -> Iterator[Browser]:
    """One headless Chromium for all browser tests (the module-level skip already ran, so the
    binary and the package are there)."""
    from playwright.sync_api import expect, sync_playwright

    expect.set_options(timeout=support.TIMEOUT_MS)

    previous = os.environ.get("DJANGO_ALLOW_ASYNC_UNSAFE")
    os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = "true"
    try:
        with sync_playwright() as playwright:
            chromium = playwright.chromium.launch(
                executable_path=support.chromium_path(), headless=True, args=support.LAUNCH_ARGS
            )
            try:
                yield chromium
            finally:
                chromium.close()
    finally:
        if previous is None:
            os.environ.pop("DJANGO_ALLOW_ASYNC_UNSAFE", None)
        else:
            os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = previous


@pytest.fixture
def server_url(live_server: Any, transactional_db: None) -> str:
    """The live server (a WSGI server in a thread, static files served); the data a test builds
    is committed, so the server's own connection sees it."""
    return str(live_server.url)


@pytest.fixture
def page(browser: Browser, server_url: str, request: pytest.FixtureRequest) -> Iterator[Page]:
    """A new browser context (no cookies, a Russian locale, 1366×768) and a page in it; when the
    test fails, its screenshot and HTML go to ``.artifacts/browser/<test>.png|.html``."""
    context = browser.new_context(
        base_url=server_url,
        viewport=support.VIEWPORT,  # type: ignore[arg-type]
        locale=support.LOCALE,
        extra_http_headers={"Accept-Language": "ru-RU,ru;q=0.9"},
    )
    context.set_default_timeout(support.TIMEOUT_MS)
    tab = context.new_page()
    try:
        yield tab
    finally:
        report = getattr(request.node, "report_call", None)
        if report is not None and report.failed:
            _keep_artifacts(tab, request.node.name)
        context.close()


def _keep_artifacts(tab: Page, test_name: str) -> None:
    support.ARTIFACTS.mkdir(parents=True, exist_ok=True)
    stem = support.ARTIFACTS / re.sub(r"[^\w.-]+", "_", test_name)
    try:
        tab.screenshot(path=str(stem.with_suffix(".png")), full_page=True)
        stem.with_suffix(".html").write_text(tab.content(), encoding="utf-8")
    except Exception as exc:  # noqa: BLE001  (a broken page must not hide the test's own failure)
        stem.with_suffix(".txt").write_text(f"no screenshot: {exc!r}\n", encoding="utf-8")


@pytest.fixture
def login_as(page: Page, server_url: str) -> Callable[[Membership], None]:
    """``login_as(membership)``: the page's context is logged in as that member (a session
    cookie; ``support.login_form`` logs in through the form)."""

    def log_in(membership: Membership) -> None:
        support.login_session(page.context, server_url, membership)

    return log_in
