"""Login by a one-time code that the Telegram bot sends to a person's linked chat (ARCHITECTURE §3).

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
- no test phone, fixed code or bypass exists in any mode.
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

from apps.accounts.models import OTP_MAX_ATTEMPTS, OtpCode, OtpSend, User
from flowercrm import telegram
from flowercrm.errors import DomainError, RateLimited
from flowercrm.phone import normalize_phone

OTP_TTL = timedelta(minutes=5)
RESEND_COOLDOWN = timedelta(seconds=60)
HOURLY_WINDOW = timedelta(hours=1)
HOURLY_CAP = 5
CODE_DIGITS = 6

T = TypeVar("T")


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


def _code_hash(phone: str, code: str) -> str:
    return salted_hmac("flowercrm.accounts.otp", f"{phone}:{code}", algorithm="sha256").hexdigest()


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


def otp_send(*, phone: str) -> OtpIssued:
    """Issue a new login code for ``phone`` (replacing any earlier one) and, if the phone
    belongs to a linked active member, send it to their Telegram chat after commit.

    Does the same work and answers the same for every valid phone. Raises ``RateLimited``
    (429 with ``Retry-After``) within the resend cooldown or over the hourly cap, and
    ``django.core.exceptions.ValidationError`` for something that is not a phone number.
    """
    phone = normalize_phone(phone)
    now = timezone.now()
    with transaction.atomic():
        # One row per phone, created if missing, then locked: concurrent requests for one
        # phone are serialised, so the cooldown cannot be raced.
        OtpCode.objects.bulk_create([OtpCode(phone=phone, code_hash="", expires_at=now)], ignore_conflicts=True)
        row = OtpCode.objects.select_for_update().get(phone=phone)
        wait = _send_wait(phone=phone, now=now)
        if wait:
            raise RateLimited(wait, gettext("The code was already sent. You can ask again later."))
        code = _new_code()
        row.code_hash = _code_hash(phone, code)
        row.expires_at = now + OTP_TTL
        row.attempts = 0
        row.used_at = None
        row.save(update_fields=["code_hash", "expires_at", "attempts", "used_at", "updated_at"])
        OtpSend.objects.create(phone=phone)
        chat_id = _linked_chat(phone)
        if chat_id is not None:
            telegram.send_message(chat_id, otp_message(code))
    return OtpIssued(expires_in=int(OTP_TTL.total_seconds()))


def otp_verify(*, phone: str, code: str, login: Callable[[User], T]) -> T:
    """Check a code and, while its row is still locked, hand its person to ``login`` (which
    opens the session: ``apps.shops.sessions.session_login_otp``); return what it returns.

    The code row is locked while it is checked, so of concurrent verifies of one code exactly
    one succeeds. The hash comparison is constant-time. A wrong guess is counted and kept even
    though an error is raised. Raises ``OtpInvalid`` (400: wrong, expired, used or no code),
    ``OtpLocked`` (429: too many wrong guesses; the code is dead), or what ``login`` raises
    (e.g. no membership in the shop asked for) — then the code stays usable.
    """
    phone = normalize_phone(phone)
    now = timezone.now()
    failure: DomainError
    with transaction.atomic():
        row = OtpCode.objects.select_for_update().filter(phone=phone).first()
        if row is None or not row.code_hash or row.used_at is not None or row.expires_at <= now:
            failure = OtpInvalid()
        elif row.attempts >= OTP_MAX_ATTEMPTS:
            failure = OtpLocked(max(1, _send_wait(phone=phone, now=now)))
        else:
            matches = constant_time_compare(row.code_hash, _code_hash(phone, code))
            user = User.objects.filter(phone=phone, is_active=True).first() if matches else None
            if user is not None:
                row.used_at = now
                row.save(update_fields=["used_at", "updated_at"])
                # An error of ``login`` rolls this block back: the code is not spent on a
                # refused login.
                return login(user)
            row.attempts += 1
            row.save(update_fields=["attempts", "updated_at"])
            if row.attempts >= OTP_MAX_ATTEMPTS:
                failure = OtpLocked(max(1, _send_wait(phone=phone, now=now)))
            else:
                failure = OtpInvalid()
    # Raised after the block commits, so the counted attempt is kept.
    raise failure


def otp_delete_expired(*, now: datetime | None = None) -> int:
    """Delete codes past their expiry and send-log rows older than the hourly window
    (for ``maintenance``). Safe at any time: neither can change an answer any more."""
    now = now or timezone.now()
    codes, _ = OtpCode.objects.filter(expires_at__lte=now).delete()
    sends, _ = OtpSend.objects.filter(created_at__lte=now - HOURLY_WINDOW).delete()
    return codes + sends
