"""``/ws`` with the Django session cookie of a same-origin page (the board, §11.4): accepted
only from the same origin, only for the board's roles, only for the session's active shop."""

from __future__ import annotations

from collections.abc import AsyncIterator, Callable
from types import SimpleNamespace
from typing import Any

import pytest
from channels.db import database_sync_to_async
from channels.testing import WebsocketCommunicator
from django.conf import settings
from django.test import Client

from apps.orders.services import order_transition
from apps.orders.tests.factories import make_order, make_product
from apps.shops.models import Membership
from config.asgi import application
from flowercrm.realtime.session import SESSION_SHOP_KEY, same_origin
from flowercrm.roles import Role

db = pytest.mark.django_db(transaction=True)
TIMEOUT = 5
HOST = "testserver"


def run(fn: Callable[..., Any], *args: Any, **kwargs: Any) -> Any:
    return database_sync_to_async(fn)(*args, **kwargs)


def session_cookie(membership: Membership, *, shop_id: int | None = None) -> str:
    """A logged-in session with ``shop_id`` (default: the membership's shop) active."""
    client = Client()
    client.force_login(membership.user)
    session = client.session
    session[SESSION_SHOP_KEY] = shop_id if shop_id is not None else membership.shop_id
    session.save()
    return str(session.session_key)


@pytest.fixture
def world(shop, other_shop, member) -> SimpleNamespace:
    w = SimpleNamespace(shop=shop, other_shop=other_shop)
    w.manager = member(Role.MANAGER)
    w.florist = member(Role.FLORIST)
    w.courier = member(Role.COURIER)
    w.stranger = member(Role.MANAGER, shop=other_shop)
    w.product = make_product(shop, price="15000")
    w.other_product = make_product(other_shop, price="900")
    return w


@pytest.fixture
async def connect() -> AsyncIterator[Callable[..., Any]]:
    opened: list[WebsocketCommunicator] = []

    async def open_socket(cookie: str | None, *, origin: str | None = f"http://{HOST}", query: str = "") -> Any:
        headers = [(b"host", HOST.encode())]
        if origin:
            headers.append((b"origin", origin.encode()))
        if cookie:
            headers.append((b"cookie", f"{settings.SESSION_COOKIE_NAME}={cookie}".encode()))
        communicator = WebsocketCommunicator(application, f"/ws{query}", headers=headers)
        opened.append(communicator)
        connected, _ = await communicator.connect(timeout=TIMEOUT)
        assert connected
        return communicator

    yield open_socket
    for communicator in opened:
        await communicator.disconnect(timeout=TIMEOUT)


async def close_code(communicator: WebsocketCommunicator) -> int:
    output = await communicator.receive_output(timeout=TIMEOUT)
    assert output["type"] == "websocket.close", output
    return output["code"]  # type: ignore[no-any-return]


async def ready(communicator: WebsocketCommunicator) -> None:
    await communicator.send_json_to({"type": "ping"})
    assert await communicator.receive_json_from(timeout=TIMEOUT) == {"type": "pong"}


@db
async def test_a_same_origin_session_gets_its_shops_events(connect, world) -> None:
    socket = await connect(await run(session_cookie, world.manager))
    await ready(socket)
    order = await run(make_order, world.shop, world.manager.user, world.product)
    message = await socket.receive_json_from(timeout=TIMEOUT)
    assert message["type"] == "order_created" and message["data"]["id"] == order.pk
    assert message["data"]["total"] is not None  # the office's row
    await run(make_order, world.other_shop, world.stranger.user, world.other_product)
    assert await socket.receive_nothing(timeout=0.5)


@db
async def test_a_florists_session_socket_carries_no_money(connect, world) -> None:
    socket = await connect(await run(session_cookie, world.florist))
    await ready(socket)
    order = await run(make_order, world.shop, world.manager.user, world.product)
    await run(order_transition, order=order, to="confirmed", actor=world.manager.user, role=Role.MANAGER)
    message = await socket.receive_json_from(timeout=TIMEOUT)
    while message["type"] != "order_update":  # the task's update comes too
        message = await socket.receive_json_from(timeout=TIMEOUT)
    assert message["data"]["id"] == order.pk
    for money in ("total", "subtotal", "paid_amount", "amount_due", "payment_status", "delivery_fee", "discount"):
        assert money not in message["data"]
    assert all("unit_price" not in item for item in message["data"]["items"])


@db
@pytest.mark.parametrize("origin", ["http://evil.example", "http://localhost", "http://testserver:8080", None], ids=str)
async def test_a_cross_origin_or_missing_origin_session_is_refused(connect, world, settings, origin) -> None:
    settings.CORS_ALLOWED_ORIGINS = ["http://testserver:8080"]
    socket = await connect(await run(session_cookie, world.manager), origin=origin)
    assert await close_code(socket) in (4401, 4403)


@db
async def test_a_couriers_session_is_refused(connect, world) -> None:
    socket = await connect(await run(session_cookie, world.courier))
    assert await close_code(socket) == 4403


@db
async def test_no_session_or_a_foreign_active_shop_is_refused(connect, world) -> None:
    assert await close_code(await connect(None)) == 4401
    assert await close_code(await connect("not-a-session")) == 4401
    foreign = await run(session_cookie, world.manager, shop_id=world.other_shop.pk)
    assert await close_code(await connect(foreign)) == 4401


@db
async def test_the_token_path_is_unchanged_beside_a_session(connect, world) -> None:
    from apps.shops.sessions import tokens_issue

    token = (await run(tokens_issue, membership=world.stranger)).access
    # A session of one shop and a token of another: the token decides.
    socket = await connect(await run(session_cookie, world.manager), query=f"?token={token}")
    await ready(socket)
    await run(make_order, world.shop, world.manager.user, world.product)
    assert await socket.receive_nothing(timeout=0.5)


def test_same_origin_compares_scheme_host_and_port() -> None:
    def scope(origin: str, host: str) -> dict[str, Any]:
        return {"headers": [(b"origin", origin.encode()), (b"host", host.encode())]}

    assert same_origin(scope("http://127.0.0.1:8000", "127.0.0.1:8000"))
    assert not same_origin(scope("http://127.0.0.1:8001", "127.0.0.1:8000"))
    assert not same_origin(scope("null", "127.0.0.1:8000"))
    assert not same_origin({"headers": [(b"host", b"x")]})


def logout(cookie: str) -> None:
    client = Client()
    client.cookies[settings.SESSION_COOKIE_NAME] = cookie
    assert client.post("/board/logout/").status_code in (200, 302)


@db
async def test_logging_out_closes_that_sessions_sockets_only(connect, world) -> None:
    """The board's logout ends its live feed at once (4401); another session of the same
    person stays open and keeps receiving."""
    cookie = await run(session_cookie, world.manager)
    other_cookie = await run(session_cookie, world.manager)
    socket, other = await connect(cookie), await connect(other_cookie)
    await ready(socket)
    await ready(other)
    await run(logout, cookie)
    assert await close_code(socket) == 4401
    await ready(other)
    order = await run(make_order, world.shop, world.manager.user, world.product)
    assert (await other.receive_json_from(timeout=TIMEOUT))["data"]["id"] == order.pk
