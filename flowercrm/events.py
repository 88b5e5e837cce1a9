"""Live events (ARCHITECTURE §6): services publish, ``/ws`` sockets receive, after commit.

``publish(...)`` registers ``transaction.on_commit(..., robust=True)``: rolled-back work
publishes nothing, and the payload of each audience is built at commit time, from the
committed rows. Sending goes through the channel layer (channels-redis' pub/sub layer with ``REDIS_URL``, so
an event published by one process reaches sockets held by another); a layer that fails or
does not answer within ``SEND_TIMEOUT`` seconds is logged and never fails the request.

With the pub/sub layer on one Redis, the committing thread publishes itself — one pipelined
round trip of ``PUBLISH`` per group, in the layer's own channel names and message format —
instead of handing the send to the worker's event loop (``async_to_sync``), where it would
wait behind the loop's own writes of earlier events to its sockets.

Audiences and their groups:

- ``OFFICE`` → ``shop.<id>.office``: admins and managers (full summaries);
- ``FLOOR`` → ``shop.<id>.floor``: florists (only what florists may see);
- ``courier_audience(user_id)`` → ``courier.<user id>``: one courier (their own orders).

Every socket also listens on ``user.<id>`` for ``force_close`` (deactivation, role change).
"""

from __future__ import annotations

import asyncio
import hashlib
import json
import logging
from collections.abc import Callable, Hashable, Iterable, Mapping
from functools import partial
from typing import Any

import redis
from asgiref.sync import async_to_sync
from channels.layers import get_channel_layer
from channels_redis.pubsub import RedisPubSubChannelLayer
from channels_redis.utils import decode_hosts
from django.core.serializers.json import DjangoJSONEncoder
from django.db import transaction

from flowercrm.roles import Role, can

logger = logging.getLogger(__name__)

OFFICE = "office"
FLOOR = "floor"
COURIER_PREFIX = "courier."
# Message types (server → client).
ORDER_CREATED = "order_created"
ORDER_UPDATE = "order_update"
TASK_UPDATE = "task_update"
STOCK_LOW = "stock_low"
UNASSIGNED = "unassigned"
# The type of the channel-layer messages the consumer handles (``realtime_event``/``force_close``).
LAYER_EVENT = "realtime.event"
LAYER_FORCE_CLOSE = "force.close"
SEND_TIMEOUT = 2.0

Payload = Mapping[str, Any]
# Called at commit time once per audience; None: nothing for that audience.
PayloadBuilder = Callable[[str], Payload | None]


def courier_audience(user_id: int) -> str:
    return f"{COURIER_PREFIX}{user_id}"


def group_name(shop_id: int, audience: str) -> str:
    """The channel-layer group of an audience."""
    if audience in (OFFICE, FLOOR):
        return f"shop.{shop_id}.{audience}"
    if audience.startswith(COURIER_PREFIX):
        return audience
    raise ValueError(f"unknown audience {audience!r}")


def user_group(user_id: int) -> str:
    return f"user.{user_id}"


def session_group(session_key: str) -> str:
    """The group of the sockets a Django session opened (the board's): a digest, so the key
    itself never travels through the channel layer."""
    return "session." + hashlib.sha256(session_key.encode()).hexdigest()[:40]


def audiences_for(role: str, user_id: int) -> list[str]:
    """The audiences a member's socket joins: the office, the floor, or only their own
    courier group. Empty: the role may not read orders at all (the socket gets 4403)."""
    if not can(role, "orders"):
        return []
    if role in (Role.ADMIN, Role.MANAGER):
        return [OFFICE]
    if role == Role.FLORIST:
        return [FLOOR]
    if role == Role.COURIER:
        return [courier_audience(user_id)]
    return []


def client_message(*, type: str, data: Payload, event: str | None = None, id: int | None = None) -> dict[str, Any]:
    """What a socket receives: ``{"type", "data", "event", "id"}`` as plain JSON values."""
    return json.loads(encode({"type": type, "data": data, "event": event, "id": id}))


