"""One-time-code login services (apps.accounts.otp): lifecycle with a controllable clock, single
use, replacement, the attempt limit, the resend cooldown and hourly cap, who gets a code, and
concurrent verifies on PostgreSQL."""

from __future__ import annotations

from collections.abc import Callable

import pytest

from apps.accounts import otp
from apps.accounts.models import OTP_MAX_ATTEMPTS, OtpCode, OtpSend, User
from apps.accounts.tests.factories import UserFactory
from apps.accounts.tests.otp_support import Clock, codes_to, linked_member
from apps.shops.models import Shop
from apps.shops.sessions import NoMembership, TokenPair, session_login_otp
from apps.shops.tests.factories import MembershipFactory, ShopFactory
from flowercrm.auth import resolve_access_token
from flowercrm.errors import RateLimited
from flowercrm.testing import run_threads

pytestmark = pytest.mark.django_db

PHONE = "+77011234567"
CHAT = 5550001


@pytest.fixture
def send(telegram_outbox, django_capture_on_commit_callbacks) -> Callable[..., str | None]:
    """Ask for a code for ``phone``; return the code the linked chat received (or None)."""

    def do(phone: str = PHONE, chat_id: int = CHAT) -> str | None:
        before = len(codes_to(telegram_outbox, chat_id))
        with django_capture_on_commit_callbacks(execute=True):
            otp.otp_send(phone=phone)
        codes = codes_to(telegram_outbox, chat_id)
        return codes[-1] if len(codes) > before else None

    return do


@pytest.fixture
def linked(shop: Shop):
    return linked_member(shop, telegram_id=CHAT, phone=PHONE)


# --- the code ------------------------------------------------------------------------------


def test_code_is_six_digits_stored_only_as_a_keyed_hash(linked, send, telegram_outbox) -> None:
    code = send()
    assert code is not None and len(code) == 6 and code.isdigit()
    row = OtpCode.objects.get(phone=PHONE)
    assert len(row.code_hash) == 64 and code not in row.code_hash
    assert telegram_outbox[-1].chat_id == CHAT and "FlowerCRM" in telegram_outbox[-1].text


def test_code_comes_from_secrets_zero_padded(linked, send, monkeypatch) -> None:
    monkeypatch.setattr(otp.secrets, "randbelow", lambda n: 42)
    assert send() == "000042"
    assert session_login_otp(phone=PHONE, code="000042").membership == linked


def test_the_hash_is_bound_to_the_phone(shop, linked, send) -> None:
    code = send()
    other = linked_member(shop, telegram_id=CHAT + 1, phone="+77017654321")
    row = OtpCode.objects.get(phone=PHONE)
    OtpCode.objects.create(phone=other.user.phone, code_hash=row.code_hash, expires_at=row.expires_at)
    with pytest.raises(otp.OtpInvalid):
        session_login_otp(phone=other.user.phone, code=code)


# --- lifetime ------------------------------------------------------------------------------


def test_valid_at_299_seconds(linked, send, clock: Clock) -> None:
    code = send()
    clock.advance(299)
    pair = session_login_otp(phone=PHONE, code=code)
    assert isinstance(pair, TokenPair) and pair.membership == linked
    user, membership, _ = resolve_access_token(pair.access)
    assert (user, membership) == (linked.user, linked)


def test_dead_at_301_seconds(linked, send, clock: Clock) -> None:
    code = send()
    clock.advance(301)
    with pytest.raises(otp.OtpInvalid):
        session_login_otp(phone=PHONE, code=code)


def test_single_use(linked, send) -> None:
    code = send()
    session_login_otp(phone=PHONE, code=code)
    with pytest.raises(otp.OtpInvalid):
        session_login_otp(phone=PHONE, code=code)


def test_a_new_code_replaces_the_old(linked, send, clock: Clock, monkeypatch) -> None:
    codes = iter(["111111", "222222"])
    monkeypatch.setattr(otp, "_new_code", lambda: next(codes))
    first = send()
    clock.advance(61)
    second = send()
    assert (first, second) == ("111111", "222222")
    with pytest.raises(otp.OtpInvalid):
        session_login_otp(phone=PHONE, code=first)
    assert session_login_otp(phone=PHONE, code=second).membership == linked
    assert OtpCode.objects.filter(phone=PHONE).count() == 1


