"""``/ws`` end to end through the ASGI application (origin check, routing, consumer) and the
configured channel layer — channels-redis when ``REDIS_URL`` is set (CI), in-memory otherwise."""

from __future__ import annotations

import datetime as dt
import json
import os
from collections.abc import AsyncIterator, Callable
from types import SimpleNamespace
from typing import Any
from urllib.parse import urlencode

import pytest
from channels.db import database_sync_to_async
from channels.layers import get_channel_layer
from channels.testing import WebsocketCommunicator
from django.conf import settings
from django.utils import timezone
from rest_framework_simplejwt.tokens import AccessToken

from apps.orders.events import REPLAY_MAX_EVENTS
from apps.orders.models import EventType, Order, OrderEvent, OrderStatus
from apps.orders.services import order_comment_add, order_transition, order_update
from apps.orders.tests.factories import make_order, make_product
from apps.shops.models import Membership
from apps.shops.services import membership_update
from apps.shops.sessions import tokens_issue
from config.asgi import application
from flowercrm import events, roles
from flowercrm.realtime import consumers
from flowercrm.realtime.origin import AllowedOriginValidator, _origin
from flowercrm.roles import Role

# Sockets read the database from another thread: their data must be committed.
db = pytest.mark.django_db(transaction=True)
S = OrderStatus
TIMEOUT = 5


def token_for(membership: Membership) -> str:
    return tokens_issue(membership=membership).access


@pytest.fixture
def world(shop, other_shop, member) -> SimpleNamespace:
    """Two shops: in ``shop`` an admin, a florist and two couriers; in ``other_shop`` a manager."""
    w = SimpleNamespace(shop=shop, other_shop=other_shop)
    w.admin = member(Role.ADMIN)
    w.florist = member(Role.FLORIST)
    w.courier = member(Role.COURIER)
    w.courier2 = member(Role.COURIER)
    w.stranger = member(Role.MANAGER, shop=other_shop)
    w.product = make_product(shop, price="15000")
    w.other_product = make_product(other_shop, price="900")
    return w


class Socket:
    """A WebSocket client of the ASGI application."""

    def __init__(self, communicator: WebsocketCommunicator) -> None:
        self.communicator = communicator

    async def receive(self) -> dict[str, Any]:
        return await self.communicator.receive_json_from(timeout=TIMEOUT)  # type: ignore[no-any-return]

    async def send(self, data: Any) -> None:
        await self.communicator.send_json_to(data)

    async def close_code(self) -> int:
        output = await self.communicator.receive_output(timeout=TIMEOUT)
        assert output["type"] == "websocket.close", output
        return output["code"]  # type: ignore[no-any-return]

    async def ready(self) -> None:
        """Wait until the consumer has joined its groups and sent any replay: it answers the
        ping only after its connect handler is done."""
        await self.send({"type": "ping"})
        assert await self.receive() == {"type": "pong"}

    async def nothing(self) -> bool:
        return await self.communicator.receive_nothing(timeout=0.3)  # type: ignore[no-any-return]


@pytest.fixture
async def connect() -> AsyncIterator[Callable[..., Any]]:
    """``await connect(token, since=..., origin=..., path=...)`` → an accepted ``Socket``."""
    opened: list[WebsocketCommunicator] = []

    async def open_socket(
        token: str | None = None, *, since: Any = None, origin: str | None = None, path: str = "/ws"
    ) -> Socket:
        params = {k: v for k, v in {"token": token, "since": since}.items() if v is not None}
        headers = [(b"origin", origin.encode())] if origin else []
        communicator = WebsocketCommunicator(application, f"{path}?{urlencode(params)}", headers=headers)
        opened.append(communicator)
        connected, _ = await communicator.connect(timeout=TIMEOUT)
        assert connected, "the handshake is accepted before any refusal"
        return Socket(communicator)

    yield open_socket
    for communicator in opened:
        await communicator.disconnect(timeout=TIMEOUT)


def run(fn: Callable[..., Any], *args: Any, **kwargs: Any) -> Any:
    """Call sync code (services, ORM) from the async tests; events publish on its commit."""
    return database_sync_to_async(fn)(*args, **kwargs)


