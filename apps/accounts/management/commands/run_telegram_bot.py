"""``manage.py run_telegram_bot``: the linking bot, by long polling (run exactly one)."""

from __future__ import annotations

import asyncio
import threading
from typing import Any

from django.conf import settings
from django.core.management.base import CommandError
from django.utils.translation import gettext

from apps.accounts.bot import run_polling
from flowercrm.management.base import TranslatedCommand


class Command(TranslatedCommand):
    help = (
        "Run the Telegram bot by long polling (TELEGRAM_BOT_TOKEN, TELEGRAM_API_BASE_URL). "
        "Run exactly one process per bot: Telegram refuses a second poller. Stops on SIGINT/SIGTERM."
    )
    # For call_command only (tests, an embedding process): a threading.Event that stops polling.
    stealth_options = ("stop_event",)

    def handle(self, *args: Any, **options: Any) -> None:
        token = settings.TELEGRAM_BOT_TOKEN
        if not token:
            raise CommandError(gettext("TELEGRAM_BOT_TOKEN is not set."))
        stop: threading.Event = options.get("stop_event") or threading.Event()
        in_main_thread = threading.current_thread() is threading.main_thread()
        self.stdout.write(
            gettext("Polling the Bot API at %(url)s (Ctrl+C to stop)") % {"url": settings.TELEGRAM_API_BASE_URL}
        )
        asyncio.run(
            run_polling(
                token=token,
                api_base_url=settings.TELEGRAM_API_BASE_URL,
                stop=stop,
                handle_signals=in_main_thread,
            )
        )