def test_a_new_code_resets_the_attempts(linked, send, clock: Clock) -> None:
    send()
    for _ in range(OTP_MAX_ATTEMPTS - 1):
        with pytest.raises(otp.OtpInvalid):
            session_login_otp(phone=PHONE, code="bad")
    clock.advance(61)
    code = send()
    assert OtpCode.objects.get(phone=PHONE).attempts == 0
    assert session_login_otp(phone=PHONE, code=code).membership == linked


# --- wrong guesses -------------------------------------------------------------------------


def test_five_wrong_guesses_kill_the_code(linked, send) -> None:
    code = send()
    wrong = "000000" if code != "000000" else "999999"
    for attempt in range(1, OTP_MAX_ATTEMPTS):
        with pytest.raises(otp.OtpInvalid):
            session_login_otp(phone=PHONE, code=wrong)
        assert OtpCode.objects.get(phone=PHONE).attempts == attempt  # kept although an error was raised
    with pytest.raises(otp.OtpLocked) as locked:
        session_login_otp(phone=PHONE, code=wrong)
    assert locked.value.retry_after >= 1
    with pytest.raises(otp.OtpLocked):
        session_login_otp(phone=PHONE, code=code)  # even the right code: it is dead
    assert OtpCode.objects.get(phone=PHONE).attempts == OTP_MAX_ATTEMPTS


def test_no_fixed_code_or_bypass_in_debug(linked, settings) -> None:
    settings.DEBUG = True
    for code in ("000000", "123456", "111111", "999999", "", "0"):
        with pytest.raises(otp.OtpInvalid):
            session_login_otp(phone=PHONE, code=code)
    assert not OtpCode.objects.exists()


def test_unknown_phone_and_no_code(linked) -> None:
    with pytest.raises(otp.OtpInvalid):
        session_login_otp(phone="+77019998877", code="123456")
    with pytest.raises(otp.OtpInvalid):
        session_login_otp(phone=PHONE, code="123456")


# --- rate limits ---------------------------------------------------------------------------


def test_resend_cooldown(linked, send, clock: Clock) -> None:
    assert send() is not None
    with pytest.raises(RateLimited) as limited:
        send()
    assert limited.value.retry_after == 60 and limited.value.code == "throttled"
    clock.advance(30)
    with pytest.raises(RateLimited) as limited:
        send()
    assert limited.value.retry_after == 30
    clock.advance(30)
    assert send() is not None
    assert OtpSend.objects.filter(phone=PHONE).count() == 2


def test_hourly_cap(linked, send, clock: Clock) -> None:
    for _ in range(otp.HOURLY_CAP):
        assert send() is not None
        clock.advance(61)
    # 5 codes in the last 305 s: the next one waits until the first leaves the hour.
    with pytest.raises(RateLimited) as limited:
        send()
    assert limited.value.retry_after == 3600 - 5 * 61
    clock.advance(3600 - 5 * 61 - 1)
    with pytest.raises(RateLimited):
        send()
    clock.advance(1)
    assert send() is not None


def test_limits_apply_to_unknown_phones_alike(send, clock: Clock, telegram_outbox) -> None:
    unknown = "+77019998877"
    assert send(unknown) is None
    with pytest.raises(RateLimited) as limited:
        send(unknown)
    assert limited.value.retry_after == 60
    assert telegram_outbox == []
    assert OtpCode.objects.filter(phone=unknown).count() == 1  # the same rows as for anyone


def test_a_refused_send_writes_nothing(linked, send) -> None:
    send()
    rows = list(OtpCode.objects.values_list("code_hash", "expires_at"))
    with pytest.raises(RateLimited):
        send()
    assert list(OtpCode.objects.values_list("code_hash", "expires_at")) == rows
    assert OtpSend.objects.count() == 1


# --- who receives a code -------------------------------------------------------------------


@pytest.mark.parametrize(
    "setup",
    ["unlinked", "membership_inactive", "user_inactive", "no_membership", "unknown"],
)
def test_only_a_linked_active_member_gets_a_code(shop, setup, send, telegram_outbox) -> None:
    if setup == "unlinked":
        linked_member(shop, telegram_id=None, phone=PHONE)
    elif setup == "membership_inactive":
        linked_member(shop, telegram_id=CHAT, phone=PHONE, is_active=False)
    elif setup == "user_inactive":
        linked_member(shop, telegram_id=CHAT, phone=PHONE, user__is_active=False)
    elif setup == "no_membership":
        UserFactory(phone=PHONE, telegram_id=CHAT)
    assert send() is None
    assert telegram_outbox == []
    assert OtpCode.objects.filter(phone=PHONE).exists()