async def live(connect, membership: Membership, **kwargs: Any) -> Socket:
    socket = await connect(await run(token_for, membership), **kwargs)
    await socket.ready()
    return socket


# --- Authentication and close codes --------------------------------------------------------


@db  # channels closes stale database connections around every message
async def test_no_token_closes_4401(connect) -> None:
    socket = await connect()
    assert await socket.close_code() == 4401


@db
@pytest.mark.parametrize("token", ["garbage", "a.b.c", "x" * 5000], ids=["garbage", "dots", "long"])
async def test_a_bad_token_closes_4401(connect, token) -> None:
    socket = await connect(token)
    assert await socket.close_code() == 4401


@db
async def test_an_expired_token_or_a_refresh_token_closes_4401(connect, world) -> None:
    pair = await run(tokens_issue, membership=world.admin)
    expired = AccessToken(pair.access)
    expired.set_exp(from_time=timezone.now() - dt.timedelta(hours=1), lifetime=dt.timedelta(minutes=30))
    for token in (str(expired), pair.refresh):
        socket = await connect(token)
        assert await socket.close_code() == 4401
    await live(connect, world.admin)  # the same session's access token works


@db
async def test_an_inactive_membership_or_user_closes_4401(connect, world) -> None:
    florist, courier = await run(token_for, world.florist), await run(token_for, world.courier)
    await run(Membership.objects.filter(pk=world.florist.pk).update, is_active=False)
    world.courier.user.is_active = False
    await run(world.courier.user.save)
    for token in (florist, courier):
        socket = await connect(token)
        assert await socket.close_code() == 4401


@db
async def test_a_role_without_order_access_closes_4403(connect, world, monkeypatch) -> None:
    monkeypatch.delitem(roles.MATRIX["orders"], Role.COURIER)
    socket = await connect(await run(token_for, world.courier))
    assert await socket.close_code() == 4403


@db
async def test_the_token_expiring_while_connected_closes_4401(connect, world) -> None:
    access = AccessToken(await run(token_for, world.admin))
    access.set_exp(from_time=timezone.now(), lifetime=dt.timedelta(seconds=2))
    socket = await connect(str(access))
    await socket.ready()
    assert await socket.close_code() == 4401


@db
@pytest.mark.parametrize("change", [{"is_active": False}, {"role": Role.MANAGER}])
async def test_deactivation_or_a_role_change_closes_4401(connect, world, change) -> None:
    socket = await live(connect, world.florist)
    await run(membership_update, membership=world.florist, actor=world.admin.user, **change)
    assert await socket.close_code() == 4401


@db
async def test_a_membership_change_in_another_shop_leaves_the_socket_open(connect, world, member) -> None:
    elsewhere = await run(member, Role.FLORIST, shop=world.other_shop, user=world.florist.user)
    socket = await live(connect, world.florist)
    await run(membership_update, membership=elsewhere, actor=world.stranger.user, is_active=False)
    await socket.ready()


# --- Origin ------------------------------------------------------------------------------------


async def accept_and_greet(scope: dict[str, Any], receive: Any, send: Any) -> None:
    await receive()
    await send({"type": "websocket.accept"})
    await send({"type": "websocket.send", "text": "hello"})


@pytest.mark.parametrize(
    ("origin", "accepted"),
    [
        (None, True),  # native apps and servers send none
        ("http://localhost:5173", True),  # host in ALLOWED_HOSTS, any port
        ("https://127.0.0.1", True),
        ("http://[::1]:8000", True),
        ("https://app.flowercrm.test", True),  # a CORS origin
        ("http://app.flowercrm.test", False),  # CORS origins match scheme and port too
        ("https://app.flowercrm.test:8443", False),
        ("https://evil.example", False),
        ("https://localhost.evil.example", False),
        ("null", False),
        ("file://", False),
    ],
)
async def test_origin(settings, origin, accepted) -> None:
    settings.CORS_ALLOWED_ORIGINS = ["https://app.flowercrm.test"]
    headers = [(b"origin", origin.encode())] if origin else []
    communicator = WebsocketCommunicator(AllowedOriginValidator(accept_and_greet), "/ws", headers=headers)
    connected, _ = await communicator.connect(timeout=TIMEOUT)
    assert connected, "refusals come after the handshake, with a close code"
    output = await communicator.receive_output(timeout=TIMEOUT)
    if accepted:
        assert output == {"type": "websocket.send", "text": "hello"}
    else:
        assert output == {"type": "websocket.close", "code": 4403}
    await communicator.disconnect(timeout=TIMEOUT)


