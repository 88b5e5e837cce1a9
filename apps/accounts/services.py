"""Every write about users and their sessions: accounts, passwords, JWT pairs."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from django.conf import settings
from django.contrib.auth import password_validation
from django.core.exceptions import ValidationError as DjangoValidationError
from django.db import transaction
from django.utils import timezone
from rest_framework_simplejwt.exceptions import TokenError
from rest_framework_simplejwt.token_blacklist.models import BlacklistedToken, OutstandingToken
from rest_framework_simplejwt.tokens import RefreshToken, Token

from apps.accounts.models import User
from flowercrm.auth import MembershipInactive, TokenInvalid, claim_id
from flowercrm.errors import Invalid
from flowercrm.phone import normalize_phone, try_normalize_phone
from flowercrm.roles import BACK_OFFICE_ROLES

if TYPE_CHECKING:
    from apps.shops.models import Membership


class InvalidCredentials(TokenInvalid):
    default_detail = "Неверный телефон или пароль."
    default_code = "not_authenticated"


class NoMembership(Exception):
    """The user has no active membership (in the shop asked for)."""


@dataclass(frozen=True)
class TokenPair:
    access: str
    refresh: str
    membership: Membership
    # Seconds the access token lives (less than the configured lifetime near a session's end).
    expires_in: int

    def as_response(self) -> dict[str, Any]:
        from apps.accounts.api.serializers import UserSerializer

        shop = self.membership.shop
        return {
            "access_token": self.access,
            "refresh_token": self.refresh,
            "token_type": "bearer",
            "expires_in": self.expires_in,
            "user": UserSerializer(self.membership.user).data,
            "shop": {"id": shop.id, "name": shop.name},
            "role": self.membership.role,
        }


def password_check_rules(password: str, user: User | None = None) -> None:
    if len(password) > settings.PASSWORD_MAX_LENGTH:
        raise Invalid({"password": [f"Не длиннее {settings.PASSWORD_MAX_LENGTH} символов."]})
    try:
        password_validation.validate_password(password, user)
    except DjangoValidationError as exc:
        raise Invalid({"password": exc.messages}) from None


@transaction.atomic
def user_get_or_create(*, phone: str, name: str = "", password: str | None = None) -> tuple[User, bool]:
    """The user with this phone, or a new one. An existing user is returned untouched: the
    name and password are changed only by that user."""
    phone = normalize_phone(phone)
    user = User.objects.filter(phone=phone).first()
    if user is not None:
        return user, False
    if password:
        password_check_rules(password)
    user = User.objects.create_user(phone, password or None, name=name.strip())
    return user, True


def user_sync_staff(*, user: User) -> None:
    """``is_staff`` (Django admin access) follows active admin/manager memberships."""
    from apps.shops.models import Membership

    should = user.is_superuser or Membership.objects.active().filter(user=user, role__in=BACK_OFFICE_ROLES).exists()
    if user.is_staff != should:
        user.is_staff = should
        user.save(update_fields=["is_staff", "updated_at"])


def user_find_for_login(username: str) -> User | None:
    """A phone in any common format, or an email (case-insensitive)."""
    username = username.strip()
    phone = try_normalize_phone(username)
    if phone:
        return User.objects.filter(phone=phone).first()
    if "@" in username:
        return User.objects.filter(email__iexact=username).first()
    return None


def user_authenticate(*, username: str, password: str) -> User:
    """The active user with these credentials, or ``InvalidCredentials``. Unknown users cost
    the same hashing time as known ones."""
    user = user_find_for_login(username)
    if user is None:
        User().set_password(password)  # equalise timing
        raise InvalidCredentials()
    if not user.check_password(password) or not user.is_active:
        raise InvalidCredentials()
    return user


def _auth_time(refresh: RefreshToken) -> dt.datetime:
    raw = refresh.get("auth_time")
    if not isinstance(raw, int):
        raise TokenInvalid()
    return dt.datetime.fromtimestamp(raw, tz=dt.UTC)


def tokens_issue(*, membership: Membership, auth_time: dt.datetime | None = None) -> TokenPair:
    """A new access/refresh pair for ``membership``. ``auth_time`` is when the person logged
    in; no session outlives ``SESSION_MAX_AGE`` from it."""
    from apps.shops.services import membership_touch

    now = timezone.now()
    auth_time = auth_time or now
    session_end = auth_time + settings.SESSION_MAX_AGE
    if session_end <= now:
        raise TokenInvalid("Сессия истекла, войдите снова.")
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
    return TokenPair(
        access=str(access),
        refresh=str(refresh),
        membership=membership,
        expires_in=max(
            0, min(int(settings.SIMPLE_JWT["ACCESS_TOKEN_LIFETIME"].total_seconds()), end - int(now.timestamp()))
        ),
    )


def _membership_for(user: User, shop_id: int | None) -> Membership:
    from apps.shops.selectors import default_membership

    membership = default_membership(user=user, shop_id=shop_id)
    if membership is None:
        raise NoMembership()
    return membership


def session_login(*, user: User, shop_id: int | None = None) -> TokenPair:
    """Open a session in ``shop_id`` (or the most recently used shop)."""
    return tokens_issue(membership=_membership_for(user, shop_id))


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
        raise TokenInvalid("Сессия завершена, войдите снова.")
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


def user_rename(*, user: User, name: str) -> User:
    """Change a user's own name."""
    user.name = name.strip()
    user.save(update_fields=["name", "updated_at"])
    return user
