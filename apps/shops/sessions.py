"""Sessions: the JWT pairs a login, a refresh or a shop switch issues. A session belongs to a
membership (the token names the shop), so this lives with memberships, above accounts.

Guarantees: no session outlives ``SESSION_MAX_AGE`` from the login; a refresh token is used
once (rotated and blacklisted under a row lock); switching shops rotates the session's refresh
token; a login opens the shop asked for or the most recently used one.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from django.conf import settings
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext
from rest_framework_simplejwt.exceptions import TokenError
from rest_framework_simplejwt.token_blacklist.models import BlacklistedToken, OutstandingToken
from rest_framework_simplejwt.tokens import RefreshToken, Token

from apps.accounts.models import User
from apps.accounts.otp import otp_verify
from apps.accounts.webapp import WebAppInvalid, init_data_check, init_data_claim
from apps.shops.models import Membership
from apps.shops.selectors import default_membership
from flowercrm.auth import MembershipInactive, TokenInvalid, claim_id


class NoMembership(Exception):
    """The user has no active membership (in the shop asked for)."""


@dataclass(frozen=True)
class TokenPair:
    """An issued session; the API answers it in the token body (``accounts.api``)."""

    access: str
    refresh: str
    membership: Membership
    # Seconds the access token lives (less than the configured lifetime near a session's end).
    expires_in: int


def membership_touch(*, membership: Membership) -> None:
    """Remember this shop as the user's most recently used one."""
    Membership.objects.filter(pk=membership.pk).update(last_used_at=timezone.now())


def _auth_time(refresh: RefreshToken) -> dt.datetime:
    raw = refresh.get("auth_time")
    if not isinstance(raw, int):
        raise TokenInvalid()
    return dt.datetime.fromtimestamp(raw, tz=dt.UTC)


def tokens_issue(*, membership: Membership, auth_time: dt.datetime | None = None) -> TokenPair:
    """A new access/refresh pair for ``membership``. ``auth_time`` is when the person logged
    in; no session outlives ``SESSION_MAX_AGE`` from it."""
    now = timezone.now()
    auth_time = auth_time or now
    session_end = auth_time + settings.SESSION_MAX_AGE
    if session_end <= now:
        raise TokenInvalid(gettext("The session has expired, log in again."))
    refresh = RefreshToken.for_user(membership.user)
    refresh["shop_id"] = membership.shop_id
    refresh["role"] = membership.role
    refresh["auth_time"] = int(auth_time.timestamp())
    end = int(session_end.timestamp())
    if refresh["exp"] > end:
        refresh["exp"] = end
        OutstandingToken.objects.filter(jti=refresh["jti"]).update(expires_at=session_end)
    access = refresh.access_token
    access["exp"] = min(access["exp"], end)
    # The session the access token belongs to: its refresh token (switch-shop rotates it).
    access["sid"] = refresh["jti"]
    membership_touch(membership=membership)
    lifetime = int(settings.SIMPLE_JWT["ACCESS_TOKEN_LIFETIME"].total_seconds())
    return TokenPair(
        access=str(access),
        refresh=str(refresh),
        membership=membership,
        expires_in=max(0, min(lifetime, end - int(now.timestamp()))),
    )


def _membership_for(user: User, shop_id: int | None) -> Membership:
    membership = default_membership(user=user, shop_id=shop_id)
    if membership is None:
        raise NoMembership()
    return membership


def session_login(*, user: User, shop_id: int | None = None) -> TokenPair:
    """Open a session in ``shop_id`` (or the most recently used shop); ``NoMembership`` when
    the person works in no (such) shop."""
    return tokens_issue(membership=_membership_for(user, shop_id))


def session_login_otp(*, phone: str, code: str, shop_id: int | None = None) -> TokenPair:
    """Exchange a Telegram login code for a session (as a password login does). The code's
    rules are ``accounts.otp.otp_verify``'s; ``NoMembership`` leaves the code usable."""
    return otp_verify(phone=phone, code=code, login=lambda user: session_login(user=user, shop_id=shop_id))


