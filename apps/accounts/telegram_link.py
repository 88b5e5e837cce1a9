"""Linking a Telegram account to a user (what the bot's contact button does).

The one rule that makes it safe: a contact links only when Telegram vouches that it is the
sender's own number — ``contact.user_id == from_user.id``. Telegram fills ``contact.user_id``
itself from the number, so a forwarded or typed-in contact of someone else never carries the
sender's id (the original system let anyone link any phone to their own chat).

A vouched number that belongs to no account yet is kept as a ``TelegramContact`` while sign-up
is on (``SIGNUP_ENABLED``): the chat its sign-up code goes to, linked to the account that
sign-up creates (``telegram_contact_claim``).
"""

from __future__ import annotations

import enum
from dataclasses import dataclass
from datetime import datetime

from django.conf import settings
from django.db import transaction
from django.utils import timezone

from apps.accounts.models import TelegramContact, User
from apps.accounts.otp import CONTACT_TTL
from flowercrm.phone import try_normalize_phone


class LinkOutcome(enum.Enum):
    LINKED = "linked"
    NOT_OWN_CONTACT = "not_own_contact"
    UNKNOWN_PHONE = "unknown_phone"


@dataclass(frozen=True)
class LinkResult:
    outcome: LinkOutcome
    user: User | None = None
    phone: str | None = None


def contact_phone(raw: str) -> str | None:
    """A Telegram contact's number as E.164 (Telegram sends international digits, usually
    without the plus)."""
    raw = raw.strip()
    if raw and not raw.startswith("+") and raw.isdigit():
        return try_normalize_phone("+" + raw) or try_normalize_phone(raw)
    return try_normalize_phone(raw)


@transaction.atomic
def telegram_link_contact(*, sender_id: int, contact_user_id: int | None, phone: str) -> LinkResult:
    """Link Telegram user ``sender_id`` to the active user with ``phone`` — only if the
    contact is the sender's own (``contact_user_id == sender_id``). The chat moves from any
    other user it was linked to; the user's previous chat, if any, is replaced."""
    if contact_user_id is None or contact_user_id != sender_id:
        return LinkResult(LinkOutcome.NOT_OWN_CONTACT)
    normalized = contact_phone(phone)
    user = (
        User.objects.select_for_update().filter(phone=normalized, is_active=True).first()
        if normalized is not None
        else None
    )
    if user is None:
        if normalized is not None and settings.SIGNUP_ENABLED and not User.objects.filter(phone=normalized).exists():
            _contact_remember(phone=normalized, telegram_id=sender_id)
        return LinkResult(LinkOutcome.UNKNOWN_PHONE, phone=normalized or phone)
    User.objects.filter(telegram_id=sender_id).exclude(pk=user.pk).update(telegram_id=None, updated_at=timezone.now())
    if user.telegram_id != sender_id:
        user.telegram_id = sender_id
        user.save(update_fields=["telegram_id", "updated_at"])
    return LinkResult(LinkOutcome.LINKED, user=user, phone=normalized)


def _contact_remember(*, phone: str, telegram_id: int) -> None:
    """One contact per phone and per chat: the latest share wins."""
    TelegramContact.objects.filter(phone=phone).exclude(telegram_id=telegram_id).delete()
    TelegramContact.objects.filter(telegram_id=telegram_id).exclude(phone=phone).delete()
    TelegramContact.objects.update_or_create(phone=phone, defaults={"telegram_id": telegram_id})


@transaction.atomic
def telegram_contact_claim(*, user: User) -> bool:
    """Link ``user`` to the chat that shared their number with the bot before they had an
    account (the chat their sign-up code went to), unless they are linked already; the
    contact goes either way. True if a chat was linked."""
    contact = TelegramContact.objects.select_for_update().filter(phone=user.phone).first()
    if contact is None:
        return False
    contact.delete()
    if user.telegram_id is not None or contact.updated_at <= timezone.now() - CONTACT_TTL:
        return False
    User.objects.filter(telegram_id=contact.telegram_id).exclude(pk=user.pk).update(
        telegram_id=None, updated_at=timezone.now()
    )
    user.telegram_id = contact.telegram_id
    user.save(update_fields=["telegram_id", "updated_at"])
    return True


@transaction.atomic
def telegram_unlink(*, telegram_id: int) -> bool:
    """Unlink the Telegram account ``telegram_id`` (and forget a number it shared before
    having an account); False if it was not linked."""
    TelegramContact.objects.filter(telegram_id=telegram_id).delete()
    return bool(User.objects.filter(telegram_id=telegram_id).update(telegram_id=None, updated_at=timezone.now()))


def telegram_contact_delete_stale(*, now: datetime | None = None) -> int:
    """Delete shared contacts older than ``CONTACT_TTL`` (for ``maintenance``): they are no
    sign-up chat any more."""
    now = now or timezone.now()
    deleted, _ = TelegramContact.objects.filter(updated_at__lte=now - CONTACT_TTL).delete()
    return deleted
