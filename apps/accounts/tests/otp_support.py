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
