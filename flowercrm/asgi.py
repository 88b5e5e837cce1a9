"""ASGI guards. Django's ASGI handler reads the whole body before any view runs, so the
size limit must stand in front of it — and, under daphne, in front of the application too:
daphne (Twisted) buffers the whole request body before it calls the application at all."""

from __future__ import annotations

import json
import sys
from typing import Any

from django.conf import settings
from django.utils import translation
from django.utils.translation import gettext
from django.utils.translation.trans_real import parse_accept_lang_header

Scope = dict[str, Any]
Receive = Any
Send = Any


def scope_language(scope: Scope) -> str:
    """The language a request outside Django's middleware is answered in: its
    ``Accept-Language`` as ``LocaleMiddleware`` reads it, else the default (Russian)."""
    for name, value in scope.get("headers", []):
        if name == b"accept-language":
            for code, _quality in parse_accept_lang_header(value.decode("latin-1")):
                if code == "*":
                    break
                try:
                    return translation.get_supported_language_variant(code)
                except LookupError:
                    continue
    return str(settings.LANGUAGE_CODE)


def too_large_body(language: str) -> bytes:
    with translation.override(language):
        detail = gettext("The request is too large.")
    return json.dumps({"detail": detail, "code": "too_large"}, ensure_ascii=False).encode()


class BodyTooLarge(Exception):
    pass


def request_body_limit() -> int:
    return int(getattr(settings, "MAX_REQUEST_BODY_BYTES", 11 * 1024 * 1024))


class BodySizeLimitMiddleware:
    """Refuse HTTP bodies over ``MAX_REQUEST_BODY_BYTES`` with a JSON 413: at once by
    ``Content-Length`` (nothing of the body is read), or while counting the chunks of a body
    sent without one (reading stops at the limit). The 413 carries ``Connection: close`` so the
    server drops the connection instead of draining the rest of the body.

    Under daphne the application only runs once the whole body has arrived, so constructing
    the guard also installs its server-side half (``install_daphne_guard``)."""

    def __init__(self, app: Any, max_bytes: int | None = None) -> None:
        self.app = app
        self.max_bytes = max_bytes
        install_daphne_guard()

    @property
    def limit(self) -> int:
        return self.max_bytes or request_body_limit()

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        limit = self.limit
        try:
            declared = _declared_length(scope)
        except ValueError:
            with translation.override(scope_language(scope)):
                detail = gettext("Invalid Content-Length.")
            await _send_json(send, 400, {"detail": detail, "code": "invalid"})
            return
        if declared is not None and declared > limit:
            await _send_too_large(send, scope)
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
                await _send_too_large(send, scope)


def _declared_length(scope: Scope) -> int | None:
    """The request's ``Content-Length`` (``ValueError`` when it is not a number)."""
    for name, value in scope.get("headers", []):
        if name == b"content-length":
            return int(value)
    return None


async def _send_too_large(send: Send, scope: Scope) -> None:
    await _send_payload(send, 413, too_large_body(scope_language(scope)), close=True)


async def _send_json(send: Send, status: int, body: dict[str, str]) -> None:
    await _send_payload(send, status, json.dumps(body, ensure_ascii=False).encode())


async def _send_payload(send: Send, status: int, payload: bytes, *, close: bool = False) -> None:
    headers = [(b"content-type", b"application/json"), (b"content-length", str(len(payload)).encode())]
    if close:
        headers.append((b"connection", b"close"))
    await send({"type": "http.response.start", "status": status, "headers": headers})
    await send({"type": "http.response.body", "body": payload})


def _raw_too_large_response(language: str) -> bytes:
    body = too_large_body(language)
    head = (
        "HTTP/1.1 413 Request Entity Too Large\r\n"
        "Content-Type: application/json\r\n"
        f"Content-Length: {len(body)}\r\n"
        "Connection: close\r\n\r\n"
    )
    return head.encode("ascii") + body


def install_daphne_guard() -> bool:
    """Make daphne refuse an oversized body while it arrives, as uvicorn lets the ASGI guard do.

    daphne's request (a Twisted ``Request``) writes the whole body to a buffer and only then
    starts the application, so a 50 MB ``Content-Length`` would be waited for and a chunked body
    read to its end before any 413. daphne offers no hook for this; its ``HTTPFactory`` looks up
    the module-level ``WebRequest`` class for every connection, so we replace that name with a
    subclass that answers the JSON 413 from the headers (``gotLength``) or once the counted
    chunks pass the limit (``handleContentChunk``), then closes the connection without reading
    the rest.

    Only when daphne is the server (its module is already loaded: the ``daphne`` command and
    ``runserver`` import it before the application): importing Twisted here would install the
    wrong reactor. Idempotent; returns whether the guard is in place.
    """
    module = sys.modules.get("daphne.http_protocol")
    if module is None:
        return False
    base = module.WebRequest
    if getattr(base, "flowercrm_body_guard", False):
        return True

    class GuardedWebRequest(base):  # type: ignore[misc, valid-type]
        flowercrm_body_guard = True
        _body_seen = 0
        _refused = False

        def gotLength(self, length: int | None) -> None:  # noqa: N802 (Twisted's name)
            if length is not None and length > request_body_limit():
                # No "100 Continue" for a body we refuse (Twisted sends it after this call).
                self.requestHeaders.removeHeader(b"Expect")
                self._refuse()
                length = 0  # a small in-memory buffer instead of a temporary file
            super().gotLength(length)

        def handleContentChunk(self, data: bytes) -> None:  # noqa: N802
            if self._refused:
                return
            self._body_seen += len(data)
            if self._body_seen > request_body_limit():
                self._refuse()
                return
            super().handleContentChunk(data)

        def process(self) -> Any:
            if self._refused:  # the rest of a body that was already in the read buffer
                return None
            return super().process()

        def _refuse(self) -> None:
            self._refused = True
            headers = [(b"accept-language", v) for v in self.requestHeaders.getRawHeaders(b"accept-language", [])]
            self.channel.transport.write(_raw_too_large_response(scope_language({"headers": headers})))
            self.channel.loseConnection()  # stops reading; closes once the 413 is written

    module.WebRequest = GuardedWebRequest  # type: ignore[attr-defined]
    return True
