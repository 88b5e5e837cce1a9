"""Authentication of API requests (and, through ``resolve_access_token``, of WebSockets).

The access token names the user and the active shop (``shop_id``). The membership is loaded
on every request and authorisation reads the role from it, never from the token, so a
demotion or deactivation takes effect at once.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from rest_framework import exceptions
from rest_framework.request import Request
from rest_framework_simplejwt.authentication import JWTAuthentication
from rest_framework_simplejwt.exceptions import InvalidToken, TokenError
from rest_framework_simplejwt.tokens import AccessToken, Token

if TYPE_CHECKING:
    from django_stubs_ext import StrOrPromise

    from apps.accounts.models import User
    from apps.shops.models import Membership, Shop


class MembershipInactive(exceptions.AuthenticationFailed):
    default_detail: StrOrPromise = _("Access to the shop is disabled.")
    default_code = "membership_inactive"


class TokenInvalid(exceptions.AuthenticationFailed):
    default_detail: StrOrPromise = _("The token is invalid or expired.")
    default_code = "token_invalid"


@dataclass(frozen=True)
class ShopAuth:
    """``request.auth`` of an authenticated API request."""

    token: Token
    membership: Membership

    @property
    def shop(self) -> Shop:
        return self.membership.shop

    @property
    def role(self) -> str:
        return self.membership.role

    @property
    def user(self) -> User:
        """The acting person (the membership's user, loaded with it)."""
        return self.membership.user


def claim_id(value: Any) -> int | None:
    """An id claim (SimpleJWT writes ``user_id`` as a string) as an int, or None."""
    if isinstance(value, bool):
        return None
    if isinstance(value, int):
        return value
    if isinstance(value, str) and value.isascii() and value.isdigit() and len(value) <= 18:
        return int(value)
    return None


def load_membership(user: User, shop_id: Any) -> Membership:
    """The active membership of ``user`` in ``shop_id`` or ``MembershipInactive``."""
    from apps.shops.models import Membership

    shop_id = claim_id(shop_id)
    if shop_id is None:
        raise TokenInvalid()
    # ``active()``: accepted and switched on — a pending invitation grants nothing.
    membership = Membership.objects.active().select_related("shop").filter(user=user, shop_id=shop_id).first()
    if membership is None:
        raise MembershipInactive()
    membership.user = user  # the caller already holds the row: no second query for it
    return membership


def resolve_access_token(raw: str | bytes) -> tuple[User, Membership, Token]:
    """Validate an access token and load its user and active membership — with the shop, in
    one query (every API request pays for it; a refused one pays a second query to tell why).

    Raises ``TokenInvalid`` (bad, expired, blacklisted token, unknown or inactive user) or
    ``MembershipInactive``.
    """
    from apps.accounts.models import User
    from apps.shops.models import Membership

    try:
        token = AccessToken(raw)  # type: ignore[arg-type]
    except (TokenError, InvalidToken):
        raise TokenInvalid() from None
    user_id = claim_id(token.get("user_id"))
    shop_id = claim_id(token.get("shop_id"))
    if user_id is None:
        raise TokenInvalid()
    membership = (
        Membership.objects.active()  # accepted and switched on: a pending invitation grants nothing
        .select_related("shop", "user")
        .filter(user_id=user_id, user__is_active=True, shop_id=shop_id)
        .first()
        if shop_id is not None
        else None
    )
    if membership is None:
        if shop_id is None or not User.objects.filter(pk=user_id, is_active=True).exists():
            raise TokenInvalid()
        raise MembershipInactive()
    return membership.user, membership, token


class ShopJWTAuthentication(JWTAuthentication):
    """``Authorization: Bearer <access>`` → ``request.user``, ``request.auth`` (a
    ``ShopAuth``), and the shop's time zone activated for the response."""

    def authenticate(self, request: Request) -> tuple[User, ShopAuth] | None:  # type: ignore[override]
        header = self.get_header(request)
        if header is None:
            return None
        raw = self.get_raw_token(header)
        if raw is None:
            raise TokenInvalid()
        user, membership, token = resolve_access_token(raw)
        timezone.activate(membership.shop.zoneinfo)
        return user, ShopAuth(token=token, membership=membership)


def shop_auth(request: Request) -> ShopAuth | None:
    auth = getattr(request, "auth", None)
    return auth if isinstance(auth, ShopAuth) else None


class PublicEndpoint(JWTAuthentication):
    """For public views (login, refresh, tracking): authenticates nobody, but keeps the
    ``WWW-Authenticate`` header so DRF answers a failed login with 401, not 403."""

    def authenticate(self, request: Request) -> None:
        return None


def require_shop_auth(request: Request) -> ShopAuth:
    """``request.auth`` of a view whose permissions already required a member."""
    auth = shop_auth(request)
    if auth is None:
        raise exceptions.NotAuthenticated()
    return auth
