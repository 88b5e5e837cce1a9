"""Helpers for the Telegram OTP and bot tests: a controllable clock, linked members, codes
read from the outbox."""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Sequence

import pytest
from django.utils import timezone

from apps.shops.models import Membership, Shop
from apps.shops.tests.factories import MembershipFactory
from flowercrm.roles import Role
from flowercrm.telegram import TelegramMessage


class Clock:
    """Stands in for ``django.utils.timezone.now``; starts at the real time."""

    def __init__(self, start: dt.datetime) -> None:
        self.now = start

    def __call__(self) -> dt.datetime:
        return self.now

    def advance(self, seconds: float) -> None:
        self.now += dt.timedelta(seconds=seconds)


@pytest.fixture
def clock(monkeypatch: pytest.MonkeyPatch) -> Clock:
    fake = Clock(timezone.now())
    monkeypatch.setattr(timezone, "now", fake)
    return fake


def linked_member(
    shop: Shop, *, telegram_id: int | None, role: str = Role.MANAGER, phone: str | None = None, **kwargs: object
) -> Membership:
    extra = {"user__phone": phone} if phone else {}
    membership = MembershipFactory(shop=shop, role=role, user__telegram_id=telegram_id, **extra, **kwargs)
    return membership


def codes_to(outbox: Sequence[TelegramMessage], chat_id: int) -> list[str]:
    """The login codes sent to ``chat_id``, oldest first."""
    found = []
    for message in outbox:
        if message.chat_id == chat_id:
            match = re.search(r"\b(\d{6})\b", message.text)
            assert match, message.text
            found.append(match.group(1))
    return found


def share_contact(phone: str, telegram_id: int) -> None:
    """What the bot does when a person sends it their own contact (Telegram vouches for the
    number): links an account, or — no account — keeps the chat for a sign-up code."""
    from apps.accounts.telegram_link import telegram_link_contact

    telegram_link_contact(sender_id=telegram_id, contact_user_id=telegram_id, phone=phone.lstrip("+"))


def make_init_data(
    bot_token: str,
    *,
    telegram_id: int,
    auth_date: dt.datetime | int | None = None,
    extra: dict[str, str] | None = None,
) -> str:
    """A Mini App ``initData`` signed the way Telegram signs it (core.telegram.org/bots/webapps):
    ``secret = HMAC_SHA256(key="WebAppData", msg=bot_token)``, ``hash = HMAC_SHA256(secret,
    sorted "k=v" lines)``; percent-encoded like ``URLSearchParams``."""
    import hashlib
    import hmac
    import json
    from urllib.parse import urlencode

    when = auth_date if auth_date is not None else timezone.now()
    stamp = when if isinstance(when, int) else int(when.timestamp())
    fields = {
        "query_id": "AAHdF6IQAAAAAN0XohDhrOrc",
        "user": json.dumps(
            {"id": telegram_id, "first_name": "Айгерим", "username": "aigerim", "language_code": "ru"},
            ensure_ascii=False,
            separators=(",", ":"),
        ),
        "auth_date": str(stamp),
        **(extra or {}),
    }
    check = "\n".join(f"{k}={v}" for k, v in sorted(fields.items()))
    secret = hmac.new(b"WebAppData", bot_token.encode(), hashlib.sha256).digest()
    fields["hash"] = hmac.new(secret, check.encode(), hashlib.sha256).hexdigest()
    return urlencode(fields)
