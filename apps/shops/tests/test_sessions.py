"""Session services: JWT pairs for a membership, refresh rotation, logout."""

from __future__ import annotations

import datetime as dt

import pytest
from django.conf import settings
from django.utils import timezone
from rest_framework_simplejwt.token_blacklist.models import BlacklistedToken, OutstandingToken
from rest_framework_simplejwt.tokens import AccessToken, RefreshToken

from apps.shops import sessions
from apps.shops.models import Membership
from apps.shops.tests.factories import MembershipFactory
from flowercrm.auth import MembershipInactive, TokenInvalid
from flowercrm.roles import Role

pytestmark = pytest.mark.django_db


def test_tokens_issue_carries_user_shop_and_session_start() -> None:
    membership = MembershipFactory(role=Role.COURIER)
    pair = sessions.tokens_issue(membership=membership)
    access, refresh = AccessToken(pair.access), RefreshToken(pair.refresh)
    assert int(access["user_id"]) == int(refresh["user_id"]) == membership.user_id
    assert access["shop_id"] == refresh["shop_id"] == membership.shop_id
    assert abs(refresh["auth_time"] - timezone.now().timestamp()) < 5
    assert pair.expires_in == settings.ACCESS_TOKEN_EXPIRE_MINUTES * 60
    assert OutstandingToken.objects.filter(jti=refresh["jti"]).exists()
    membership.refresh_from_db()
    assert membership.last_used_at is not None


def test_tokens_issue_refuses_a_session_past_its_end() -> None:
    membership = MembershipFactory()
    with pytest.raises(TokenInvalid):
        sessions.tokens_issue(membership=membership, auth_time=timezone.now() - dt.timedelta(days=31))


def test_session_refresh_blacklists_the_used_token() -> None:
    membership = MembershipFactory()
    pair = sessions.tokens_issue(membership=membership)
    jti = RefreshToken(pair.refresh)["jti"]
    new = sessions.session_refresh(raw_refresh=pair.refresh)
    assert BlacklistedToken.objects.filter(token__jti=jti).exists()
    with pytest.raises(TokenInvalid):
        sessions.session_refresh(raw_refresh=pair.refresh)
    assert sessions.session_refresh(raw_refresh=new.refresh).membership == membership


def test_session_refresh_of_an_inactive_membership_leaves_the_token_alive() -> None:
    membership = MembershipFactory()
    pair = sessions.tokens_issue(membership=membership)
    Membership.objects.filter(pk=membership.pk).update(is_active=False)
    with pytest.raises(MembershipInactive):
        sessions.session_refresh(raw_refresh=pair.refresh)
    Membership.objects.filter(pk=membership.pk).update(is_active=True)
    assert sessions.session_refresh(raw_refresh=pair.refresh).membership == membership


def test_session_logout() -> None:
    pair = sessions.tokens_issue(membership=MembershipFactory())
    sessions.session_logout(raw_refresh=pair.refresh)
    with pytest.raises(TokenInvalid):
        sessions.session_refresh(raw_refresh=pair.refresh)
    with pytest.raises(TokenInvalid):
        sessions.session_logout(raw_refresh=pair.access)