def test_two_origin_headers_are_refused() -> None:
    present, parsed = _origin({"headers": [(b"origin", b"http://localhost"), (b"origin", b"http://localhost")]})
    assert present and parsed is None


@db
async def test_a_foreign_origin_is_refused_even_with_a_good_token(connect, world) -> None:
    socket = await connect(await run(token_for, world.admin), origin="https://evil.example")
    assert await socket.close_code() == 4403


@db
async def test_the_path_takes_an_optional_slash_and_nothing_else(connect, world) -> None:
    await live(connect, world.admin, path="/ws/")
    communicator = WebsocketCommunicator(application, "/wss")
    connected, _ = await communicator.connect(timeout=TIMEOUT)
    assert not connected
    await communicator.disconnect(timeout=TIMEOUT)


# --- Client messages --------------------------------------------------------------------------


@db
async def test_ping_pong_and_bad_messages_never_crash(connect, world) -> None:
    socket = await live(connect, world.courier)
    await socket.communicator.send_to(text_data="{not json")
    assert (await socket.receive())["code"] == "invalid_json"
    await socket.send({"type": "subscribe", "shop": 2})
    assert (await socket.receive())["code"] == "unknown_type"
    await socket.send([1, 2])
    assert (await socket.receive())["code"] == "unknown_type"
    await socket.communicator.send_to(bytes_data=b"\x00\x01")
    assert (await socket.receive())["code"] == "unsupported"
    await socket.communicator.send_to(text_data=json.dumps({"type": "ping", "pad": "x" * 5000}))
    assert (await socket.receive())["code"] == "too_large"
    await socket.ready()


# --- Audiences -------------------------------------------------------------------------------


@db
async def test_another_shops_orders_never_arrive(connect, world) -> None:
    mine = await live(connect, world.admin)
    theirs = await live(connect, world.stranger)
    order = await run(make_order, world.shop, world.admin.user, world.product)
    message = await mine.receive()
    assert (message["type"], message["data"]["id"]) == ("order_created", order.id)
    other = await run(make_order, world.other_shop, world.stranger.user, world.other_product)
    # The other shop's socket gets its own order first: ours never reached it.
    message = await theirs.receive()
    assert (message["type"], message["data"]["id"]) == ("order_created", other.id)
    assert await mine.nothing()


@db
async def test_florists_see_orders_from_confirmation_on(connect, world) -> None:
    florist = await live(connect, world.florist)
    order = await run(make_order, world.shop, world.admin.user, world.product)
    await run(order_transition, order=order, to=S.CONFIRMED, actor=world.admin.user, role=Role.ADMIN)
    first, second = await florist.receive(), await florist.receive()
    assert {first["type"], second["type"]} == {"task_update", "order_update"}
    update = first if first["type"] == "order_update" else second
    assert update["event"] == "status_changed"
    assert update["data"]["id"] == order.id and update["data"]["status"] == "confirmed"
    assert update["id"] == await run(lambda: OrderEvent.objects.filter(order=order).latest("id").id)
    assert await florist.nothing()  # the order_created of the new order never came


@db
async def test_couriers_get_only_their_orders(connect, world) -> None:
    mine = await live(connect, world.courier)
    theirs = await live(connect, world.courier2)
    order = await run(make_order, world.shop, world.admin.user, world.product)
    await run(order_update, order=order, actor=world.admin.user, data={"courier": world.courier.user})
    message = await mine.receive()
    assert (message["type"], message["event"], message["data"]["id"]) == ("order_update", "assigned", order.id)
    assert message["data"]["buyer"]["name"]  # the courier's serializer
    assert "paid_amount" not in message["data"]
    assert await theirs.nothing()

    # Taken away: the first courier learns it, the second gets it.
    await run(order_update, order=order, actor=world.admin.user, data={"courier": world.courier2.user})
    gone = await mine.receive()
    assert gone == {
        "type": "order_update",
        "event": "unassigned",
        "id": gone["id"],
        "data": {"id": order.id, "number": order.number},
    }
    message = await theirs.receive()
    assert (message["event"], message["data"]["id"]) == ("assigned", order.id)
    await run(order_comment_add, order=order, actor=world.admin.user, text="Позвонить заранее")
    assert (await theirs.receive())["event"] == "comment"
    assert await mine.nothing()


