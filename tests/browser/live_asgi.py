"""A real ASGI server for the pages that need ``/ws`` (the board): daphne in its own process on
the test database, with a browser context pointed at it.

pytest-django's ``live_server`` is a WSGI server: no WebSockets. This starts ``daphne
config.asgi:application`` (``flowercrm.testing.ServerProcess``) with the test settings, the
test database pytest-django created (so the data a test commits is what the server reads),
the same ``SECRET_KEY`` (session cookies made here are valid there), the same channel-layer
prefix (with ``REDIS_URL`` an event published here reaches the server's sockets) and
``DEBUG=1`` (whitenoise serves the app's static files from the finders; media is served).
PostgreSQL only: SQLite's test database lives in this process's memory.
"""

from __future__ import annotations

import os
import sys
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import TYPE_CHECKING, Any

import httpx
import pytest

from tests.browser import support

if TYPE_CHECKING:
    from playwright.sync_api import Browser, BrowserContext

    from apps.shops.models import Membership
    from flowercrm.testing import ServerProcess


def server_env() -> dict[str, str]:
    from django.conf import settings
    from django.db import connection

    db = connection.settings_dict
    password = f":{db['PASSWORD']}" if db["PASSWORD"] else ""
    return {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "config.settings_test",
        "DATABASE_URL": f"postgres://{db['USER']}{password}@{db['HOST'] or '127.0.0.1'}:{db['PORT'] or 5432}/{db['NAME']}",
        "CHANNELS_PREFIX": settings.CHANNELS_PREFIX,
        "SECRET_KEY": settings.SECRET_KEY,
        "TEST_MEDIA_ROOT": str(settings.MEDIA_ROOT),
        "ALLOWED_HOSTS": "127.0.0.1,localhost",
        "DEBUG": "1",
        "DB_POOL_MAX_SIZE": "4",
        "LOG_LEVEL": "WARNING",
    }


class Daphne:
    """daphne on a fixed port, which a test may stop and start again (a dropped server)."""

    def __init__(self) -> None:
        from flowercrm.testing import free_port

        self.port = free_port()
        self.env = server_env()
        self.process: ServerProcess | None = None

    @property
    def base(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def start(self) -> None:
        from flowercrm.testing import ServerProcess

        daphne = str(Path(sys.executable).parent / "daphne")
        args = [daphne, "-b", "127.0.0.1", "-p", str(self.port), "config.asgi:application"]
        self.process = ServerProcess("daphne", args, self.port, self.env)
        self.process.wait_ready(self._healthy)

    def _healthy(self, server: Any) -> bool:
        try:
            return httpx.get(f"{self.base}/health", timeout=1).status_code == 200
        except httpx.HTTPError:
            return False

    def stop(self) -> None:
        if self.process is not None:
            self.process.stop()
            self.process = None


@pytest.fixture
def asgi_server(transactional_db: None) -> Iterator[Daphne]:
    from django.db import connection

    if connection.vendor != "postgresql":
        pytest.skip("browser tests on daphne need PostgreSQL (DATABASE_URL): the server runs in another process")
    server = Daphne()
    server.start()
    try:
        yield server
    finally:
        server.stop()


@pytest.fixture
def asgi_context(
    browser: Browser, asgi_server: Daphne, request: pytest.FixtureRequest
) -> Iterator[Callable[..., BrowserContext]]:
    """``asgi_context(membership=None, viewport=...)`` → a browser context on the daphne server
    (logged in as ``membership`` with a session cookie); closed after the test."""
    contexts: list[BrowserContext] = []

    def make(membership: Membership | None = None, *, viewport: dict[str, int] | None = None) -> BrowserContext:
        context = browser.new_context(
            base_url=asgi_server.base,
            viewport=viewport or support.VIEWPORT,  # type: ignore[arg-type]
            locale=support.LOCALE,
            extra_http_headers={"Accept-Language": "ru-RU,ru;q=0.9"},
        )
        context.set_default_timeout(support.TIMEOUT_MS)
        if membership is not None:
            support.login_session(context, asgi_server.base, membership)
        contexts.append(context)
        return context

    yield make
    report = getattr(request.node, "report_call", None)
    for context in contexts:
        if report is not None and report.failed and context.pages:
            from tests.browser.conftest import _keep_artifacts

            _keep_artifacts(context.pages[0], request.node.name)
        context.close()
