"""One-time codes that the Telegram bot sends: login to a person's linked chat, and sign-up of
a new shop (ARCHITECTURE §3, §11.6).

Guarantees:
- a code is 6 digits from ``secrets``, valid ``OTP_TTL`` (5 minutes), stored only as an
  HMAC-SHA256 keyed with ``SECRET_KEY`` (bound to the phone), single use; a new code replaces
  the old one;
- at most ``OTP_MAX_ATTEMPTS`` wrong guesses per code, after which it is dead;
- per phone a ``RESEND_COOLDOWN`` between codes and at most ``HOURLY_CAP`` codes an hour,
  counted from database rows and applied to every phone, registered or not, so neither the
  answer, its timing nor a 429 tells whether a phone belongs to anyone;
- the code goes only to the linked chat of an active user with an active membership, after
  commit, off the request path;
- no test phone, fixed code or bypass exists in any mode;
- a code has a purpose (``OtpPurpose``): its own row and its own hash key, so a sign-up code
  never logs in and a login code never opens a shop. The send log (cooldown, hourly cap) is
  shared by all purposes: a phone's chat gets at most ``HOURLY_CAP`` codes an hour in all.

A sign-up code goes to the chat Telegram vouched for the phone: the linked chat of the active
account with that phone, or — for a phone with no account yet — the chat that shared that
number as its own contact with the bot (``TelegramContact``). Any other phone gets the same
answer and the same rows, and nothing is sent.
"""

from __future__ import annotations

import math
import secrets
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import TypeVar

from django.db import transaction
from django.utils import timezone
from django.utils.crypto import constant_time_compare, salted_hmac
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from apps.accounts.models import OTP_MAX_ATTEMPTS, OtpCode, OtpPurpose, OtpSend, TelegramContact, User
from flowercrm import telegram
from flowercrm.errors import DomainError, RateLimited
from flowercrm.phone import normalize_phone

OTP_TTL = timedelta(minutes=5)
RESEND_COOLDOWN = timedelta(seconds=60)
HOURLY_WINDOW = timedelta(hours=1)
HOURLY_CAP = 5
CODE_DIGITS = 6

# A shared contact is a sign-up chat for this long (then the person shares it again).
CONTACT_TTL = timedelta(days=1)

T = TypeVar("T")
U = TypeVar("U")


class OtpInvalid(DomainError):
    code = "otp_invalid"
    default_detail = _("Wrong or expired code. Ask for a new one.")


class OtpLocked(RateLimited):
    code = "otp_locked"
    default_detail = _("Too many wrong attempts. Ask for a new code.")


@dataclass(frozen=True)
class OtpIssued:
    """What the caller may tell anyone: the same for every phone."""

    expires_in: int


def _code_hash(phone: str, code: str, purpose: str = OtpPurpose.LOGIN) -> str:
    # The purpose is in the key: a hash of one purpose never matches a code of another.
    salt = "flowercrm.accounts.otp" if purpose == OtpPurpose.LOGIN else f"flowercrm.accounts.otp.{purpose}"
    return salted_hmac(salt, f"{phone}:{code}", algorithm="sha256").hexdigest()


def _new_code() -> str:
    return f"{secrets.randbelow(10**CODE_DIGITS):0{CODE_DIGITS}d}"


def _send_wait(*, phone: str, now: datetime) -> int:
    """Seconds until ``phone`` may get another code (0: now)."""
    recent = list(
        OtpSend.objects.filter(phone=phone, created_at__gt=now - HOURLY_WINDOW)
        .order_by("-created_at")
        .values_list("created_at", flat=True)[:HOURLY_CAP]
    )
    wait = timedelta(0)
    if recent:
        wait = max(wait, recent[0] + RESEND_COOLDOWN - now)
    if len(recent) >= HOURLY_CAP:
        wait = max(wait, recent[-1] + HOURLY_WINDOW - now)
    return math.ceil(wait.total_seconds()) if wait > timedelta(0) else 0