def encode(message: Mapping[str, Any]) -> str:
    return json.dumps(message, cls=DjangoJSONEncoder, ensure_ascii=False, separators=(",", ":"))


class _Publication:
    """A message waiting for its transaction to commit (a ``transaction.on_commit`` callback)."""

    def __init__(
        self,
        *,
        shop_id: int,
        type: str,
        data: Payload | PayloadBuilder,
        event: str | None,
        id: int | None,
        audience: tuple[str, ...],
        coalesce: Hashable | None,
    ) -> None:
        self.shop_id, self.type, self.data, self.event, self.id = shop_id, type, data, event, id
        self.audience, self.coalesce = audience, coalesce

    def __call__(self) -> None:
        _deliver(
            shop_id=self.shop_id, type=self.type, data=self.data, event=self.event, id=self.id, audience=self.audience
        )


_NO_SCOPE = object()


def _change_savepoint(connection: Any) -> Any:
    """What one change is: the outermost atomic block that is not a test case's (Django's own
    rule for durable blocks) — ``None`` when that is the transaction itself, else the id of
    its savepoint (a test runs each service call in a savepoint of the test's transaction),
    ``_NO_SCOPE`` when it has no savepoint to tell it by."""
    for index, block in enumerate(connection.atomic_blocks):
        if not getattr(block, "_from_testcase", False):
            if index == 0:
                return None
            savepoint = connection.savepoint_ids[index - 1]
            return _NO_SCOPE if savepoint is None else savepoint
    return _NO_SCOPE


def _pending(coalesce: Hashable) -> list[_Publication]:
    """The publications with this key still waiting for the current change to commit. Django
    drops the callbacks of a rolled-back savepoint from ``run_on_commit``, so what is found
    here is sent unless a savepoint that is open now rolls back — which drops the caller's too."""
    connection = transaction.get_connection()
    if not connection.in_atomic_block:
        return []
    scope = _change_savepoint(connection)
    if scope is _NO_SCOPE:
        return []
    return [
        func
        for savepoints, func, *_ in connection.run_on_commit
        if isinstance(func, _Publication) and func.coalesce == coalesce and (scope is None or scope in savepoints)
    ]


def publish(
    *,
    shop_id: int,
    type: str,
    data: Payload | PayloadBuilder,
    event: str | None = None,
    id: int | None = None,
    audience: Iterable[str] = (OFFICE, FLOOR),
    coalesce: Hashable | None = None,
) -> None:
    """Send ``{"type", "data", "event", "id"}`` to ``audience`` once the current transaction
    commits (at once outside one). ``data`` is the payload for every audience, or a function
    called at commit time with each audience that returns its payload (None: skip it).
    Never raises because of the channel layer.

    ``coalesce``: one change, one message (ARCHITECTURE §11.1). Publications with the same key
    in one transaction send one message per audience: the first one's type, event and payload
    (built at commit, so it shows every change), with the ``id`` of the last one — e.g. a task
    completed with a photo is one ``task_update`` and one ``order_update``, not two of each."""
    targets = tuple(audience)
    if coalesce is not None:
        covered: set[str] = set()
        for pending in _pending(coalesce):
            shared = set(pending.audience) & set(targets)
            if shared:
                covered |= shared
                if id is not None:
                    pending.id = id
        targets = tuple(name for name in targets if name not in covered)
        if not targets:
            return
    transaction.on_commit(
        _Publication(shop_id=shop_id, type=type, data=data, event=event, id=id, audience=targets, coalesce=coalesce),
        robust=True,
    )


def force_close(*, user_id: int, shop_id: int | None = None) -> None:
    """After commit, close the user's sockets of ``shop_id`` (all shops: None) with 4401 —
    a deactivated or re-roled member reconnects and is authorised afresh."""
    message = {"type": LAYER_FORCE_CLOSE, "shop_id": shop_id}
    transaction.on_commit(partial(send_to_groups, [(user_group(user_id), message)]), robust=True)


