"""``manage.py send_daily_summary [--shop ID|SLUG|NAME] [--date YYYY-MM-DD] [--not-before HH:MM]
[--dry-run]`` — the evening summary in Telegram, run from cron (e.g. ``0 * * * *`` with
``--not-before 20:00``: every shop gets it once, in the evening of its own time zone)."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.core.management.base import CommandError, CommandParser
from django.utils.translation import gettext

from apps.reports.summary import DRY_RUN, daily_summary_send
from apps.shops.models import Shop
from apps.shops.selectors import shop_find
from flowercrm.errors import DomainError
from flowercrm.management.base import TranslatedCommand
from flowercrm.scopes import scope


def _date(value: str) -> dt.date:
    try:
        return dt.date.fromisoformat(value)
    except ValueError:
        raise CommandError(gettext("--date takes a date as YYYY-MM-DD, not %(value)r") % {"value": value}) from None


def _time(value: str) -> dt.time:
    try:
        return dt.time.fromisoformat(value)
    except ValueError:
        raise CommandError(gettext("--not-before takes a time as HH:MM, not %(value)r") % {"value": value}) from None


class Command(TranslatedCommand):
    help = (
        "Send each shop's summary of the day (orders, revenue, money received by payment method, best "
        "sellers, what customers owe) to its admins and managers who linked Telegram. Once per shop per "
        "day in the shop's time zone: a second run the same day sends nothing; a run that reached nobody "
        "leaves the day unsent."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--shop", default=None, help="Only this shop (id, slug or name).")
        parser.add_argument("--date", default=None, help="Summarise this day (YYYY-MM-DD) instead of today.")
        parser.add_argument(
            "--not-before",
            default=None,
            help="Skip shops where it is not yet this local time (HH:MM); for an hourly cron job.",
        )
        parser.add_argument("--dry-run", action="store_true", help="Print the messages; send and record nothing.")

    def handle(self, *args: Any, **options: Any) -> None:
        day = _date(options["date"]) if options["date"] else None
        not_before = _time(options["not_before"]) if options["not_before"] else None
        if options["shop"] is not None:
            try:
                found = shop_find(key=options["shop"])
            except DomainError as exc:
                raise CommandError(str(exc)) from None
            if found is None:
                raise CommandError(gettext("No shop %(key)r") % {"key": options["shop"]})
            shops = [found]
        else:
            shops = list(Shop.objects.order_by("id"))
        for shop in shops:
            with scope(shop=shop):
                run = daily_summary_send(shop=shop, day=day, not_before=not_before, dry_run=options["dry_run"])
            self.stdout.write(
                gettext("%(shop)s, %(day)s: %(outcome)s")
                % {"shop": shop.name, "day": run.day.isoformat(), "outcome": run.describe()}
            )
            if run.outcome == DRY_RUN:
                self.stdout.write(run.text + "\n")
