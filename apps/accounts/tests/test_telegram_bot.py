"""The linking bot: the linking rule (services), and ``manage.py run_telegram_bot`` end to end —
long polling against a local Bot API stub, replies recorded by the stub."""

from __future__ import annotations

from typing import Any

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError

from apps.accounts.bot import (
    HELP_TEXT,
    NOT_LINKED_TEXT,
    NOT_OWN_CONTACT_TEXT,
    SHARE_PHONE_BUTTON,
    START_TEXT,
    UNLINKED_TEXT,
)
from apps.accounts.models import User
from apps.accounts.telegram_link import LinkOutcome, contact_phone, telegram_link_contact, telegram_unlink
from apps.accounts.tests.factories import UserFactory
from apps.accounts.tests.otp_support import codes_to, linked_member
from apps.shops.tests.factories import ShopFactory
from flowercrm import telegram
from flowercrm.telegram.testing import BotApiStub, contact_update, message_update, run_bot_until

PHONE = "+77011234567"
OTHER_PHONE = "+77017654321"


# --- the linking rule ----------------------------------------------------------------------


@pytest.mark.parametrize(
    ("raw", "expected"),
    [("77011234567", PHONE), ("+77011234567", PHONE), ("87011234567", PHONE), ("79161234567", "+79161234567")],
)
def test_contact_phone(raw: str, expected: str) -> None:
    assert contact_phone(raw) == expected


@pytest.mark.django_db
def test_own_contact_links_and_moves_the_chat() -> None:
    user = UserFactory(phone=PHONE)
    previous = UserFactory(phone=OTHER_PHONE, telegram_id=1001)
    result = telegram_link_contact(sender_id=1001, contact_user_id=1001, phone="77011234567")
    assert (result.outcome, result.user) == (LinkOutcome.LINKED, user)
    user.refresh_from_db()
    previous.refresh_from_db()
    assert (user.telegram_id, previous.telegram_id) == (1001, None)


@pytest.mark.django_db
@pytest.mark.parametrize("contact_user_id", [None, 2002])
def test_someone_elses_contact_links_nothing(contact_user_id: int | None) -> None:
    user = UserFactory(phone=PHONE)
    result = telegram_link_contact(sender_id=1001, contact_user_id=contact_user_id, phone=PHONE)
    assert result.outcome is LinkOutcome.NOT_OWN_CONTACT
    user.refresh_from_db()
    assert user.telegram_id is None


@pytest.mark.django_db
def test_unknown_or_inactive_phone_links_nothing() -> None:
    UserFactory(phone=OTHER_PHONE, is_active=False)
    for phone in ("77019998877", OTHER_PHONE, "garbage"):
        result = telegram_link_contact(sender_id=1001, contact_user_id=1001, phone=phone)
        assert result.outcome is LinkOutcome.UNKNOWN_PHONE
    assert not User.objects.filter(telegram_id=1001).exists()


@pytest.mark.django_db
def test_unlink() -> None:
    UserFactory(phone=PHONE, telegram_id=1001)
    assert telegram_unlink(telegram_id=1001) is True
    assert telegram_unlink(telegram_id=1001) is False


# --- run_telegram_bot end to end -----------------------------------------------------------


def run_bot(stub: BotApiStub, *, replies: int) -> list[dict[str, Any]]:
    """Run the bot until it has sent ``replies`` messages."""
    run_bot_until(stub, method="sendMessage", count=replies)
    return stub.sent_messages()


def by_chat(sent: list[dict[str, Any]]) -> dict[int, list[dict[str, Any]]]:
    out: dict[int, list[dict[str, Any]]] = {}
    for message in sent:
        out.setdefault(message["chat_id"], []).append(message)
    return out


@pytest.mark.django_db(transaction=True)
def test_bot_links_only_the_senders_own_contact(telegram_live: BotApiStub) -> None:
    shop = ShopFactory()
    member = linked_member(shop, telegram_id=None, phone=PHONE)
    victim = linked_member(shop, telegram_id=None, phone=OTHER_PHONE)
    telegram_live.add_update(message_update(1001, text="/start"))
    telegram_live.add_update(contact_update(1001, phone="77011234567", user_id=1001))
    # The attack: 1002 forwards the victim's contact (Telegram sets the victim's user id) …
    telegram_live.add_update(contact_update(1002, phone="77017654321", user_id=2002))
    # … or sends a hand-made contact card without any user id.
    telegram_live.add_update(contact_update(1003, phone="77017654321", user_id=None))
    telegram_live.add_update(contact_update(1004, phone="77019998877", user_id=1004))  # own, unknown
    telegram_live.add_update(message_update(1001, text="/help"))

    sent = by_chat(run_bot(telegram_live, replies=6))

    member.user.refresh_from_db()
    victim.user.refresh_from_db()
    assert member.user.telegram_id == 1001
    assert victim.user.telegram_id is None
    assert not User.objects.filter(telegram_id__in=[1002, 1003, 1004]).exists()

    start, linked, help_ = sent[1001]
    assert start["text"] == START_TEXT
    assert start["reply_markup"]["keyboard"] == [[{"text": SHARE_PHONE_BUTTON, "request_contact": True}]]
    assert "привязан" in linked["text"] and linked["reply_markup"] == {"remove_keyboard": True}
    assert help_["text"] == HELP_TEXT
    assert [m["text"] for m in sent[1002]] == [NOT_OWN_CONTACT_TEXT]
    assert [m["text"] for m in sent[1003]] == [NOT_OWN_CONTACT_TEXT]
    assert "+77019998877" in sent[1004][0]["text"] and "не найден" in sent[1004][0]["text"]
    # Long polling went through the stub: {base}/bot<token>/getUpdates.
    assert telegram_live.calls_to("getUpdates")


@pytest.mark.django_db(transaction=True)
def test_bot_stop_unlinks(telegram_live: BotApiStub, telegram_outbox) -> None:
    member = linked_member(ShopFactory(), telegram_id=1001, phone=PHONE)
    telegram_live.add_update(message_update(1001, text="/stop"))
    telegram_live.add_update(message_update(1005, text="/stop@flowercrm_test_bot"))

    sent = by_chat(run_bot(telegram_live, replies=2))

    member.user.refresh_from_db()
    assert member.user.telegram_id is None
    assert sent[1001][0]["text"] == UNLINKED_TEXT
    assert sent[1005][0]["text"] == NOT_LINKED_TEXT


@pytest.mark.django_db(transaction=True)
def test_link_then_log_in_with_a_code(telegram_live: BotApiStub) -> None:
    """The whole story: link through the bot, ask for a code, receive it in that chat."""
    from rest_framework.test import APIClient

    linked_member(ShopFactory(), telegram_id=None, phone=PHONE)
    telegram_live.add_update(contact_update(1001, phone="+77011234567", user_id=1001))
    run_bot(telegram_live, replies=1)

    api = APIClient()
    assert api.post("/api/telegram/send-otp", {"phone": "87011234567"}, format="json").status_code == 200
    assert telegram.wait_for_pending(timeout=10)
    messages = [telegram.TelegramMessage(m["chat_id"], m["text"]) for m in telegram_live.sent_messages()]
    (code,) = codes_to(messages[1:], 1001)
    response = api.post("/api/telegram/verify-otp", {"phone": PHONE, "code": code}, format="json")
    assert response.status_code == 200, response.json()


def test_command_needs_a_token(settings) -> None:
    settings.TELEGRAM_BOT_TOKEN = ""
    with pytest.raises(CommandError):
        call_command("run_telegram_bot")