def close_session_sockets(session_key: str) -> None:
    """After commit (at once outside a transaction), close the sockets this Django session
    opened with 4401 — a logout ends the board's live feed too."""
    message = {"type": LAYER_FORCE_CLOSE, "shop_id": None}
    transaction.on_commit(partial(send_to_groups, [(session_group(session_key), message)]), robust=True)


def _deliver(
    *,
    shop_id: int,
    type: str,
    data: Payload | PayloadBuilder,
    event: str | None,
    id: int | None,
    audience: tuple[str, ...],
) -> None:
    sends = []
    for name in audience:
        try:
            payload = data(name) if callable(data) else data
        except Exception:
            logger.exception("live event %s (id %s): building the payload for %s failed", type, id, name)
            continue
        if payload is None:
            continue
        # Encoded once here, not once per socket: consumers forward the text as it is.
        text = encode({"type": type, "data": payload, "event": event, "id": id})
        sends.append((group_name(shop_id, name), {"type": LAYER_EVENT, "shop_id": shop_id, "id": id, "text": text}))
    if sends:
        send_to_groups(sends)


def send_to_groups(sends: list[tuple[str, dict[str, Any]]]) -> bool:
    """Send each ``(group, message)`` through the channel layer within ``SEND_TIMEOUT``.
    Failures are logged, never raised; the answer says whether everything was sent."""
    layer = get_channel_layer()
    if layer is None:
        return False
    try:
        publisher = _publisher(layer)
        if publisher is not None:
            publisher.publish(sends)
        else:
            async_to_sync(_send_all)(layer, sends)
    except Exception:
        logger.exception("live events not sent to %s", ", ".join(group for group, _ in sends))
        return False
    return True


async def _send_all(layer: Any, sends: list[tuple[str, dict[str, Any]]]) -> None:
    async with asyncio.timeout(SEND_TIMEOUT):
        await asyncio.gather(*(layer.group_send(group, message) for group, message in sends))


class _Publisher:
    """``group_send`` of channels-redis' pub/sub layer done from a synchronous thread: each
    message serialised by the layer and ``PUBLISH``-ed to the layer's channel of the group
    (``<prefix>__group__<group>``), all in one pipelined round trip."""

    def __init__(self, layer: RedisPubSubChannelLayer, address: str, prefix: str) -> None:
        self.layer, self.prefix = layer, prefix
        # Thread-safe; the pool reconnects after a fork (gunicorn workers).
        self.client = redis.Redis.from_url(address, socket_timeout=SEND_TIMEOUT, socket_connect_timeout=SEND_TIMEOUT)

    def publish(self, sends: list[tuple[str, dict[str, Any]]]) -> None:
        with self.client.pipeline(transaction=False) as pipe:
            for group, message in sends:
                pipe.publish(f"{self.prefix}__group__{group}", self.layer.serialize(message))
            pipe.execute()


_publishers: dict[int, tuple[Any, _Publisher | None]] = {}


def _publisher(layer: Any) -> _Publisher | None:
    """The synchronous publisher of ``layer``: only the pub/sub layer on a single Redis given by
    URL (several shards hash groups to hosts; the layer itself sends then)."""
    known = _publishers.get(id(layer))
    if known is not None and known[0] is layer:
        return known[1]
    publisher = None
    if isinstance(layer, RedisPubSubChannelLayer):
        # ``_kwargs``: the layer's configuration (its other attributes need a running loop).
        hosts = decode_hosts(layer._kwargs.get("hosts"))
        if len(hosts) == 1 and set(hosts[0]) == {"address"}:
            publisher = _Publisher(layer, hosts[0]["address"], layer._kwargs.get("prefix", "asgi"))
    _publishers[id(layer)] = (layer, publisher)
    return publisher
