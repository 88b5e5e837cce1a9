"""The ``/ws`` consumer: authenticate, join the audience's groups, replay, forward.

``ws://host/ws?token=<access token>[&since=<event id>]`` (ARCHITECTURE §6), or without a token
from a same-origin page logged in with the Django session (``flowercrm.realtime.session``,
§11.4: the board). The handshake
is accepted first so that refusals carry a close code a browser can read (closing before
``accept()`` shows as an HTTP 403 without one):

- 4401 — no, bad, expired or blacklisted token, inactive user or membership; also when the
  token expires while connected, and on ``force_close`` (deactivation, role change);
- 4403 — the member's role has no access to live events.

The role comes from the membership loaded now, never from the token. Thin: it reads (the
token's membership, the replay) and never writes.
"""

from __future__ import annotations

import asyncio
import json
import logging
import time
from collections.abc import Callable
from typing import TYPE_CHECKING, Any
from urllib.parse import parse_qs

from channels.auth import get_user
from channels.db import database_sync_to_async
from channels.generic.websocket import AsyncJsonWebsocketConsumer
from django.conf import settings
from django.utils.module_loading import import_string

from flowercrm import events
from flowercrm.auth import MembershipInactive, TokenInvalid, resolve_access_token
from flowercrm.realtime.session import same_origin, session_membership
from flowercrm.scopes import scope

if TYPE_CHECKING:
    from apps.accounts.models import User
    from apps.shops.models import Membership, Shop

logger = logging.getLogger(__name__)

CLOSE_UNAUTHORIZED = 4401
CLOSE_FORBIDDEN = 4403
CLOSE_INTERNAL_ERROR = 1011
MAX_CLIENT_MESSAGE = 4096  # characters; clients only ping
SINCE_MAX_DIGITS = 18


def query_params(scope: dict[str, Any]) -> dict[str, str]:
    """The first value of each query parameter (undecodable bytes are replaced)."""
    raw = scope.get("query_string", b"").decode("latin-1")
    return {name: values[0] for name, values in parse_qs(raw).items()}


def parse_since(value: str | None) -> int | None:
    """``since`` as an event id: digits only, at most 18 of them; anything else is None."""
    if value is None or not (value.isascii() and value.isdigit()) or len(value) > SINCE_MAX_DIGITS:
        return None
    return int(value)


def _replay(shop: Shop, role: str, user: User, since: int) -> list[dict[str, Any]]:
    """The missed messages, from the replay named in ``settings.FLOWERCRM_EVENT_REPLAY`` (the
    kernel imports no app: the orders app's event log is named there)."""
    replay: Callable[..., list[dict[str, Any]]] = import_string(settings.FLOWERCRM_EVENT_REPLAY)
    return replay(shop=shop, role=role, user=user, since=since)