# --- Replay ----------------------------------------------------------------------------------


def log(order: Order, actor: Any, count: int) -> list[int]:
    return [order_comment_add(order=order, actor=actor, text=f"#{n}").id for n in range(count)]


def backdate(event_id: int, seconds: float) -> None:
    event = OrderEvent.objects.get(pk=event_id)
    OrderEvent.objects.filter(pk=event_id).update(created_at=event.created_at - dt.timedelta(seconds=seconds))


@db
async def test_since_replays_what_was_missed_then_live_without_duplicates(connect, world) -> None:
    order = await run(make_order, world.shop, world.admin.user, world.product)
    ids = await run(log, order, world.admin.user, 4)
    created = await run(lambda: OrderEvent.objects.get(order=order, type=EventType.CREATED).id)
    # Older than the 10 s grace before ``since``: the client has it and it committed long ago.
    await run(backdate, created, 60)
    socket = await connect(await run(token_for, world.admin), since=ids[1])
    replayed = [await socket.receive() for _ in range(3)]
    # ids[0] is inside the grace (it may have committed after ids[1]); ids[1] itself is not resent.
    assert [m["id"] for m in replayed] == [ids[0], ids[2], ids[3]]
    assert {(m["type"], m["event"]) for m in replayed} == {("order_update", "comment")}
    assert replayed[0]["data"]["id"] == order.id
    await socket.ready()
    more = await run(log, order, world.admin.user, 1)
    assert (await socket.receive())["id"] == more[0]
    assert await socket.nothing()


@db
async def test_an_event_committed_during_the_replay_arrives_once(connect, world, monkeypatch) -> None:
    order = await run(make_order, world.shop, world.admin.user, world.product)
    [since] = await run(log, order, world.admin.user, 1)
    real_replay = consumers._replay
    raced: list[int] = []

    def replay_after_a_commit(*args: Any) -> list[dict[str, Any]]:
        # Committed after the socket joined its groups, before the log is read: it is both in
        # the replay and waiting in the live queue.
        raced.extend(log(order, world.admin.user, 1))
        return real_replay(*args)

    monkeypatch.setattr(consumers, "_replay", replay_after_a_commit)
    socket = await connect(await run(token_for, world.admin), since=since)
    await socket.send({"type": "ping"})  # answered after the replay and the queued live messages
    ids = []
    while (message := await socket.receive()) != {"type": "pong"}:
        ids.append(message["id"])
    assert ids.count(raced[0]) == 1  # replayed; its live copy was dropped
    assert ids == sorted(ids)
    assert await socket.nothing()


@db
async def test_replay_shows_each_role_only_what_it_may_see(connect, world) -> None:
    mark = await run(lambda: OrderEvent.objects.order_by("-id").values_list("id", flat=True).first() or 0)
    new = await run(make_order, world.shop, world.admin.user, world.product)
    confirmed = await run(make_order, world.shop, world.admin.user, world.product)
    await run(order_transition, order=confirmed, to=S.CONFIRMED, actor=world.admin.user, role=Role.ADMIN)
    for_courier = await run(make_order, world.shop, world.admin.user, world.product)
    await run(order_update, order=for_courier, actor=world.admin.user, data={"courier": world.courier.user})
    taken = await run(make_order, world.shop, world.admin.user, world.product)
    await run(order_update, order=taken, actor=world.admin.user, data={"courier": world.courier.user})
    await run(order_update, order=taken, actor=world.admin.user, data={"courier": world.courier2.user})
    await run(make_order, world.other_shop, world.stranger.user, world.other_product)

    async def replay(membership: Membership) -> list[dict[str, Any]]:
        socket = await connect(await run(token_for, membership), since=mark)
        await socket.send({"type": "ping"})  # answered once the replay is sent
        messages = []
        while (message := await socket.receive()) != {"type": "pong"}:
            messages.append(message)
        return messages

    office = await replay(world.admin)
    assert {m["data"]["id"] for m in office} == {new.id, confirmed.id, for_courier.id, taken.id}
    assert [m["id"] for m in office] == sorted(m["id"] for m in office)
    floor = await replay(world.florist)
    assert {m["data"]["id"] for m in floor} == {confirmed.id}
    courier = await replay(world.courier)
    assert {(m["data"]["id"], m["event"]) for m in courier} >= {(for_courier.id, "assigned"), (taken.id, "unassigned")}
    assert {m["data"]["id"] for m in courier} == {for_courier.id, taken.id}
    assert [m["data"] for m in courier if m["data"]["id"] == taken.id] == [{"id": taken.id, "number": taken.number}]
    stranger = await replay(world.stranger)
    assert all(m["data"]["id"] not in {new.id, confirmed.id, for_courier.id, taken.id} for m in stranger)


