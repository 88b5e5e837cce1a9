"""Test helpers: a local stub of the Telegram Bot API and outbox fixtures (tests only).

``BotApiStub`` serves ``/bot<token>/<method>`` on 127.0.0.1 the way the real Bot API answers
python-telegram-bot: ``getMe``, ``deleteWebhook``, ``getUpdates`` (from a queue the test
fills), ``sendMessage`` (recorded), anything else ``true``. No test touches the internet.
"""

from __future__ import annotations

import json
import threading
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import parse_qsl

import pytest

from flowercrm import telegram

STUB_TOKEN = "123456:TEST-stub-token"  # noqa: S105
BOT_ID = 123456
BOT_USERNAME = "flowercrm_test_bot"


@dataclass(frozen=True)
class ApiCall:
    method: str
    params: dict[str, Any]


class BotApiStub:
    """A Bot API server on loopback. ``calls`` records every request (method, decoded
    parameters); ``fail_chats`` maps a chat id to ``(http status, description)`` for
    ``sendMessage``; ``delay`` holds every ``sendMessage`` answer that many seconds."""

    def __init__(self, token: str = STUB_TOKEN) -> None:
        self.token = token
        self.calls: list[ApiCall] = []
        self.fail_chats: dict[int, tuple[int, str]] = {}
        self.delay = 0.0
        self._updates: list[dict[str, Any]] = []
        self._next_update_id = 1000
        self._next_message_id = 1
        self._cond = threading.Condition()
        self._server = ThreadingHTTPServer(("127.0.0.1", 0), self._handler_class())
        self._server.daemon_threads = True
        self._thread = threading.Thread(
            target=self._server.serve_forever, kwargs={"poll_interval": 0.05}, name="bot-api-stub", daemon=True
        )

    # --- lifecycle ---------------------------------------------------------------------
    @property
    def url(self) -> str:
        host, port = self._server.server_address[:2]
        return f"http://{host!s}:{port}"

    def start(self) -> BotApiStub:
        self._thread.start()
        return self

    def stop(self) -> None:
        self._server.shutdown()
        self._server.server_close()

    # --- what a test reads and feeds -----------------------------------------------------
    def add_update(self, update: dict[str, Any]) -> int:
        with self._cond:
            self._next_update_id += 1
            self._updates.append({"update_id": self._next_update_id, **update})
            self._cond.notify_all()
            return self._next_update_id

    def calls_to(self, method: str) -> list[ApiCall]:
        with self._cond:
            return [c for c in self.calls if c.method == method.lower()]

    def sent_messages(self) -> list[dict[str, Any]]:
        """``sendMessage`` parameters, ``chat_id`` as int and ``reply_markup`` decoded."""
        out = []
        for call in self.calls_to("sendMessage"):
            params = dict(call.params)
            params["chat_id"] = int(params["chat_id"])
            if "reply_markup" in params:
                params["reply_markup"] = json.loads(params["reply_markup"])
            out.append(params)
        return out

    def wait_for(self, predicate: Callable[[BotApiStub], bool], timeout: float = 10.0) -> bool:
        deadline = time.monotonic() + timeout
        with self._cond:
            while not predicate(self):
                left = deadline - time.monotonic()
                if left <= 0:
                    return False
                self._cond.wait(min(left, 0.05))
        return True

    # --- Bot API -------------------------------------------------------------------------
    def _answer(self, method: str, params: dict[str, Any]) -> tuple[int, dict[str, Any]]:
        if method == "getme":
            return 200, _ok({"id": BOT_ID, "is_bot": True, "first_name": "FlowerCRM", "username": BOT_USERNAME})
        if method == "getupdates":
            return 200, _ok(self._updates_after(params))
        if method == "sendmessage":
            return self._send_message(params)
        return 200, _ok(True)

    def _updates_after(self, params: dict[str, Any]) -> list[dict[str, Any]]:
        offset = int(params.get("offset") or 0)
        wait = min(float(params.get("timeout") or 0), 0.2)
        deadline = time.monotonic() + wait
        with self._cond:
            while True:
                # Like Telegram: an offset confirms (forgets) every earlier update.
                self._updates = [u for u in self._updates if u["update_id"] >= offset]
                if self._updates or time.monotonic() >= deadline:
                    return list(self._updates)
                self._cond.wait(deadline - time.monotonic())

    def _send_message(self, params: dict[str, Any]) -> tuple[int, dict[str, Any]]:
        if self.delay:
            time.sleep(self.delay)
        chat_id = int(params["chat_id"])
        if chat_id in self.fail_chats:
            status, description = self.fail_chats[chat_id]
            return status, {"ok": False, "error_code": status, "description": description}
        with self._cond:
            self._next_message_id += 1
            message_id = self._next_message_id
        return 200, _ok(
            {
                "message_id": message_id,
                "date": int(time.time()),
                "chat": {"id": chat_id, "type": "private"},
                "from": {"id": BOT_ID, "is_bot": True, "first_name": "FlowerCRM"},
                "text": params.get("text", ""),
            }
        )

    def _handler_class(self) -> type[BaseHTTPRequestHandler]:
        stub = self

        class Handler(BaseHTTPRequestHandler):
            def log_message(self, format: str, *args: Any) -> None:  # noqa: A002
                pass

            def do_GET(self) -> None:  # noqa: N802
                self.do_POST()

            def do_POST(self) -> None:  # noqa: N802
                prefix = f"/bot{stub.token}/"
                if not self.path.startswith(prefix):
                    self._reply(404, {"ok": False, "error_code": 404, "description": "Not Found"})
                    return
                method = self.path[len(prefix) :].split("?", 1)[0].lower()
                params = self._params()
                with stub._cond:
                    stub.calls.append(ApiCall(method, params))
                    stub._cond.notify_all()
                status, body = stub._answer(method, params)
                self._reply(status, body)
                with stub._cond:
                    stub._cond.notify_all()

            def _params(self) -> dict[str, Any]:
                length = int(self.headers.get("Content-Length") or 0)
                raw = self.rfile.read(length) if length else b""
                ctype = self.headers.get("Content-Type", "")
                if ctype.startswith("application/json"):
                    return dict(json.loads(raw or b"{}"))
                return dict(parse_qsl(raw.decode(), keep_blank_values=True))

            def _reply(self, status: int, body: dict[str, Any]) -> None:
                data = json.dumps(body).encode()
                try:
                    self.send_response(status)
                    self.send_header("Content-Type", "application/json")
                    self.send_header("Content-Length", str(len(data)))
                    self.end_headers()
                    self.wfile.write(data)
                except (BrokenPipeError, ConnectionResetError):
                    pass  # the client gave up (a cancelled long poll)

        return Handler


