"""The Telegram gateway: how the rest of FlowerCRM sends a message to a person's chat.

Backends are chosen by ``settings.TELEGRAM_BACKEND``, like Django's email backends:

- ``console`` — development: prints each message (the text only when ``DEBUG`` is on);
- ``locmem`` — tests: appends to ``flowercrm.telegram.outbox``;
- ``telegram`` — the Bot API through python-telegram-bot, at ``TELEGRAM_API_BASE_URL``;
- or a dotted path to a ``BaseTelegramBackend`` subclass.

Services call ``send_message``/``send_messages``. Sending never blocks or fails the request
that caused it: the messages are handed over when the current transaction commits (nothing
is sent for rolled-back work), a backend that talks to the network runs on a background
thread with a timeout, and every failure is logged, never raised.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Iterable
from concurrent.futures import Future, ThreadPoolExecutor, wait
from functools import partial
from typing import Protocol

from django.db import transaction

from flowercrm.telegram.backends import BaseTelegramBackend, TelegramMessage, get_backend

__all__ = [
    "BaseTelegramBackend",
    "TelegramMessage",
    "deliver",
    "get_backend",
    "outbox",
    "send_message",
    "send_messages",
    "send_to_users",
    "wait_for_pending",
]

logger = logging.getLogger(__name__)

# The ``locmem`` backend's outbox. Mutated in place (never rebound), so
# ``from flowercrm.telegram import outbox`` stays valid; tests clear it.
outbox: list[TelegramMessage] = []

# Messages waiting for the background sender beyond this are dropped (and logged): when the
# Bot API is down, memory must not grow without bound.
MAX_PENDING_MESSAGES = 1000

_executor: ThreadPoolExecutor | None = None
_executor_lock = threading.Lock()
_pending: set[Future[int]] = set()
_pending_messages = 0


class HasTelegramId(Protocol):
    telegram_id: int | None


def send_message(chat_id: int, text: str) -> None:
    """Send ``text`` to ``chat_id`` after the current transaction commits; never raises."""
    send_messages([TelegramMessage(chat_id=chat_id, text=text)])


def send_messages(messages: Iterable[TelegramMessage]) -> None:
    """Send a batch (one Bot API session) after the current transaction commits (at once when
    there is none). Nothing is sent if the transaction rolls back; never raises."""
    batch = list(messages)
    if batch:
        transaction.on_commit(partial(_dispatch, batch), robust=True)


def send_to_users(users: Iterable[HasTelegramId], text: str) -> int:
    """Send ``text`` to every user with a linked chat (once per chat); returns how many."""
    chat_ids = list(dict.fromkeys(u.telegram_id for u in users if u.telegram_id is not None))
    send_messages(TelegramMessage(chat_id=chat_id, text=text) for chat_id in chat_ids)
    return len(chat_ids)


def deliver(messages: Iterable[TelegramMessage]) -> int:
    """Send now, on this thread, waiting for the result (management commands, cron jobs).
    Returns how many messages the backend accepted; failures are logged, never raised."""
    batch = list(messages)
    if not batch:
        return 0
    try:
        return get_backend().send_messages(batch)
    except Exception:
        logger.exception("Telegram: a batch of %d message(s) was not sent", len(batch))
        return 0


def wait_for_pending(timeout: float = 10.0) -> bool:
    """Wait until the background sender is idle (tests, graceful shutdown). True if it is."""
    with _executor_lock:
        futures = set(_pending)
    if not futures:
        return True
    _done, not_done = wait(futures, timeout=timeout)
    return not not_done


def _dispatch(batch: list[TelegramMessage]) -> None:
    """Runs at commit, on the request's thread: must be quick and must not raise."""
    try:
        backend = get_backend()
    except Exception:
        logger.exception("Telegram: backend unavailable; %d message(s) dropped", len(batch))
        return
    if not backend.background:
        _deliver_with(backend, batch)
        return
    _submit(backend, batch)


def _deliver_with(backend: BaseTelegramBackend, batch: list[TelegramMessage]) -> int:
    try:
        return backend.send_messages(batch)
    except Exception:
        logger.exception("Telegram: a batch of %d message(s) was not sent", len(batch))
        return 0


def _submit(backend: BaseTelegramBackend, batch: list[TelegramMessage]) -> None:
    global _executor, _pending_messages
    with _executor_lock:
        if _pending_messages + len(batch) > MAX_PENDING_MESSAGES:
            logger.error("Telegram: %d message(s) dropped, the send queue is full", len(batch))
            return
        if _executor is None:
            _executor = ThreadPoolExecutor(max_workers=2, thread_name_prefix="telegram-send")
        _pending_messages += len(batch)
        future = _executor.submit(_deliver_with, backend, batch)
        _pending.add(future)
    future.add_done_callback(partial(_forget, size=len(batch)))


def _forget(future: Future[int], *, size: int) -> None:
    global _pending_messages
    with _executor_lock:
        _pending.discard(future)
        _pending_messages -= size
