"""The Telegram gateway: backends, after-commit hand-off, and the real ``telegram`` backend end
to end against a local Bot API stub (no test touches the internet)."""

from __future__ import annotations

import io
import logging
import socket
import time

import pytest
from django.core.exceptions import ImproperlyConfigured
from django.db import transaction

from flowercrm import telegram
from flowercrm.telegram.backends import ConsoleBackend, TelegramBackend, get_backend
from flowercrm.telegram.testing import STUB_TOKEN, BotApiStub

pytestmark = pytest.mark.django_db


class Linked:
    def __init__(self, telegram_id: int | None) -> None:
        self.telegram_id = telegram_id


# --- locmem and the after-commit hand-off --------------------------------------------------


def test_locmem_sends_after_commit_only(telegram_outbox, django_capture_on_commit_callbacks) -> None:
    with django_capture_on_commit_callbacks(execute=True):
        with transaction.atomic():
            telegram.send_message(42, "Новый заказ №7")
            assert telegram_outbox == []  # not before commit
    assert telegram_outbox == [telegram.TelegramMessage(chat_id=42, text="Новый заказ №7")]


def test_nothing_is_sent_for_rolled_back_work(telegram_outbox, django_capture_on_commit_callbacks) -> None:
    with django_capture_on_commit_callbacks(execute=True):
        with pytest.raises(RuntimeError), transaction.atomic():
            telegram.send_message(42, "не уйдёт")
            raise RuntimeError("rollback")
    assert telegram_outbox == []


def test_send_to_users_skips_unlinked_and_duplicates(telegram_outbox, django_capture_on_commit_callbacks) -> None:
    with django_capture_on_commit_callbacks(execute=True):
        count = telegram.send_to_users([Linked(1), Linked(None), Linked(2), Linked(1)], "Смена начинается")
    assert count == 2
    assert [m.chat_id for m in telegram_outbox] == [1, 2]


def test_long_text_is_cut_to_telegram_limit() -> None:
    message = telegram.TelegramMessage(chat_id=1, text="я" * 5000)
    assert len(message.text) == 4096 and message.text.endswith("…")


def test_console_prints_text_only_in_debug(settings) -> None:
    stream = io.StringIO()
    settings.DEBUG = True
    ConsoleBackend(stream).send_messages([telegram.TelegramMessage(7, "Код для входа: 123456")])
    assert "123456" in stream.getvalue() and "chat 7" in stream.getvalue()

    stream = io.StringIO()
    settings.DEBUG = False
    ConsoleBackend(stream).send_messages([telegram.TelegramMessage(7, "Код для входа: 123456")])
    assert "123456" not in stream.getvalue() and "chat 7" in stream.getvalue()


def test_backend_by_name_or_path(settings) -> None:
    settings.TELEGRAM_BACKEND = "console"
    assert isinstance(get_backend(), ConsoleBackend)
    assert isinstance(get_backend("flowercrm.telegram.backends.LocmemBackend"), telegram.BaseTelegramBackend)
    with pytest.raises(ImproperlyConfigured):
        get_backend("carrier-pigeon")
    with pytest.raises(ImproperlyConfigured):
        get_backend("flowercrm.telegram.TelegramMessage")
    settings.TELEGRAM_BOT_TOKEN = ""
    with pytest.raises(ImproperlyConfigured):
        get_backend("telegram")


def test_a_broken_backend_never_raises_into_the_caller(settings, caplog, django_capture_on_commit_callbacks) -> None:
    settings.TELEGRAM_BACKEND = "carrier-pigeon"
    with caplog.at_level(logging.ERROR), django_capture_on_commit_callbacks(execute=True):
        telegram.send_message(1, "x")
    assert "dropped" in caplog.text


# --- the real backend against the local Bot API stub ---------------------------------------


def test_telegram_backend_end_to_end(telegram_live: BotApiStub, django_capture_on_commit_callbacks) -> None:
    with django_capture_on_commit_callbacks(execute=True):
        telegram.send_messages([telegram.TelegramMessage(101, "Первое"), telegram.TelegramMessage(102, "Второе")])
    assert telegram.wait_for_pending(timeout=10)
    # A second batch runs on a new event loop with a new Bot: nothing is cached across loops.
    with django_capture_on_commit_callbacks(execute=True):
        telegram.send_message(103, "Третье")
    assert telegram.wait_for_pending(timeout=10)

    assert [(m["chat_id"], m["text"]) for m in telegram_live.sent_messages()] == [
        (101, "Первое"),
        (102, "Второе"),
        (103, "Третье"),
    ]
    # Every call went to {base}/bot<token>/<method> (the stub answers nothing else).
    assert {c.method for c in telegram_live.calls} == {"getme", "sendmessage"}


def test_sending_does_not_wait_for_the_bot_api(telegram_live: BotApiStub, django_capture_on_commit_callbacks) -> None:
    telegram_live.delay = 0.5
    started = time.monotonic()
    with django_capture_on_commit_callbacks(execute=True):
        telegram.send_message(101, "Медленный Telegram")
    assert time.monotonic() - started < 0.3
    assert telegram.wait_for_pending(timeout=10)
    assert len(telegram_live.sent_messages()) == 1


def test_a_refused_chat_is_logged_and_the_rest_sent(telegram_live: BotApiStub, caplog) -> None:
    telegram_live.fail_chats[201] = (403, "Forbidden: bot was blocked by the user")
    telegram_live.fail_chats[202] = (400, "Bad Request: chat not found")
    messages = [telegram.TelegramMessage(c, f"секрет {c}") for c in (201, 202, 203)]
    with caplog.at_level(logging.WARNING):
        assert telegram.deliver(messages) == 1
    assert "chat 201" in caplog.text and "chat 202" in caplog.text
    assert "секрет" not in caplog.text  # message texts (login codes) are never logged
    assert [m["chat_id"] for m in telegram_live.sent_messages()] == [201, 202, 203]


def test_unreachable_api_is_logged_without_the_token(settings, caplog, django_capture_on_commit_callbacks) -> None:
    with socket.socket() as s:  # a port nothing listens on
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    settings.TELEGRAM_BACKEND = "telegram"
    settings.TELEGRAM_BOT_TOKEN = STUB_TOKEN
    settings.TELEGRAM_API_BASE_URL = f"http://127.0.0.1:{port}"
    with caplog.at_level(logging.INFO), django_capture_on_commit_callbacks(execute=True):
        telegram.send_message(1, "x")
    assert telegram.wait_for_pending(timeout=10)
    assert "Bot API unavailable" in caplog.text
    assert STUB_TOKEN not in caplog.text


def test_a_hanging_api_times_out(telegram_live: BotApiStub, settings, caplog) -> None:
    settings.TELEGRAM_SEND_TIMEOUT = 0.5
    telegram_live.delay = 3
    started = time.monotonic()
    with caplog.at_level(logging.ERROR):
        assert telegram.deliver([telegram.TelegramMessage(1, "x")]) == 0
    assert time.monotonic() - started < 2.5
    assert "timed out" in caplog.text


def test_rejected_token_is_logged_without_the_token(bot_api: BotApiStub, caplog) -> None:
    backend = TelegramBackend(token="999:wrong-token", api_base_url=bot_api.url + "/")
    with caplog.at_level(logging.ERROR):
        assert backend.send_messages([telegram.TelegramMessage(1, "x")]) == 0
    assert "Bot API unavailable" in caplog.text
    assert "wrong-token" not in caplog.text
    assert bot_api.sent_messages() == []
