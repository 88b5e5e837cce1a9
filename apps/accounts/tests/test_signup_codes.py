"""Sign-up codes (apps.accounts.otp) and the numbers the bot keeps for them
(apps.accounts.telegram_link): which chat a code goes to, the purposes kept apart, the limits
shared with login codes, the contacts' lifetime."""

from __future__ import annotations

import pytest
from django.core.management import call_command

from apps.accounts import otp
from apps.accounts.bot import UNKNOWN_PHONE_SIGNUP_TEXT, UNKNOWN_PHONE_TEXT, bot_reply_for
from apps.accounts.models import OtpCode, OtpPurpose, TelegramContact, User
from apps.accounts.telegram_link import (
    telegram_contact_claim,
    telegram_contact_delete_stale,
    telegram_link_contact,
    telegram_unlink,
)
from apps.accounts.tests.factories import UserFactory
from apps.accounts.tests.otp_support import Clock, codes_to, share_contact
from flowercrm.errors import RateLimited
from flowercrm.telegram.testing import contact_update

pytestmark = pytest.mark.django_db

PHONE = "+77015550000"
CHAT = 7770001


@pytest.fixture(autouse=True)
def _signup_on(settings) -> None:
    settings.SIGNUP_ENABLED = True


@pytest.fixture
def send(telegram_outbox, django_capture_on_commit_callbacks):
    def do(phone: str = PHONE, chat_id: int = CHAT) -> str | None:
        before = len(codes_to(telegram_outbox, chat_id))
        with django_capture_on_commit_callbacks(execute=True):
            otp.signup_code_send(phone=phone)
        codes = codes_to(telegram_outbox, chat_id)
        return codes[-1] if len(codes) > before else None

    return do


# --- the contact the bot keeps -------------------------------------------------------------


def test_own_contact_of_an_unknown_number_is_kept_for_signup(send) -> None:
    assert send() is None  # nobody vouched for the number yet
    share_contact(PHONE, CHAT)
    assert list(TelegramContact.objects.values_list("phone", "telegram_id")) == [(PHONE, CHAT)]
    assert not User.objects.exists()  # no account is made for it


def test_someone_elses_contact_is_not_kept() -> None:
    telegram_link_contact(sender_id=CHAT, contact_user_id=CHAT + 1, phone=PHONE.lstrip("+"))
    telegram_link_contact(sender_id=CHAT, contact_user_id=None, phone=PHONE.lstrip("+"))
    assert not TelegramContact.objects.exists()


def test_not_kept_while_signup_is_off(settings) -> None:
    settings.SIGNUP_ENABLED = False
    share_contact(PHONE, CHAT)
    assert not TelegramContact.objects.exists()


def test_a_known_number_links_instead() -> None:
    user = UserFactory(phone=PHONE)
    share_contact(PHONE, CHAT)
    user.refresh_from_db()
    assert user.telegram_id == CHAT and not TelegramContact.objects.exists()


def test_the_latest_share_wins() -> None:
    share_contact(PHONE, CHAT)
    share_contact(PHONE, CHAT + 1)  # the number moved to another Telegram account
    share_contact("+77015550001", CHAT + 1)  # … which then shares another number
    assert list(TelegramContact.objects.values_list("phone", "telegram_id")) == [("+77015550001", CHAT + 1)]


def test_stop_forgets_the_number() -> None:
    share_contact(PHONE, CHAT)
    telegram_unlink(telegram_id=CHAT)
    assert not TelegramContact.objects.exists()


def test_the_bot_tells_an_unknown_number_how_to_sign_up(settings) -> None:
    from telegram import Update

    update = Update.de_json({"update_id": 1, **contact_update(CHAT, phone=PHONE.lstrip("+"), user_id=CHAT)}, None)
    reply = bot_reply_for(update)
    assert reply is not None and reply.text == str(UNKNOWN_PHONE_SIGNUP_TEXT) % {"phone": PHONE}
    settings.SIGNUP_ENABLED = False
    reply = bot_reply_for(update)
    assert reply is not None and reply.text == str(UNKNOWN_PHONE_TEXT) % {"phone": PHONE}


# --- where the code goes -------------------------------------------------------------------


def test_the_code_goes_to_the_shared_chat(send) -> None:
    share_contact(PHONE, CHAT)
    code = send()
    assert code is not None
    row = OtpCode.objects.get(phone=PHONE, purpose=OtpPurpose.SIGNUP)
    assert row.code_hash == otp._code_hash(PHONE, code, OtpPurpose.SIGNUP)
    assert row.code_hash != otp._code_hash(PHONE, code, OtpPurpose.LOGIN)  # the purpose is in the key


def test_a_linked_account_gets_it_in_its_own_chat(send) -> None:
    UserFactory(phone=PHONE, telegram_id=CHAT + 5)
    assert send(chat_id=CHAT + 5) is not None


def test_a_contact_older_than_a_day_is_no_chat(send, clock: Clock) -> None:
    share_contact(PHONE, CHAT)
    clock.advance(otp.CONTACT_TTL.total_seconds() + 1)
    assert send() is None
    assert telegram_contact_delete_stale() == 1
    assert not TelegramContact.objects.exists()


def test_maintenance_deletes_stale_contacts(clock: Clock, capsys) -> None:
    share_contact(PHONE, CHAT)
    call_command("maintenance")
    assert TelegramContact.objects.exists()
    clock.advance(otp.CONTACT_TTL.total_seconds() + 1)
    call_command("maintenance")
    assert not TelegramContact.objects.exists()


def test_limits_are_shared_with_login_codes(send, clock: Clock) -> None:
    share_contact(PHONE, CHAT)
    for purpose_send in (send, lambda: otp.otp_send(phone=PHONE), send, lambda: otp.otp_send(phone=PHONE), send):
        purpose_send()
        clock.advance(61)
    with pytest.raises(RateLimited) as limited:
        send()
    assert limited.value.retry_after == 3600 - 5 * 61


def test_a_new_signup_code_leaves_the_login_code_alone(send, clock: Clock, django_capture_on_commit_callbacks) -> None:
    UserFactory(phone=PHONE, telegram_id=CHAT)
    otp.otp_send(phone=PHONE)
    login_row = OtpCode.objects.get(phone=PHONE, purpose=OtpPurpose.LOGIN)
    clock.advance(61)
    send()
    assert OtpCode.objects.get(phone=PHONE, purpose=OtpPurpose.LOGIN).code_hash == login_row.code_hash


# --- linking on sign-up --------------------------------------------------------------------


def test_claim_links_the_new_account_and_moves_the_chat() -> None:
    share_contact(PHONE, CHAT)
    stale = UserFactory(telegram_id=None)
    user = UserFactory(phone=PHONE)  # made by sign-up after the number was shared
    User.objects.filter(pk=stale.pk).update(telegram_id=CHAT)
    assert telegram_contact_claim(user=user) is True
    user.refresh_from_db()
    stale.refresh_from_db()
    assert (user.telegram_id, stale.telegram_id) == (CHAT, None)
    assert not TelegramContact.objects.exists()


def test_claim_keeps_an_existing_link() -> None:
    share_contact(PHONE, CHAT)
    user = UserFactory(phone=PHONE, telegram_id=CHAT + 9)
    assert telegram_contact_claim(user=user) is False
    user.refresh_from_db()
    assert user.telegram_id == CHAT + 9 and not TelegramContact.objects.exists()
