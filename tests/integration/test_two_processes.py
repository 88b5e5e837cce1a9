"""Two real server processes sharing PostgreSQL and Redis: an order changed through one
process's REST API reaches a WebSocket held by the other (and one held by itself).

One process is daphne (development), the other gunicorn with the production uvicorn worker
(``gunicorn.conf.py``). Skipped unless ``REDIS_URL`` is set and the tests run on PostgreSQL:
the in-memory layer does not cross processes, and SQLite's test database lives in memory.
"""

from __future__ import annotations

import asyncio
import json
import os
from collections.abc import Iterator
from typing import Any

import httpx
import pytest
from django.conf import settings
from django.db import connection
from websockets.asyncio.client import connect as ws_connect

from apps.orders.tests.factories import make_order, make_product
from apps.shops.sessions import tokens_issue
from flowercrm.roles import Role
from flowercrm.testing import ServerProcess, daphne_and_gunicorn

EVENT_TIMEOUT = 10.0

pytestmark = pytest.mark.django_db(transaction=True)


def server_env() -> dict[str, str]:
    db = connection.settings_dict
    password = f":{db['PASSWORD']}" if db["PASSWORD"] else ""
    return {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "config.settings",
        # The test database pytest-django created, and this run's channel-layer prefix.
        "DATABASE_URL": f"postgres://{db['USER']}{password}@{db['HOST'] or '127.0.0.1'}:{db['PORT'] or 5432}/{db['NAME']}",
        "CHANNELS_PREFIX": settings.CHANNELS_PREFIX,
        "SECRET_KEY": settings.SECRET_KEY,
        "ALLOWED_HOSTS": "127.0.0.1,localhost",
        "DEBUG": "0",
        "DB_POOL_MAX_SIZE": "2",
        "LOG_LEVEL": "WARNING",
        "WEB_CONCURRENCY": "1",
    }


@pytest.fixture
def shared_services() -> None:
    if not os.environ.get("REDIS_URL") or connection.vendor != "postgresql":
        pytest.skip("needs REDIS_URL and PostgreSQL (DATABASE_URL): processes share the layer and the database")


@pytest.fixture
def servers(shared_services: None, order_setup: dict[str, Any]) -> Iterator[tuple[ServerProcess, ServerProcess]]:
    def healthy(server: ServerProcess) -> bool:
        try:
            return httpx.get(f"{server.base}/health", timeout=1).status_code == 200
        except httpx.HTTPError:
            return False

    with daphne_and_gunicorn(env=server_env(), ready=healthy) as started:
        yield started


@pytest.fixture
def order_setup(shop, member) -> dict[str, Any]:
    admin = member(Role.ADMIN)
    order = make_order(shop, admin.user, make_product(shop, price="12000"))
    return {"order": order, "token": tokens_issue(membership=admin).access}


async def next_event(ws: Any, order_id: int) -> dict[str, Any]:
    async with asyncio.timeout(EVENT_TIMEOUT):
        while True:
            message = json.loads(await ws.recv())
            if message.get("type") == "order_update" and message["data"]["id"] == order_id:
                return message  # type: ignore[no-any-return]


async def test_an_event_published_by_one_process_reaches_a_socket_held_by_another(servers, order_setup) -> None:
    daphne, gunicorn = servers
    order, token = order_setup["order"], order_setup["token"]
    async with (
        ws_connect(f"ws://127.0.0.1:{daphne.port}/ws?token={token}", open_timeout=10) as on_daphne,
        ws_connect(f"ws://127.0.0.1:{gunicorn.port}/ws/?token={token}", open_timeout=10) as on_gunicorn,
    ):
        for ws in (on_daphne, on_gunicorn):  # joined its groups once it answers
            await ws.send(json.dumps({"type": "ping"}))
            async with asyncio.timeout(EVENT_TIMEOUT):
                assert json.loads(await ws.recv()) == {"type": "pong"}
        async with httpx.AsyncClient(base_url=gunicorn.base, headers={"Authorization": f"Bearer {token}"}) as api:
            response = await api.post(f"/api/orders/{order.id}/transition/", json={"status": "confirmed"}, timeout=10)
        assert response.status_code == 200, response.text
        for ws in (on_daphne, on_gunicorn):
            message = await next_event(ws, order.id)
            assert message["event"] == "status_changed"
            assert message["data"]["status"] == "confirmed"
            assert isinstance(message["id"], int)