def session_login_telegram_webapp(*, init_data: str, bot_token: str) -> TokenPair:
    """Open a session (in the most recently used shop) for the active user linked to the
    Telegram account a Mini App's ``init_data`` speaks for (``accounts.webapp``). Raises
    ``WebAppInvalid`` for data that is forged, stale, malformed, used before, or whose account
    is linked to no active user, and ``NoMembership`` — without using the data up — when that
    person works in no shop."""
    identity = init_data_check(init_data=init_data, bot_token=bot_token, now=timezone.now())
    user = User.objects.filter(telegram_id=identity.telegram_id, is_active=True).first()
    if user is None:
        raise WebAppInvalid()
    membership = _membership_for(user, None)
    if not init_data_claim(identity):
        raise WebAppInvalid(gettext("This Telegram login was already used. Open the app from the bot again."))
    return tokens_issue(membership=membership)


def _parse_refresh(raw: str) -> RefreshToken:
    try:
        return RefreshToken(raw)  # type: ignore[arg-type]
    except TokenError:
        raise TokenInvalid() from None


def _lock_outstanding(refresh: RefreshToken) -> OutstandingToken | None:
    """The token's outstanding row, locked. ``OutstandingToken`` orders by its nullable
    ``user``, and PostgreSQL refuses ``FOR UPDATE`` on the outer join that ordering needs,
    so the ordering is dropped and only this table is locked."""
    return OutstandingToken.objects.select_for_update(of=("self",)).filter(jti=refresh["jti"]).order_by().first()


@transaction.atomic
def session_refresh(*, raw_refresh: str) -> TokenPair:
    """Rotate a refresh token: the used one is blacklisted under a row lock, so of two
    concurrent refreshes of one token exactly one wins."""
    refresh = _parse_refresh(raw_refresh)
    outstanding = _lock_outstanding(refresh)
    if outstanding is None or BlacklistedToken.objects.filter(token=outstanding).exists():
        raise TokenInvalid()
    BlacklistedToken.objects.create(token=outstanding)
    user_id, shop_id = claim_id(refresh.get("user_id")), claim_id(refresh.get("shop_id"))
    user = User.objects.filter(pk=user_id, is_active=True).first() if user_id else None
    if user is None or shop_id is None:
        raise TokenInvalid()
    try:
        membership = _membership_for(user, shop_id)
    except NoMembership:
        raise MembershipInactive() from None
    return tokens_issue(membership=membership, auth_time=_auth_time(refresh))


@transaction.atomic
def session_switch_shop(*, user: User, access: Token, shop_id: int) -> TokenPair:
    """Move the session to another shop of the user: the session's refresh token is rotated
    (blacklisted under a row lock), so a logged-out or rotated session cannot be revived by an
    access token that is still valid."""
    membership = _membership_for(user, shop_id)
    session_id, auth_time = access.get("sid"), access.get("auth_time")
    if not isinstance(session_id, str) or not isinstance(auth_time, int):
        raise TokenInvalid()
    outstanding = (
        OutstandingToken.objects.select_for_update(of=("self",)).filter(jti=session_id, user=user).order_by().first()
    )
    if outstanding is None or BlacklistedToken.objects.filter(token=outstanding).exists():
        raise TokenInvalid(gettext("The session has ended, log in again."))
    BlacklistedToken.objects.create(token=outstanding)
    return tokens_issue(membership=membership, auth_time=dt.datetime.fromtimestamp(auth_time, tz=dt.UTC))


@transaction.atomic
def session_logout(*, raw_refresh: str) -> None:
    """Kill a refresh token. Its access token lives until it expires."""
    refresh = _parse_refresh(raw_refresh)
    outstanding = _lock_outstanding(refresh)
    if outstanding is None:
        raise TokenInvalid()
    BlacklistedToken.objects.get_or_create(token=outstanding)
