"""ASGI guards. Django's ASGI handler reads the whole body before any view runs, so the
size limit must stand in front of it."""

from __future__ import annotations

import json
from typing import Any

from django.conf import settings

Scope = dict[str, Any]
Receive = Any
Send = Any


class BodyTooLarge(Exception):
    pass


class BodySizeLimitMiddleware:
    """Refuse HTTP bodies over ``MAX_REQUEST_BODY_BYTES`` with a JSON 413: at once by
    ``Content-Length``, or while counting the chunks of a body sent without one."""

    def __init__(self, app: Any, max_bytes: int | None = None) -> None:
        self.app = app
        self.max_bytes = max_bytes

    @property
    def limit(self) -> int:
        return self.max_bytes or int(getattr(settings, "MAX_REQUEST_BODY_BYTES", 11 * 1024 * 1024))

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        limit = self.limit
        for name, value in scope.get("headers", []):
            if name == b"content-length":
                try:
                    declared = int(value)
                except ValueError:
                    await _send_json(send, 400, {"detail": "Неверный Content-Length.", "code": "invalid"})
                    return
                if declared > limit:
                    await _send_too_large(send)
                    return
        received = 0
        response_started = False

        async def counting_receive() -> dict[str, Any]:
            nonlocal received
            message: dict[str, Any] = await receive()
            if message["type"] == "http.request":
                received += len(message.get("body", b""))
                if received > limit:
                    raise BodyTooLarge
            return message

        async def tracking_send(message: dict[str, Any]) -> None:
            nonlocal response_started
            if message["type"] == "http.response.start":
                response_started = True
            await send(message)

        try:
            await self.app(scope, counting_receive, tracking_send)
        except BodyTooLarge:
            if not response_started:
                await _send_too_large(send)


async def _send_too_large(send: Send) -> None:
    await _send_json(send, 413, {"detail": "Слишком большой запрос.", "code": "too_large"})


async def _send_json(send: Send, status: int, body: dict[str, str]) -> None:
    payload = json.dumps(body, ensure_ascii=False).encode()
    await send(
        {
            "type": "http.response.start",
            "status": status,
            "headers": [(b"content-type", b"application/json"), (b"content-length", str(len(payload)).encode())],
        }
    )
    await send({"type": "http.response.body", "body": payload})