@db
async def test_replay_is_capped_by_age_and_count(connect, world) -> None:
    order = await run(make_order, world.shop, world.admin.user, world.product)

    def flood() -> list[int]:
        rows = [
            OrderEvent(shop=world.shop, order=order, type=EventType.COMMENT, data={"text": str(n)})
            for n in range(REPLAY_MAX_EVENTS + 5)
        ]
        OrderEvent.objects.bulk_create(rows)
        ids = list(OrderEvent.objects.filter(order=order).order_by("id").values_list("id", flat=True))
        stale = timezone.now() - dt.timedelta(hours=25)
        OrderEvent.objects.filter(pk=ids[1]).update(created_at=stale)
        return ids

    ids = await run(flood)
    socket = await connect(await run(token_for, world.admin), since=0)
    replayed = [(await socket.receive())["id"] for _ in range(REPLAY_MAX_EVENTS)]
    assert replayed == ids[-REPLAY_MAX_EVENTS:]  # the newest 500, oldest first
    await socket.ready()


@db
async def test_an_invalid_since_is_reported_and_live_events_still_flow(connect, world) -> None:
    socket = await connect(await run(token_for, world.admin), since="12abc")
    assert (await socket.receive())["code"] == "invalid_since"
    await socket.ready()
    order = await run(make_order, world.shop, world.admin.user, world.product)
    assert (await socket.receive())["data"]["id"] == order.id


# --- The channel layer ------------------------------------------------------------------------


def test_the_redis_layer_is_used_when_configured() -> None:
    layer = get_channel_layer()
    if not os.environ.get("REDIS_URL"):
        assert type(layer).__name__ == "InMemoryChannelLayer"
        return
    # Pub/sub: one PUBLISH per group, fanned out by each process to its own sockets.
    assert type(layer).__name__ == "RedisPubSubChannelLayer"
    # Parallel test runs sharing one Redis never see each other's messages (pub/sub channels
    # ignore the database number: the prefix is what keeps them apart).
    assert settings.CHANNELS_PREFIX.startswith("flowercrm-test-")
    assert settings.CHANNEL_LAYERS["default"]["CONFIG"]["prefix"] == settings.CHANNELS_PREFIX


def test_the_committing_thread_publishes_to_the_layers_group_channel() -> None:
    """``events.send_to_groups`` publishes itself (no hop to an event loop) in the pub/sub
    layer's own channel name and format: a subscriber of the group gets the message."""
    layer = get_channel_layer()
    if not os.environ.get("REDIS_URL"):
        assert events._publisher(layer) is None  # the in-memory layer sends itself
        return
    import redis

    assert events._publisher(layer) is not None
    client = redis.Redis.from_url(os.environ["REDIS_URL"])
    pubsub = client.pubsub(ignore_subscribe_messages=True)
    pubsub.subscribe(f"{settings.CHANNELS_PREFIX}__group__probe.group")
    try:
        assert events.send_to_groups([("probe.group", {"type": "realtime.event", "text": "привет", "id": 7})])
        received = None
        for _ in range(50):
            received = pubsub.get_message(timeout=0.1)
            if received is not None:
                break
        assert received is not None
        assert layer.deserialize(received["data"]) == {"type": "realtime.event", "text": "привет", "id": 7}
    finally:
        pubsub.close()
        client.close()
