"""Account services (sessions: ``apps/shops/tests/test_sessions.py``)."""

from __future__ import annotations

import pytest

from apps.accounts import services
from apps.accounts.models import User
from apps.accounts.tests.factories import PASSWORD, UserFactory
from flowercrm.errors import Invalid

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
