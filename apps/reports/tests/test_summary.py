"""The evening summary in Telegram (issue 16, point 4): ``send_daily_summary`` sends each
shop's day to its admins and managers with a linked chat, through the real ``telegram``
backend against a local Bot API stub (real HTTP), once per shop per local day."""

from __future__ import annotations

import datetime as dt
import io
from decimal import Decimal
from typing import Any

import pytest
from django.core.management import CommandError, call_command
from django.utils import timezone

from apps.accounts.models import User
from apps.orders.models import PaymentMethod
from apps.reports.models import DailySummary
from apps.reports.selectors import products_report, receivables_report, sales_report
from apps.reports.summary import daily_summary_send, daily_summary_text
from apps.reports.tests.conftest import ALMATY, World
from apps.shops.models import Shop
from apps.shops.tests.factories import MembershipFactory, ShopFactory
from flowercrm.money import money_text
from flowercrm.roles import Role
from flowercrm.telegram.testing import BotApiStub

pytestmark = pytest.mark.django_db


def link(membership: Any, chat: int) -> None:
    User.objects.filter(pk=membership.user_id).update(telegram_id=chat)


@pytest.fixture
def office(world: World) -> dict[str, int]:
    """Who links Telegram in the world's shop: the admin and a manager do; a florist, an
    inactive manager and a manager of another shop have chats too and must get nothing."""
    link(world.admin, 9001)
    link(MembershipFactory(shop=world.shop, role=Role.MANAGER), 9002)
    link(MembershipFactory(shop=world.shop, role=Role.FLORIST), 9003)
    link(MembershipFactory(shop=world.shop, role=Role.MANAGER, is_active=False), 9004)
    link(MembershipFactory(shop=ShopFactory(name="Другой"), role=Role.MANAGER), 9005)
    return {"admin": 9001, "manager": 9002}


def run(*args: str) -> str:
    out = io.StringIO()
    call_command("send_daily_summary", *args, stdout=out)
    return out.getvalue()


def test_the_summary_reaches_the_office_once_a_day(
    world: World, office: dict[str, int], telegram_live: BotApiStub
) -> None:
    output = run("--shop", str(world.shop.pk))
    sent = telegram_live.sent_messages()
    assert sorted(m["chat_id"] for m in sent) == [9001, 9002]
    assert sent[0]["text"] == sent[1]["text"]
    assert "отправлено 2" in output
    mark = DailySummary.objects.get(shop=world.shop)
    assert mark.day == world.today and mark.recipients == 2

    again = run("--shop", str(world.shop.pk))
    assert len(telegram_live.sent_messages()) == 2  # nothing more the same day
    assert "уже отправлено" in again


def test_the_text_says_what_the_reports_say(world: World) -> None:
    day = world.date_from + dt.timedelta(days=2)
    text = daily_summary_text(shop=world.shop, day=day)
    sales = sales_report(shop=world.shop, date_from=day, date_to=day)
    top = products_report(shop=world.shop, date_from=day, date_to=day, limit=5)
    owing = receivables_report(shop=world.shop)
    currency = world.shop.currency
    assert sales["totals"]["orders"] > 0 and top["items"]
    assert f"Заказы: {sales['totals']['orders']} на сумму {money_text(sales['totals']['revenue'], currency)}" in text
    assert f"Получено: {money_text(sales['totals']['paid'], currency)}" in text
    for method in sales["by_payment_method"]:
        label = str(PaymentMethod(method["method"]).label)
        assert f"• {label}: {money_text(method['amount'], currency)} ({method['count']})" in text
    for n, item in enumerate(top["items"], start=1):
        assert f"{n}. {item['name']} — {item['quantity']} шт., {money_text(item['revenue'], currency)}" in text
    assert f"Клиенты должны: {money_text(owing['amount_due'], currency)}" in text
    assert str(day.day) in text.splitlines()[0]


def test_an_empty_day_still_reads(db: None) -> None:
    shop = ShopFactory(name="Тишина")
    text = daily_summary_text(shop=shop, day=dt.date(2026, 3, 8))
    assert "Итоги дня: «Тишина», воскресенье, 8 марта 2026" in text
    assert "Заказов за день нет." in text
    assert f"Получено: {money_text(Decimal(0), shop.currency)}" in text
    assert "Клиенты ничего не должны." in text


def test_the_day_is_the_shops_local_day(world: World, office: dict[str, int], telegram_live: BotApiStub) -> None:
    """At 19:30 UTC it is already 00:30 of the next day in Almaty (UTC+5): the summary is of
    Almaty's day; a second run later that Almaty day sends nothing."""
    utc_evening = dt.datetime.combine(world.today, dt.time(19, 30), tzinfo=dt.UTC)
    run_a = daily_summary_send(shop=world.shop, now=utc_evening)
    assert run_a.day == world.today + dt.timedelta(days=1) == timezone.localtime(utc_evening, ALMATY).date()
    run_b = daily_summary_send(shop=world.shop, now=utc_evening + dt.timedelta(hours=10))
    assert run_b.outcome == "already_sent"
    assert len(telegram_live.sent_messages()) == 2


