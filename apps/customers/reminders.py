"""Reminders about customers' important dates, sent to the shop's managers in Telegram.

Each date is reminded once per occurrence, on the first run that falls within its
``remind_days_before`` window (or ``days`` when given) and reaches at least one person, so a
daily cron job that skipped a day — or had nobody to tell — still reminds, and a re-run never
repeats.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field

from django.conf import settings
from django.db import IntegrityError, transaction
from django.utils import timezone, translation
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from apps.customers.models import DateReminder
from apps.customers.selectors import UpcomingDate, customer_upcoming_dates
from apps.shops.models import Shop
from apps.shops.selectors import office_chat_ids
from flowercrm.telegram import TelegramMessage, deliver

MAX_WINDOW = 60


@dataclass(frozen=True)
class ReminderRun:
    """What one run did: ``reminded`` — occurrences handed to the Telegram backend for at
    least one person (now marked reminded); ``pending`` — occurrences due but not handed to
    anyone (still pending: the next run tries again), with ``pending_reason``."""

    shop: Shop
    reminded: list[UpcomingDate]
    recipients: int
    pending: list[UpcomingDate] = field(default_factory=list)
    pending_reason: str = ""


NO_RECIPIENTS = _("no active admin or manager has a linked Telegram chat")
NOT_SENT = _("the Telegram backend accepted no message")


def _text(shop: Shop, due: list[UpcomingDate]) -> str:
    """The reminder in the shop's language (the default one: a cron job has no request)."""
    with translation.override(settings.LANGUAGE_CODE):
        lines = [gettext("Reminders of “%(shop)s”: customers' important dates") % {"shop": shop.name}]
        for item in due:
            if item.days_until == 0:
                when = gettext("today")
            else:
                when = gettext("in %(days)s d.") % {"days": item.days_until}
            customer = item.customer
            lines.append(
                gettext("• %(date)s (%(when)s) — %(title)s: %(name)s, %(phone)s")
                % {
                    "date": f"{item.date:%d.%m}",
                    "when": when,
                    "title": item.important_date.title,
                    "name": customer.name or gettext("no name"),
                    "phone": customer.phone,
                }
            )
    return "\n".join(lines)


def _due(shop: Shop, today: dt.date, days: int | None) -> list[UpcomingDate]:
    """Occurrences within their reminder window (``remind_days_before``, or ``days``)."""
    window = MAX_WINDOW if days is None else days
    return [
        item
        for item in customer_upcoming_dates(shop=shop, days=window, today=today)
        if item.days_until <= (item.important_date.remind_days_before if days is None else days)
    ]


def date_reminders_pending(*, shop: Shop, today: dt.date | None = None) -> list[UpcomingDate]:
    """Occurrences within their reminder window that nobody has been reminded of yet (what
    the next run would send; the admin dashboard lists them)."""
    today = today or timezone.localdate(timezone=shop.zoneinfo)
    due = _due(shop, today, None)
    sent = set(
        DateReminder.objects.filter(important_date__in=[i.important_date for i in due]).values_list(
            "important_date_id", "occurrence"
        )
    )
    return [item for item in due if (item.important_date.pk, item.date) not in sent]


def date_reminders_send(*, shop: Shop, today: dt.date | None = None, days: int | None = None) -> ReminderRun:
    """Remind ``shop``'s active admins and managers (with a linked Telegram chat) of the dates
    due. Dates already reminded for this occurrence are skipped.

    An occurrence is marked reminded only when the message was handed to the backend for at
    least one person (ARCHITECTURE §11.1); otherwise it stays pending and the next run tries
    again. The marks are written and the message sent in one transaction, committed only
    after the backend accepted it: a concurrent run waits on our marks and then skips them,
    and a crash before sending leaves nothing marked."""
    today = today or timezone.localdate(timezone=shop.zoneinfo)
    chats = office_chat_ids(shop=shop)
    with transaction.atomic():
        due = []
        for item in _due(shop, today, days):
            try:
                with transaction.atomic():
                    DateReminder.objects.create(important_date=item.important_date, occurrence=item.date)
            except IntegrityError:
                continue  # reminded already
            due.append(item)
        if not due:
            return ReminderRun(shop=shop, reminded=[], recipients=0)
        # Sent now and waited for: a cron process must not exit before sending.
        accepted = deliver(TelegramMessage(chat_id=chat, text=_text(shop, due)) for chat in chats)
        if not accepted:
            transaction.set_rollback(True)  # nobody got it: the occurrences stay pending
            return ReminderRun(
                shop=shop,
                reminded=[],
                recipients=0,
                pending=due,
                pending_reason=str(NOT_SENT if chats else NO_RECIPIENTS),
            )
    return ReminderRun(shop=shop, reminded=due, recipients=accepted)
