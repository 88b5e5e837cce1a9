"""``send_date_reminders``: each occurrence reminded once, in the shop's zone, to managers only."""

from __future__ import annotations

import datetime as dt
from unittest import mock

import pytest
from django.core.management import call_command
from django.utils import translation

from apps.customers.models import Customer, DateReminder, ImportantDate
from apps.customers.reminders import NO_RECIPIENTS, NOT_SENT, date_reminders_pending, date_reminders_send
from flowercrm.roles import Role

pytestmark = pytest.mark.django_db


@pytest.fixture
def managers(member):
    manager = member(Role.MANAGER)
    manager.user.telegram_id = 5001
    manager.user.save()
    florist = member(Role.FLORIST)
    florist.user.telegram_id = 5002
    florist.user.save()
    unlinked = member(Role.ADMIN)
    return manager, florist, unlinked


@pytest.fixture
def wife_birthday(shop):
    customer = Customer.objects.create(shop=shop, phone="+77011110000", name="Ерлан")
    return ImportantDate.objects.create(customer=customer, day=2, month=1, title="ДР жены", remind_days_before=5)


def test_reminds_once_per_occurrence_across_the_year_end(shop, managers, wife_birthday, telegram_outbox) -> None:
    run = date_reminders_send(shop=shop, today=dt.date(2026, 12, 27))  # 6 days before: not yet
    assert run.reminded == [] and telegram_outbox == []
    run = date_reminders_send(shop=shop, today=dt.date(2026, 12, 28))  # 5 days before
    assert [r.date for r in run.reminded] == [dt.date(2027, 1, 2)]
    assert [m.chat_id for m in telegram_outbox] == [5001]  # the manager; not the florist, not unlinked
    assert "ДР жены" in telegram_outbox[0].text and "через 5 дн." in telegram_outbox[0].text
    again = date_reminders_send(shop=shop, today=dt.date(2026, 12, 29))
    assert again.reminded == [] and len(telegram_outbox) == 1
    assert DateReminder.objects.count() == 1


def test_a_skipped_day_still_reminds_and_days_overrides(shop, managers, wife_birthday, telegram_outbox) -> None:
    run = date_reminders_send(shop=shop, today=dt.date(2027, 1, 1), days=0)
    assert run.reminded == []
    run = date_reminders_send(shop=shop, today=dt.date(2027, 1, 1))
    assert [r.days_until for r in run.reminded] == [1]


def test_command_uses_the_shops_local_date(shop, managers, wife_birthday, telegram_outbox, capsys) -> None:
    # 2026-12-27 20:00 UTC is already 28 December in Almaty (UTC+5): the 5-day window opens.
    with mock.patch("django.utils.timezone.now", return_value=dt.datetime(2026, 12, 27, 20, 0, tzinfo=dt.UTC)):
        call_command("send_date_reminders")
    assert "Ромашка-тест: напомнено дат — 1, получателей — 1" in capsys.readouterr().out
    with pytest.raises(Exception, match="--days"):
        call_command("send_date_reminders", "--days", "61")


# --- §11.1: marked reminded only when handed to a backend for at least one person ----------


def test_a_date_nobody_received_stays_pending(shop, wife_birthday, telegram_outbox, member) -> None:
    member(Role.ADMIN)  # no linked Telegram chat: nobody to tell
    run = date_reminders_send(shop=shop, today=dt.date(2026, 12, 28))
    assert run.reminded == [] and run.recipients == 0
    assert [r.date for r in run.pending] == [dt.date(2027, 1, 2)] and run.pending_reason == NO_RECIPIENTS
    assert not DateReminder.objects.exists() and telegram_outbox == []
    assert [p.important_date for p in date_reminders_pending(shop=shop, today=dt.date(2026, 12, 28))] == [wife_birthday]

    manager = member(Role.MANAGER)  # someone links Telegram: the next run reminds
    manager.user.telegram_id = 5001
    manager.user.save()
    run = date_reminders_send(shop=shop, today=dt.date(2026, 12, 29))
    assert [r.date for r in run.reminded] == [dt.date(2027, 1, 2)] and run.pending == []
    assert [m.chat_id for m in telegram_outbox] == [5001]
    assert DateReminder.objects.count() == 1
    assert date_reminders_pending(shop=shop, today=dt.date(2026, 12, 29)) == []


def test_a_backend_that_accepts_nothing_leaves_the_date_pending(shop, managers, wife_birthday) -> None:
    with mock.patch("apps.customers.reminders.deliver", return_value=0):
        run = date_reminders_send(shop=shop, today=dt.date(2026, 12, 28))
    assert run.reminded == [] and run.pending_reason == NOT_SENT and len(run.pending) == 1
    assert not DateReminder.objects.exists()


def test_command_says_what_stays_pending(shop, wife_birthday, telegram_outbox, capsys) -> None:
    with mock.patch("django.utils.timezone.now", return_value=dt.datetime(2026, 12, 28, 6, 0, tzinfo=dt.UTC)):
        call_command("send_date_reminders")
    out = capsys.readouterr().out
    assert "напомнено дат — 0, получателей — 0; ещё ждут отправки дат — 1 (ни у одного активного администратора" in out
    assert not DateReminder.objects.exists()


def test_command_speaks_english_when_asked(shop, wife_birthday, telegram_outbox, capsys) -> None:
    with (
        mock.patch("django.utils.timezone.now", return_value=dt.datetime(2026, 12, 28, 6, 0, tzinfo=dt.UTC)),
        translation.override("en"),
    ):
        call_command("send_date_reminders")
    out = capsys.readouterr().out
    assert "0 dates reminded to 0 people; 1 dates still pending (no active admin or manager" in out