def test_not_before_waits_for_the_shops_evening(
    world: World, office: dict[str, int], telegram_live: BotApiStub
) -> None:
    noon = dt.datetime.combine(world.today, dt.time(12, 0), tzinfo=ALMATY)
    evening = dt.datetime.combine(world.today, dt.time(20, 5), tzinfo=ALMATY)
    assert daily_summary_send(shop=world.shop, not_before=dt.time(20, 0), now=noon).outcome == "too_early"
    assert not telegram_live.sent_messages() and not DailySummary.objects.exists()
    assert daily_summary_send(shop=world.shop, not_before=dt.time(20, 0), now=evening).outcome == "sent"


def test_nobody_reached_leaves_the_day_unsent(world: World, office: dict[str, int], telegram_live: BotApiStub) -> None:
    telegram_live.fail_chats[9001] = (403, "Forbidden: bot was blocked by the user")
    telegram_live.fail_chats[9002] = (400, "Bad Request: chat not found")
    assert daily_summary_send(shop=world.shop).outcome == "not_sent"
    assert not DailySummary.objects.exists()
    del telegram_live.fail_chats[9002]
    run_again = daily_summary_send(shop=world.shop)
    assert (run_again.outcome, run_again.recipients) == ("sent", 1)
    assert DailySummary.objects.get().recipients == 1


def test_no_linked_chat_sends_and_records_nothing(world: World, telegram_live: BotApiStub) -> None:
    output = run("--shop", str(world.shop.pk))
    assert "никто из администраторов" in output
    assert not telegram_live.sent_messages() and not DailySummary.objects.exists()


def test_dry_run_prints_and_sends_nothing(world: World, office: dict[str, int], telegram_live: BotApiStub) -> None:
    output = run("--shop", world.shop.name, "--dry-run", "--date", world.date_from.isoformat())
    assert "Итоги дня: «Свой»" in output and "пробный запуск: получат 2" in output
    assert not telegram_live.sent_messages() and not DailySummary.objects.exists()


def test_every_shop_by_default_and_another_shops_figures_never_mix(
    world: World, office: dict[str, int], telegram_live: BotApiStub
) -> None:
    other: Shop = ShopFactory(name="Соседи")
    link(MembershipFactory(shop=other, role=Role.ADMIN), 9100)
    run("--date", world.date_from.isoformat())
    by_chat = {m["chat_id"]: m["text"] for m in telegram_live.sent_messages()}
    assert set(by_chat) == {9001, 9002, 9005, 9100}
    assert "Заказов за день нет." in by_chat[9100] and "«Соседи»" in by_chat[9100]
    assert "Заказов за день нет." not in by_chat[9001]


def test_the_command_speaks_english_when_asked(world: World, office: dict[str, int], telegram_live: BotApiStub) -> None:
    output = run("--shop", str(world.shop.pk), "--language", "en")
    assert "sent to 2 people" in output
    assert telegram_live.sent_messages()[0]["text"].startswith("Итоги дня")  # the shop's language


@pytest.mark.parametrize(
    "args",
    [("--date", "2026-13-01"), ("--not-before", "25:00"), ("--shop", "нет такого"), ("--shop", "999999999")],
)
def test_bad_options(db: None, args: tuple[str, ...]) -> None:
    with pytest.raises(CommandError):
        run(*args)
    assert not DailySummary.objects.exists()


def test_the_summary_costs_a_fixed_number_of_queries(world: World, django_assert_max_num_queries: Any) -> None:
    with django_assert_max_num_queries(8):
        daily_summary_text(shop=world.shop, day=world.today)


def test_the_demo_shop_gets_its_summary(db: None, telegram_live: BotApiStub) -> None:
    """``seed_demo`` then ``send_daily_summary``: the demo manager with a linked chat gets the
    day's figures."""
    from apps.orders.management.commands import seed_demo

    call_command("seed_demo", stdout=io.StringIO())
    shop = Shop.objects.get(slug=seed_demo.DEMO_SLUG)
    User.objects.filter(phone=seed_demo.DEMO_STAFF[1][0]).update(telegram_id=7777)
    output = run("--shop", shop.slug)
    assert "отправлено 1" in output
    (message,) = telegram_live.sent_messages()
    assert message["chat_id"] == 7777 and "Заказы:" in message["text"] and "Лидеры продаж:" in message["text"]
