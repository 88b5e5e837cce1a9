"""Reminders about customers' important dates, sent to the shop's managers in Telegram.

Each date is reminded once per occurrence, on the first run that falls within its
``remind_days_before`` window (or ``days`` when given), so a daily cron job that skipped a day
still reminds, and a re-run never repeats.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from django.db import IntegrityError, transaction
from django.utils import timezone

from apps.accounts.models import User
from apps.customers.models import DateReminder
from apps.customers.selectors import UpcomingDate, customer_upcoming_dates
from apps.shops.models import Shop
from flowercrm.roles import BACK_OFFICE_ROLES
from flowercrm.telegram import TelegramMessage, deliver

MAX_WINDOW = 60


@dataclass(frozen=True)
class ReminderRun:
    shop: Shop
    reminded: list[UpcomingDate]
    recipients: int


def _text(shop: Shop, due: list[UpcomingDate]) -> str:
    lines = [f"Напоминания «{shop.name}»: важные даты клиентов"]
    for item in due:
        when = "сегодня" if item.days_until == 0 else f"через {item.days_until} дн."
        customer = item.customer
        lines.append(
            f"• {item.date:%d.%m} ({when}) — {item.important_date.title}: {customer.name or 'без имени'}, {customer.phone}"
        )
    return "\n".join(lines)


def date_reminders_send(*, shop: Shop, today: dt.date | None = None, days: int | None = None) -> ReminderRun:
    """Remind ``shop``'s active admins and managers (with a linked Telegram chat) of the dates
    due. Dates already reminded for this occurrence are skipped."""
    today = today or timezone.localdate(timezone=shop.zoneinfo)
    window = MAX_WINDOW if days is None else days
    due = []
    with transaction.atomic():
        for item in customer_upcoming_dates(shop=shop, days=window, today=today):
            limit = item.important_date.remind_days_before if days is None else days
            if item.days_until > limit:
                continue
            try:
                with transaction.atomic():
                    DateReminder.objects.create(important_date=item.important_date, occurrence=item.date)
            except IntegrityError:
                continue  # reminded already
            due.append(item)
        chats: list[int] = []
        if due:
            chats = [
                chat
                for chat in User.objects.filter(
                    memberships__shop=shop,
                    memberships__is_active=True,
                    memberships__role__in=BACK_OFFICE_ROLES,
                    is_active=True,
                    telegram_id__isnull=False,
                )
                .values_list("telegram_id", flat=True)
                .distinct()
                if chat is not None
            ]
    # Sent now, after the commit, and waited for: a cron process must not exit before sending.
    text = _text(shop, due) if due else ""
    deliver(TelegramMessage(chat_id=chat, text=text) for chat in chats)
    return ReminderRun(shop=shop, reminded=due, recipients=len(chats))
