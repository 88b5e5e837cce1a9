"""``manage.py maintenance``: the periodic clean-up (run it daily from cron).

Flushes expired refresh tokens, spent one-time codes, idempotency keys older than 24 hours and
images uploaded more than 24 hours ago that were never attached. Safe to run at any time and
as often as you like.
"""

from __future__ import annotations

from typing import Any

from django.core.management import call_command
from django.core.management.base import BaseCommand
from django.utils import timezone


class Command(BaseCommand):
    help = "Delete expired tokens, one-time codes, idempotency keys and unattached uploads."

    def handle(self, *args: Any, **options: Any) -> None:
        from apps.accounts.otp import otp_delete_expired
        from apps.orders.idempotency import KEEP_FOR
        from apps.orders.models import IdempotencyKey
        from flowercrm.uploads import image_purge_unattached

        call_command("flushexpiredtokens", verbosity=0)
        otp_rows = otp_delete_expired()
        keys, _ = IdempotencyKey.objects.filter(created_at__lt=timezone.now() - KEEP_FOR).delete()
        images = image_purge_unattached()
        self.stdout.write(
            f"maintenance: expired tokens flushed, {otp_rows} one-time code rows, "
            f"{keys} idempotency keys, {images} unattached images deleted"
        )
