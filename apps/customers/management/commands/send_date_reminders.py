"""``manage.py send_date_reminders [--days N] [--shop ID]`` — run daily from cron."""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.utils.translation import gettext

from apps.customers.reminders import MAX_WINDOW, date_reminders_send
from apps.shops.models import Shop
from flowercrm.scopes import scope


class Command(BaseCommand):
    help = (
        "Remind each shop's managers in Telegram of customers' important dates due within each date's "
        "remind_days_before (or --days). Each occurrence is reminded once; one that reached nobody stays "
        "pending for the next run; safe to re-run."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--days", type=int, default=None, help=f"Override the window (0..{MAX_WINDOW}).")
        parser.add_argument("--shop", type=int, default=None, help="Only this shop id.")

    def handle(self, *args: Any, **options: Any) -> None:
        days = options["days"]
        if days is not None and not 0 <= days <= MAX_WINDOW:
            raise CommandError(gettext("--days must be within 0..%(max)s") % {"max": MAX_WINDOW})
        shops = Shop.objects.all().order_by("id")
        if options["shop"] is not None:
            shops = shops.filter(pk=options["shop"])
            if not shops.exists():
                raise CommandError(gettext("No shop with id %(id)s") % {"id": options["shop"]})
        for shop in shops:
            with scope(shop=shop):  # each shop's reminders in its own scope
                run = date_reminders_send(shop=shop, days=days)
            line = gettext("%(shop)s: %(dates)s dates reminded to %(people)s people") % {
                "shop": shop.name,
                "dates": len(run.reminded),
                "people": run.recipients,
            }
            if run.pending:
                line += gettext("; %(dates)s dates still pending (%(reason)s)") % {
                    "dates": len(run.pending),
                    "reason": run.pending_reason,
                }
            self.stdout.write(line)