class EventsConsumer(AsyncJsonWebsocketConsumer):
    """One member's live events, filtered by what their role may see."""

    shop_id: int | None = None
    closing = False

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        # Ids already sent by the replay: the same events may also wait in the live queue.
        self.replayed: set[int] = set()
        self.expiry: asyncio.Task[None] | None = None

    async def connect(self) -> None:
        await self.accept()
        params = query_params(self.scope)
        try:
            user, membership, expires = await self.authenticate(params.get("token", ""))
        except (TokenInvalid, MembershipInactive, PermissionError) as refused:
            # PermissionError: a session of a role the board does not admit.
            await self.refuse(CLOSE_FORBIDDEN if isinstance(refused, PermissionError) else CLOSE_UNAUTHORIZED)
            return
        except Exception:
            logger.exception("/ws: authentication failed unexpectedly")
            await self.refuse(CLOSE_INTERNAL_ERROR)
            return
        audiences = events.audiences_for(membership.role, user.pk)
        if not audiences:
            await self.refuse(CLOSE_FORBIDDEN)
            return
        self.shop_id = membership.shop_id
        # Joined before the replay is read, so nothing committed in between is missed: live
        # messages wait in this channel's queue (the channel layer's buffer) until the replay
        # is sent, and those it already carried are dropped (``self.replayed``).
        self.groups = [events.group_name(membership.shop_id, name) for name in audiences]
        self.groups.append(events.user_group(user.pk))
        session_key = self.session_key()
        if session_key:  # a logout of that session closes the socket (``close_session_sockets``)
            self.groups.append(events.session_group(session_key))
        for group in self.groups:
            await self.channel_layer.group_add(group, self.channel_name)
        if expires is not None:  # a session's socket lives as long as its membership
            self.expiry = asyncio.create_task(self.close_at(expires))

        since_raw = params.get("since")
        if since_raw is None:
            return
        since = parse_since(since_raw)
        if since is None:
            await self.send_json({"type": "error", "code": "invalid_since", "detail": "since: an event id."})
            return
        try:
            # The socket's shop scope (``flowercrm.scopes``); the worker thread runs in a copy
            # of this task's context, so the replay reads that shop's event log only.
            with scope(shop=membership.shop_id):
                messages = await database_sync_to_async(_replay)(membership.shop, membership.role, user, since)
        except Exception:
            logger.exception("/ws: replay failed")
            await self.refuse(CLOSE_INTERNAL_ERROR)
            return
        for message in messages:
            self.replayed.add(message["id"])
            await self.send_json(message)

    async def authenticate(self, raw_token: str) -> tuple[User, Membership, float | None]:
        """The socket's user, membership and token expiry: by the access token, or — without
        one — by the Django session of a same-origin page (no expiry: the session's)."""
        if raw_token:
            user, membership, token = await database_sync_to_async(resolve_access_token)(raw_token)
            return user, membership, float(token["exp"])
        if self.scope.get("session") is None or not same_origin(self.scope):
            raise TokenInvalid()
        user = await get_user(self.scope)
        membership = await database_sync_to_async(session_membership)(user, self.scope["session"])
        return user, membership, None

    def session_key(self) -> str | None:
        """The key of the Django session this socket authenticated with (None: by a token)."""
        if query_params(self.scope).get("token"):
            return None
        session = self.scope.get("session")
        return getattr(session, "session_key", None) if session is not None else None

    async def refuse(self, code: int) -> None:
        self.closing = True
        await self.close(code=code)

    async def close_at(self, exp: float) -> None:
        """Close with 4401 when the access token expires (the client reconnects with a new one)."""
        await asyncio.sleep(max(0.0, exp - time.time()))
        await self.refuse(CLOSE_UNAUTHORIZED)

    async def disconnect(self, code: int) -> None:
        self.closing = True
        if self.expiry is not None:
            self.expiry.cancel()

    # --- From the channel layer ------------------------------------------------------------

    async def dispatch(self, message: dict[str, Any]) -> None:
        # Forwarding touches no database: skip the stale-connection check channels runs (in a
        # thread) before every handler — per event and per socket, it was most of the cost.
        if message["type"] == events.LAYER_EVENT:
            await self.realtime_event(message)
        else:
            await super().dispatch(message)

    async def realtime_event(self, event: dict[str, Any]) -> None:
        """A published event: forwarded unless it belongs to another shop (a courier's
        personal group spans their shops; a socket serves one) or the replay sent it."""
        if self.closing or event.get("shop_id") != self.shop_id:
            return
        if event.get("id") is not None and event["id"] in self.replayed:
            return
        await self.send(text_data=event["text"])

    async def force_close(self, event: dict[str, Any]) -> None:
        """The membership changed: close, so the client reconnects and is authorised afresh."""
        if not self.closing and event.get("shop_id") in (None, self.shop_id):
            await self.refuse(CLOSE_UNAUTHORIZED)

    # --- From the client -------------------------------------------------------------------

    async def receive(self, text_data: str | None = None, bytes_data: bytes | None = None, **kwargs: Any) -> None:
        """``{"type": "ping"}`` → ``{"type": "pong"}``; anything else is answered with an
        error message and otherwise ignored."""
        if self.closing or self.shop_id is None:
            return
        if text_data is None:
            await self.error("unsupported", "Only JSON text messages are accepted.")
            return
        if len(text_data) > MAX_CLIENT_MESSAGE:
            await self.error("too_large", "Message too large.")
            return
        try:
            content = json.loads(text_data)
        except ValueError:
            await self.error("invalid_json", "Invalid JSON.")
            return
        if isinstance(content, dict) and content.get("type") == "ping":
            await self.send_json({"type": "pong"})
            return
        await self.error("unknown_type", 'Unknown message; send {"type": "ping"}.')

    async def error(self, code: str, detail: str) -> None:
        await self.send_json({"type": "error", "code": code, "detail": detail})