def _linked_chat(phone: str) -> int | None:
    """The chat of the active, linked user with ``phone`` who works in some shop, if any."""
    return (
        User.objects.filter(
            phone=phone,
            is_active=True,
            telegram_id__isnull=False,
            memberships__is_active=True,
            memberships__status="active",  # a pending invitation is not work in a shop
        )
        .values_list("telegram_id", flat=True)
        .first()
    )


def otp_message(code: str) -> str:
    minutes = int(OTP_TTL.total_seconds() // 60)
    return gettext(
        "FlowerCRM login code: %(code)s\n"
        "Valid for %(minutes)d minutes. Do not tell it to anyone — shop staff never ask for it."
    ) % {"code": code, "minutes": minutes}


def signup_message(code: str) -> str:
    minutes = int(OTP_TTL.total_seconds() // 60)
    return gettext(
        "FlowerCRM sign-up code: %(code)s\n"
        "Valid for %(minutes)d minutes. It opens a new shop in your name — if you did not ask for it, ignore "
        "this message and tell the code to no one."
    ) % {"code": code, "minutes": minutes}


def _signup_chat(phone: str) -> int | None:
    """The chat Telegram vouched for ``phone``: the linked chat of its active account, else
    (no account, or one not linked) a fresh contact the owner shared with the bot; None for
    an inactive account. Always the same two queries, whoever the phone belongs to."""
    now = timezone.now()
    account = User.objects.filter(phone=phone).values_list("is_active", "telegram_id").first()
    contact = (
        TelegramContact.objects.filter(phone=phone, updated_at__gt=now - CONTACT_TTL)
        .values_list("telegram_id", flat=True)
        .first()
    )
    if account is None:
        return contact
    is_active, telegram_id = account
    if not is_active:
        return None
    return telegram_id if telegram_id is not None else contact


def _issue(
    *, phone: str, purpose: str, chat_for: Callable[[str], int | None], message: Callable[[str], str]
) -> OtpIssued:
    phone = normalize_phone(phone)
    now = timezone.now()
    with transaction.atomic():
        # One row per phone and purpose, created if missing, then locked: concurrent requests
        # for one phone are serialised, so the cooldown cannot be raced. The phone's login row
        # is the lock of its send log, which all purposes share, so it is taken for any purpose.
        purposes = sorted({OtpPurpose.LOGIN.value, purpose})
        OtpCode.objects.bulk_create(
            [OtpCode(phone=phone, purpose=p, code_hash="", expires_at=now) for p in purposes], ignore_conflicts=True
        )
        rows = {
            row.purpose: row
            for row in OtpCode.objects.select_for_update().filter(phone=phone, purpose__in=purposes).order_by("id")
        }
        row = rows[purpose]
        wait = _send_wait(phone=phone, now=now)
        if wait:
            raise RateLimited(wait, gettext("The code was already sent. You can ask again later."))
        code = _new_code()
        row.code_hash = _code_hash(phone, code, purpose)
        row.expires_at = now + OTP_TTL
        row.attempts = 0
        row.used_at = None
        row.save(update_fields=["code_hash", "expires_at", "attempts", "used_at", "updated_at"])
        OtpSend.objects.create(phone=phone)
        chat_id = chat_for(phone)
        if chat_id is not None:
            telegram.send_message(chat_id, message(code))
    return OtpIssued(expires_in=int(OTP_TTL.total_seconds()))


def otp_send(*, phone: str) -> OtpIssued:
    """Issue a new login code for ``phone`` (replacing any earlier one) and, if the phone
    belongs to a linked active member, send it to their Telegram chat after commit.

    Does the same work and answers the same for every valid phone. Raises ``RateLimited``
    (429 with ``Retry-After``) within the resend cooldown or over the hourly cap, and
    ``django.core.exceptions.ValidationError`` for something that is not a phone number.
    """
    return _issue(phone=phone, purpose=OtpPurpose.LOGIN, chat_for=_linked_chat, message=otp_message)


def signup_code_send(*, phone: str) -> OtpIssued:
    """Issue a new sign-up code for ``phone`` and send it, after commit, to the chat Telegram
    vouched for that phone (``_signup_chat``). The same rules, work and answer as ``otp_send``
    for every valid phone, known or not; the limits are shared with login codes."""
    return _issue(phone=phone, purpose=OtpPurpose.SIGNUP, chat_for=_signup_chat, message=signup_message)


def _verify(*, phone: str, code: str, purpose: str, resolve: Callable[[str], U | None], use: Callable[[U], T]) -> T:
    phone = normalize_phone(phone)
    now = timezone.now()
    failure: DomainError
    with transaction.atomic():
        row = OtpCode.objects.select_for_update().filter(phone=phone, purpose=purpose).first()
        if row is None or not row.code_hash or row.used_at is not None or row.expires_at <= now:
            failure = OtpInvalid()
        elif row.attempts >= OTP_MAX_ATTEMPTS:
            failure = OtpLocked(max(1, _send_wait(phone=phone, now=now)))
        else:
            matches = constant_time_compare(row.code_hash, _code_hash(phone, code, purpose))
            subject = resolve(phone) if matches else None
            if subject is not None:
                row.used_at = now
                row.save(update_fields=["used_at", "updated_at"])
                # An error of ``use`` rolls this block back: the code is not spent on a
                # refused login or sign-up.
                return use(subject)
            row.attempts += 1
            row.save(update_fields=["attempts", "updated_at"])
            if row.attempts >= OTP_MAX_ATTEMPTS:
                failure = OtpLocked(max(1, _send_wait(phone=phone, now=now)))
            else:
                failure = OtpInvalid()
    # Raised after the block commits, so the counted attempt is kept.
    raise failure


def _active_user(phone: str) -> User | None:
    return User.objects.filter(phone=phone, is_active=True).first()


def otp_verify(*, phone: str, code: str, login: Callable[[User], T]) -> T:
    """Check a login code and, while its row is still locked, hand its person to ``login``
    (which opens the session: ``apps.shops.sessions.session_login_otp``); return what it returns.

    The code row is locked while it is checked, so of concurrent verifies of one code exactly
    one succeeds. The hash comparison is constant-time. A wrong guess is counted and kept even
    though an error is raised. Raises ``OtpInvalid`` (400: wrong, expired, used or no code),
    ``OtpLocked`` (429: too many wrong guesses; the code is dead), or what ``login`` raises
    (e.g. no membership in the shop asked for) — then the code stays usable.
    """
    return _verify(phone=phone, code=code, purpose=OtpPurpose.LOGIN, resolve=_active_user, use=login)


@dataclass(frozen=True)
class SignupPerson:
    """Who a valid sign-up code speaks for: the account with the phone, or None for a new one."""

    phone: str
    user: User | None


def _signup_person(phone: str) -> SignupPerson | None:
    user = User.objects.filter(phone=phone).first()
    if user is not None and not user.is_active:
        return None  # a switched-off account opens no shop
    return SignupPerson(phone=phone, user=user)


def signup_code_verify(*, phone: str, code: str, complete: Callable[[SignupPerson], T]) -> T:
    """Check a sign-up code under the rules of ``otp_verify`` and, while its row is locked,
    hand the person to ``complete`` (which creates the shop:
    ``apps.shops.signup.signup_complete``). An error of ``complete`` rolls everything back and
    leaves the code usable; a wrong guess is counted."""
    return _verify(phone=phone, code=code, purpose=OtpPurpose.SIGNUP, resolve=_signup_person, use=complete)


def otp_delete_expired(*, now: datetime | None = None) -> int:
    """Delete codes past their expiry and send-log rows older than the hourly window
    (for ``maintenance``). Safe at any time: neither can change an answer any more."""
    now = now or timezone.now()
    codes, _ = OtpCode.objects.filter(expires_at__lte=now).delete()
    sends, _ = OtpSend.objects.filter(created_at__lte=now - HOURLY_WINDOW).delete()
    return codes + sends
