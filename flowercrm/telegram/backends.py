"""Telegram backends (see ``flowercrm.telegram``). A backend's ``send_messages`` is synchronous
and may block; ``background = True`` tells the gateway to call it off the request thread."""

from __future__ import annotations

import asyncio
import logging
import sys
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import IO, Any

from django.conf import settings
from django.core.exceptions import ImproperlyConfigured
from django.utils.module_loading import import_string
from telegram import Bot, InlineKeyboardMarkup
from telegram.error import BadRequest, EndPointNotFound, Forbidden, InvalidToken, NetworkError, TelegramError
from telegram.request import HTTPXRequest

logger = logging.getLogger("flowercrm.telegram")

# Telegram refuses longer messages.
MAX_TEXT_LENGTH = 4096

BACKENDS = {
    "console": "flowercrm.telegram.backends.ConsoleBackend",
    "locmem": "flowercrm.telegram.backends.LocmemBackend",
    "telegram": "flowercrm.telegram.backends.TelegramBackend",
}


@dataclass(frozen=True)
class TelegramMessage:
    """One text message to one chat (a linked user's ``telegram_id`` is their private chat)."""

    chat_id: int
    text: str
    # Buttons under the message (e.g. an invitation's Accept/Decline), or None.
    reply_markup: InlineKeyboardMarkup | None = None

    def __post_init__(self) -> None:
        if len(self.text) > MAX_TEXT_LENGTH:
            object.__setattr__(self, "text", self.text[: MAX_TEXT_LENGTH - 1] + "…")


class BaseTelegramBackend:
    background = False

    def send_messages(self, messages: Sequence[TelegramMessage]) -> int:
        """Send the batch; return how many were accepted. May raise (the gateway logs it)."""
        raise NotImplementedError


class ConsoleBackend(BaseTelegramBackend):
    """Development: prints messages. The text is shown only with ``DEBUG`` on, because it may
    be a login code and a production log must never hold one."""

    def __init__(self, stream: IO[str] | None = None) -> None:
        self.stream = stream

    def send_messages(self, messages: Sequence[TelegramMessage]) -> int:
        stream = self.stream or sys.stdout
        for message in messages:
            text = message.text if settings.DEBUG else f"<{len(message.text)} characters, shown only with DEBUG=1>"
            stream.write(f"[telegram → chat {message.chat_id}]\n{text}\n{'-' * 40}\n")
        stream.flush()
        logger.info("Telegram (console backend): %d message(s) printed, not sent", len(messages))
        return len(messages)


class LocmemBackend(BaseTelegramBackend):
    """Tests: keeps messages in ``flowercrm.telegram.outbox``."""

    def send_messages(self, messages: Sequence[TelegramMessage]) -> int:
        from flowercrm import telegram

        telegram.outbox.extend(messages)
        return len(messages)


def bot_api_url(api_base_url: str, path: str = "bot") -> Callable[[str], str]:
    """``Bot(base_url=...)`` appends the token to a plain string (and ``str.format``s one with
    braces), so it gets a callable: requests go to ``{base}/bot<token>/<method>``."""
    root = api_base_url.rstrip("/")
    return lambda token: f"{root}/{path}{token}"


def make_bot(*, token: str, api_base_url: str, timeout: float = 10.0) -> Bot:
    """A Bot talking to ``api_base_url``. Its HTTP client belongs to the event loop it is
    initialised in: open it with ``async with`` per batch and never keep it across loops."""
    request = HTTPXRequest(connect_timeout=min(timeout, 5.0), read_timeout=timeout, write_timeout=timeout)
    return Bot(
        token,
        base_url=bot_api_url(api_base_url),
        base_file_url=bot_api_url(api_base_url, "file/bot"),
        request=request,
        get_updates_request=HTTPXRequest(connect_timeout=min(timeout, 5.0), read_timeout=timeout),
    )


class TelegramBackend(BaseTelegramBackend):
    """The Bot API through python-telegram-bot. Each batch opens its own ``Bot`` on its own
    event loop, bounded by ``TELEGRAM_SEND_TIMEOUT`` seconds (default 20)."""

    background = True

    def __init__(
        self, *, token: str | None = None, api_base_url: str | None = None, timeout: float | None = None
    ) -> None:
        self.token = token or settings.TELEGRAM_BOT_TOKEN
        if not self.token:
            raise ImproperlyConfigured("TELEGRAM_BACKEND=telegram needs TELEGRAM_BOT_TOKEN.")
        self.api_base_url = api_base_url or settings.TELEGRAM_API_BASE_URL
        self.timeout: float = timeout or float(getattr(settings, "TELEGRAM_SEND_TIMEOUT", 20))

    def send_messages(self, messages: Sequence[TelegramMessage]) -> int:
        try:
            asyncio.get_running_loop()
        except RuntimeError:
            return asyncio.run(self._send_all(messages))
        raise RuntimeError("TelegramBackend.send_messages is synchronous; call it from a thread without a loop.")

    def _redact(self, text: str) -> str:
        return text.replace(self.token, "<token>")

    async def _send_all(self, messages: Sequence[TelegramMessage]) -> int:
        sent = 0
        try:
            async with asyncio.timeout(self.timeout):
                async with make_bot(token=self.token, api_base_url=self.api_base_url, timeout=self.timeout) as bot:
                    for message in messages:
                        sent += await self._send_one(bot, message)
        except TimeoutError:
            logger.error(
                "Telegram: batch timed out after %.0f s; %d of %d message(s) sent",
                self.timeout,
                sent,
                len(messages),
            )
        except TelegramError as exc:
            logger.error(
                "Telegram: Bot API unavailable (%s: %s); %d of %d message(s) sent",
                type(exc).__name__,
                self._redact(str(exc)),
                sent,
                len(messages),
            )
        return sent

    async def _send_one(self, bot: Bot, message: TelegramMessage) -> int:
        try:
            await bot.send_message(chat_id=message.chat_id, text=message.text, reply_markup=message.reply_markup)
        except Forbidden as exc:
            # The person blocked the bot or never pressed Start: nothing we can do here.
            logger.warning("Telegram: chat %s refuses messages (%s)", message.chat_id, self._redact(str(exc)))
            return 0
        except TelegramError as exc:
            if _is_connection_error(exc):
                raise
            logger.warning(
                "Telegram: message to chat %s not sent (%s: %s)",
                message.chat_id,
                type(exc).__name__,
                self._redact(str(exc)),
            )
            return 0
        return 1


def _is_connection_error(exc: TelegramError) -> bool:
    # A per-message error (BadRequest: chat not found…) skips that message; a broken
    # connection, a timeout or a rejected token ends the batch.
    return isinstance(exc, (NetworkError, InvalidToken, EndPointNotFound)) and not isinstance(exc, BadRequest)


def get_backend(name: str | None = None, **kwargs: Any) -> BaseTelegramBackend:
    """The configured backend (``TELEGRAM_BACKEND``): a short name or a dotted path."""
    name = name or settings.TELEGRAM_BACKEND
    path = BACKENDS.get(name, name)
    try:
        cls = import_string(path)
    except ImportError:
        raise ImproperlyConfigured(f"Unknown TELEGRAM_BACKEND {name!r}.") from None
    if not (isinstance(cls, type) and issubclass(cls, BaseTelegramBackend)):
        raise ImproperlyConfigured(f"TELEGRAM_BACKEND {name!r} is not a Telegram backend.")
    backend: BaseTelegramBackend = cls(**kwargs)
    return backend
