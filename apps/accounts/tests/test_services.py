"""Account and session services."""

from __future__ import annotations

import datetime as dt

import pytest
from django.conf import settings
from django.utils import timezone
from rest_framework_simplejwt.token_blacklist.models import BlacklistedToken, OutstandingToken
from rest_framework_simplejwt.tokens import AccessToken, RefreshToken

from apps.accounts import services
from apps.accounts.models import User
from apps.accounts.tests.factories import PASSWORD, UserFactory
from apps.shops.models import Membership
from apps.shops.tests.factories import MembershipFactory
from flowercrm.auth import MembershipInactive, TokenInvalid
from flowercrm.errors import Invalid
from flowercrm.roles import Role

pytestmark = pytest.mark.django_db


def test_user_get_or_create_new_user() -> None:
    user, created = services.user_get_or_create(phone="8 701 123 45 67", name="  Дана  ", password=PASSWORD)
    assert created
    assert (user.phone, user.name) == ("+77011234567", "Дана")
    assert user.check_password(PASSWORD)


def test_user_get_or_create_keeps_an_existing_user_untouched() -> None:
    existing = UserFactory(phone="+77011234567", name="Дана")
    user, created = services.user_get_or_create(phone="87011234567", name="Другое", password="other-password-42")
    assert (user, created) == (existing, False)
    user.refresh_from_db()
    assert user.name == "Дана"
    assert user.check_password(PASSWORD)


@pytest.mark.parametrize("password", ["12345678", "password", "short", "x" * 129])
def test_user_get_or_create_refuses_a_weak_or_long_password(password: str) -> None:
    with pytest.raises(Invalid) as exc:
        services.user_get_or_create(phone="87011234567", name="Дана", password=password)
    assert "password" in exc.value.extra["errors"]
    assert not User.objects.exists()


def test_user_authenticate() -> None:
    user = UserFactory(phone="+77011234567", email="dana@example.kz")
    assert services.user_authenticate(username="8 701 123 45 67", password=PASSWORD) == user
    assert services.user_authenticate(username=" DANA@example.kz ", password=PASSWORD) == user
    for username, password in [("87011234567", "wrong"), ("87017654321", PASSWORD), ("dana", PASSWORD)]:
        with pytest.raises(services.InvalidCredentials):
            services.user_authenticate(username=username, password=password)
    user.is_active = False
    user.save()
    with pytest.raises(services.InvalidCredentials):
        services.user_authenticate(username="87011234567", password=PASSWORD)


def test_user_sync_staff_follows_active_back_office_memberships() -> None:
    membership = MembershipFactory(role=Role.FLORIST)
    user = membership.user
    services.user_sync_staff(user=user)
    assert not User.objects.get(pk=user.pk).is_staff
    Membership.objects.filter(pk=membership.pk).update(role=Role.MANAGER)
    services.user_sync_staff(user=user)
    assert User.objects.get(pk=user.pk).is_staff
    Membership.objects.filter(pk=membership.pk).update(is_active=False)
    services.user_sync_staff(user=user)
    assert not User.objects.get(pk=user.pk).is_staff
    user.is_superuser = True
    user.save()
    services.user_sync_staff(user=user)
    assert User.objects.get(pk=user.pk).is_staff


def test_tokens_issue_carries_user_shop_and_session_start() -> None:
    membership = MembershipFactory(role=Role.COURIER)
    pair = services.tokens_issue(membership=membership)
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
        services.tokens_issue(membership=membership, auth_time=timezone.now() - dt.timedelta(days=31))


def test_session_refresh_blacklists_the_used_token() -> None:
    membership = MembershipFactory()
    pair = services.tokens_issue(membership=membership)
    jti = RefreshToken(pair.refresh)["jti"]
    new = services.session_refresh(raw_refresh=pair.refresh)
    assert BlacklistedToken.objects.filter(token__jti=jti).exists()
    with pytest.raises(TokenInvalid):
        services.session_refresh(raw_refresh=pair.refresh)
    assert services.session_refresh(raw_refresh=new.refresh).membership == membership


def test_session_refresh_of_an_inactive_membership_leaves_the_token_alive() -> None:
    membership = MembershipFactory()
    pair = services.tokens_issue(membership=membership)
    Membership.objects.filter(pk=membership.pk).update(is_active=False)
    with pytest.raises(MembershipInactive):
        services.session_refresh(raw_refresh=pair.refresh)
    Membership.objects.filter(pk=membership.pk).update(is_active=True)
    assert services.session_refresh(raw_refresh=pair.refresh).membership == membership


def test_session_logout() -> None:
    pair = services.tokens_issue(membership=MembershipFactory())
    services.session_logout(raw_refresh=pair.refresh)
    with pytest.raises(TokenInvalid):
        services.session_refresh(raw_refresh=pair.refresh)
    with pytest.raises(TokenInvalid):
        services.session_logout(raw_refresh=pair.access)
