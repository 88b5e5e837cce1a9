"""The ``Origin`` check of ``/ws`` (ARCHITECTURE §6, §9).

Channels' ``OriginValidator`` refuses a handshake without ``Origin`` (native apps and servers
send none, and the token — not a cookie — authenticates, so there is nothing to forge), and
``AllowedHostsOriginValidator`` ignores the CORS origins the SPA is served from. This one
accepts a missing ``Origin``; a present one must name an allowed host (``ALLOWED_HOSTS``
patterns, any scheme and port) or be one of ``CORS_ALLOWED_ORIGINS`` (scheme, host and port).
A refusal accepts the handshake and closes with 4403, so the client sees a close code
rather than an HTTP 403 without one.
"""

from __future__ import annotations

from typing import Any
from urllib.parse import ParseResult, urlparse

from channels.security.websocket import OriginValidator
from django.conf import settings

from flowercrm.realtime.consumers import CLOSE_FORBIDDEN


def _origin(scope: dict[str, Any]) -> tuple[bool, ParseResult | None]:
    """``(present, parsed)``; an undecodable or repeated header parses as None."""
    values = [value for name, value in scope.get("headers", []) if name == b"origin"]
    if not values:
        return False, None
    if len(values) > 1:
        return True, None
    try:
        return True, urlparse(values[0].decode("ascii"))
    except (UnicodeDecodeError, ValueError):
        return True, None


class AllowedOriginValidator(OriginValidator):
    def __init__(self, application: Any) -> None:
        super().__init__(application, allowed_origins=[])

    async def __call__(self, scope: dict[str, Any], receive: Any, send: Any) -> None:
        if scope["type"] != "websocket":
            raise ValueError("AllowedOriginValidator only guards WebSocket connections")
        present, parsed = _origin(scope)
        if not present or (parsed is not None and self.allowed(parsed)):
            await self.application(scope, receive, send)
            return
        await refuse(receive, send, code=CLOSE_FORBIDDEN)

    def allowed(self, origin: ParseResult) -> bool:
        """Read from the settings on every handshake (tests override them)."""
        if origin.scheme not in ("http", "https") or not origin.hostname:
            return False
        hosts = list(settings.ALLOWED_HOSTS)
        if settings.DEBUG and not hosts:
            hosts = ["localhost", "127.0.0.1", "[::1]"]
        patterns = [*(host for host in hosts if host != "*"), *settings.CORS_ALLOWED_ORIGINS]
        return "*" in hosts or any(self.match_allowed_origin(origin, pattern) for pattern in patterns)


async def refuse(receive: Any, send: Any, *, code: int) -> None:
    """Complete the handshake, then close with ``code`` (before ``accept`` a browser only sees
    an HTTP 403)."""
    message = await receive()
    if message["type"] != "websocket.connect":
        return
    await send({"type": "websocket.accept"})
    await send({"type": "websocket.close", "code": code})
