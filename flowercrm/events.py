"""Live events (ARCHITECTURE §6): services publish, ``/ws`` sockets receive, after commit.

``publish(...)`` registers ``transaction.on_commit(..., robust=True)``: rolled-back work
publishes nothing, and the payload of each audience is built at commit time, from the
committed rows. Sending goes through the channel layer (channels-redis with ``REDIS_URL``, so
an event published by one process reaches sockets held by another); a layer that fails or
does not answer within ``SEND_TIMEOUT`` seconds is logged and never fails the request.

Audiences and their groups:

- ``OFFICE`` → ``shop.<id>.office``: admins and managers (full summaries);
- ``FLOOR`` → ``shop.<id>.floor``: florists (only what florists may see);
- ``courier_audience(user_id)`` → ``courier.<user id>``: one courier (their own orders).

Every socket also listens on ``user.<id>`` for ``force_close`` (deactivation, role change).
"""

from __future__ import annotations

import asyncio
import json
import logging
from collections.abc import Callable, Iterable, Mapping
from functools import partial
from typing import Any

from asgiref.sync import async_to_sync
from channels.layers import get_channel_layer
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
    return json.loads(encode({"type": type, "data": data, "event": event, "id": id}))  # type: ignore[no-any-return]


def encode(message: Mapping[str, Any]) -> str:
    return json.dumps(message, cls=DjangoJSONEncoder, ensure_ascii=False, separators=(",", ":"))


def publish(
    *,
    shop_id: int,
    type: str,
    data: Payload | PayloadBuilder,
    event: str | None = None,
    id: int | None = None,
    audience: Iterable[str] = (OFFICE, FLOOR),
) -> None:
    """Send ``{"type", "data", "event", "id"}`` to ``audience`` once the current transaction
    commits (at once outside one). ``data`` is the payload for every audience, or a function
    called at commit time with each audience that returns its payload (None: skip it).
    Never raises because of the channel layer."""
    transaction.on_commit(
        partial(_deliver, shop_id=shop_id, type=type, data=data, event=event, id=id, audience=tuple(audience)),
        robust=True,
    )


def force_close(*, user_id: int, shop_id: int | None = None) -> None:
    """After commit, close the user's sockets of ``shop_id`` (all shops: None) with 4401 —
    a deactivated or re-roled member reconnects and is authorised afresh."""
    message = {"type": LAYER_FORCE_CLOSE, "shop_id": shop_id}
    transaction.on_commit(partial(send_to_groups, [(user_group(user_id), message)]), robust=True)


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
        async_to_sync(_send_all)(layer, sends)
    except Exception:
        logger.exception("live events not sent to %s", ", ".join(group for group, _ in sends))
        return False
    return True


async def _send_all(layer: Any, sends: list[tuple[str, dict[str, Any]]]) -> None:
    async with asyncio.timeout(SEND_TIMEOUT):
        await asyncio.gather(*(layer.group_send(group, message) for group, message in sends))