def run_bot_until(stub: BotApiStub, *, method: str, count: int) -> None:
    """Run ``manage.py run_telegram_bot`` (long polling against ``stub``) until it has called
    ``method`` ``count`` times, then stop it; fails on an error in the bot or a time-out."""
    import io

    from django.core.management import call_command

    stop = threading.Event()
    errors: list[BaseException] = []

    def target() -> None:
        try:
            call_command("run_telegram_bot", stop_event=stop, stdout=io.StringIO())
        except BaseException as exc:  # noqa: BLE001 - reported below
            errors.append(exc)

    thread = threading.Thread(target=target, name="run_telegram_bot")
    thread.start()
    try:
        done = stub.wait_for(lambda s: len(s.calls_to(method)) >= count or bool(errors), timeout=20)
    finally:
        stop.set()
        thread.join(timeout=20)
    assert not errors, errors  # noqa: S101
    assert not thread.is_alive(), "the bot did not stop"  # noqa: S101
    assert done, stub.calls  # noqa: S101


def _ok(result: Any) -> dict[str, Any]:
    return {"ok": True, "result": result}


# --- building updates ----------------------------------------------------------------------
_message_ids = iter(range(1, 10**9))


def message_update(from_id: int, *, text: str | None = None, contact: dict[str, Any] | None = None) -> dict[str, Any]:
    """A private-chat ``message`` update from Telegram user ``from_id``."""
    message: dict[str, Any] = {
        "message_id": next(_message_ids),
        "date": int(time.time()),
        "chat": {"id": from_id, "type": "private", "first_name": f"User{from_id}"},
        "from": {"id": from_id, "is_bot": False, "first_name": f"User{from_id}"},
    }
    if text is not None:
        message["text"] = text
        if text.startswith("/"):
            message["entities"] = [{"type": "bot_command", "offset": 0, "length": len(text.split()[0])}]
    if contact is not None:
        message["contact"] = contact
    return {"message": message}


def contact_update(from_id: int, *, phone: str, user_id: int | None) -> dict[str, Any]:
    """A shared contact: ``user_id == from_id`` is the person's own number (the keyboard
    button); anything else is a forwarded or typed-in contact."""
    contact: dict[str, Any] = {"phone_number": phone, "first_name": "Contact"}
    if user_id is not None:
        contact["user_id"] = user_id
    return message_update(from_id, contact=contact)


# --- fixtures (import them into a test module to use them) ---------------------------------
@pytest.fixture
def telegram_outbox() -> Iterator[list[telegram.TelegramMessage]]:
    """The ``locmem`` outbox, empty at the start and end of the test."""
    telegram.outbox.clear()
    yield telegram.outbox
    telegram.outbox.clear()


@pytest.fixture
def bot_api() -> Iterator[BotApiStub]:
    stub = BotApiStub().start()
    try:
        yield stub
    finally:
        telegram.wait_for_pending(timeout=10)
        stub.stop()


@pytest.fixture
def telegram_live(bot_api: BotApiStub, settings: Any) -> BotApiStub:
    """Settings pointing the real ``telegram`` backend (and the bot) at the local stub."""
    settings.TELEGRAM_BACKEND = "telegram"
    settings.TELEGRAM_BOT_TOKEN = bot_api.token
    settings.TELEGRAM_BOT_USERNAME = BOT_USERNAME
    settings.TELEGRAM_API_BASE_URL = bot_api.url
    return bot_api
