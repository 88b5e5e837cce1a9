"""``manage.py maintenance``: the periodic clean-up (run it daily from cron).

Flushes expired refresh tokens, then runs each clean-up named in
``settings.FLOWERCRM_MAINTENANCE`` (spent one-time codes, idempotency keys older than 24 hours,
images uploaded more than 24 hours ago that were never attached). The kernel names no app:
the apps' clean-ups are listed in settings. Safe to run at any time and as often as you like.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from django.conf import settings
from django.core.management import call_command
from django.utils.module_loading import import_string
from django.utils.translation import gettext

from flowercrm.management.base import TranslatedCommand
from flowercrm.scopes import scopes_disabled


class Command(TranslatedCommand):
    help = "Delete expired tokens, one-time codes, idempotency keys and unattached uploads."

    @scopes_disabled("purges expired rows of every shop at once")
    def handle(self, *args: Any, **options: Any) -> None:
        call_command("flushexpiredtokens", verbosity=0)
        counts = []
        for what, path in settings.FLOWERCRM_MAINTENANCE.items():
            purge: Callable[[], int] = import_string(path)
            counts.append(gettext("%(count)d %(what)s") % {"count": purge(), "what": gettext(what)})
        self.stdout.write(
            gettext("maintenance: expired tokens flushed, %(counts)s deleted") % {"counts": ", ".join(counts)}
        )