def test_member_of_one_active_shop_gets_a_code_although_another_is_inactive(shop, send) -> None:
    membership = linked_member(shop, telegram_id=CHAT, phone=PHONE)
    MembershipFactory(user=membership.user, shop=ShopFactory(), is_active=False)
    assert send() is not None


# --- after the code was sent ---------------------------------------------------------------


def test_deactivated_after_sending_cannot_log_in(linked, send) -> None:
    code = send()
    User.objects.filter(pk=linked.user_id).update(is_active=False)
    with pytest.raises(otp.OtpInvalid):
        session_login_otp(phone=PHONE, code=code)


def test_no_membership_in_the_shop_asked_for_keeps_the_code(linked, send, other_shop) -> None:
    code = send()
    with pytest.raises(NoMembership):
        session_login_otp(phone=PHONE, code=code, shop_id=other_shop.id)
    row = OtpCode.objects.get(phone=PHONE)
    assert row.used_at is None and row.attempts == 0
    assert session_login_otp(phone=PHONE, code=code).membership == linked


def test_shop_id_picks_the_shop(linked, send, other_shop) -> None:
    second = MembershipFactory(user=linked.user, shop=other_shop)
    code = send()
    assert session_login_otp(phone=PHONE, code=code, shop_id=other_shop.id).membership == second


# --- maintenance ---------------------------------------------------------------------------


def test_delete_expired(linked, send, clock: Clock) -> None:
    send()
    send_phone = "+77019998877"
    send(send_phone)
    assert otp.otp_delete_expired() == 0
    clock.advance(301)
    assert otp.otp_delete_expired() == 2  # both codes
    assert OtpSend.objects.count() == 2
    clock.advance(3600)
    assert otp.otp_delete_expired() == 2  # the send log
    assert not OtpCode.objects.exists() and not OtpSend.objects.exists()


# --- concurrency (PostgreSQL row locks) ----------------------------------------------------


@pytest.mark.django_db(transaction=True)
def test_concurrent_verifies_of_one_code_give_one_token_pair(requires_postgres, telegram_outbox) -> None:
    membership = linked_member(ShopFactory(), telegram_id=CHAT, phone=PHONE)
    otp.otp_send(phone=PHONE)  # no outer transaction: sent at once
    (code,) = codes_to(telegram_outbox, CHAT)

    results = run_threads(8, lambda _i: session_login_otp(phone=PHONE, code=code))

    pairs = [r for r in results if isinstance(r, TokenPair)]
    assert len(pairs) == 1 and pairs[0].membership.pk == membership.pk
    assert all(isinstance(r, otp.OtpInvalid) for r in results if r is not pairs[0]), results


@pytest.mark.django_db(transaction=True)
def test_concurrent_sends_for_one_phone_issue_one_code(requires_postgres, telegram_outbox) -> None:
    linked_member(ShopFactory(), telegram_id=CHAT, phone=PHONE)

    results = run_threads(6, lambda _i: otp.otp_send(phone=PHONE))

    assert sum(isinstance(r, otp.OtpIssued) for r in results) == 1
    assert sum(isinstance(r, RateLimited) for r in results) == 5, results
    assert OtpSend.objects.count() == 1 and len(telegram_outbox) == 1


@pytest.mark.django_db(transaction=True)
def test_wrong_guesses_are_counted_outside_a_test_transaction(requires_postgres, telegram_outbox) -> None:
    linked_member(ShopFactory(), telegram_id=CHAT, phone=PHONE)
    otp.otp_send(phone=PHONE)
    results = run_threads(OTP_MAX_ATTEMPTS + 2, lambda _i: session_login_otp(phone=PHONE, code="bad"))
    assert OtpCode.objects.get(phone=PHONE).attempts == OTP_MAX_ATTEMPTS
    assert sum(isinstance(r, otp.OtpLocked) for r in results) == 3
    assert sum(type(r) is otp.OtpInvalid for r in results) == OTP_MAX_ATTEMPTS - 1
