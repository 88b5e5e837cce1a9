"""The User manager: phones are stored in E.164 whatever the format they were typed in."""

from __future__ import annotations

import pytest
from django.contrib.auth import authenticate
from django.core.exceptions import ValidationError
from django.db import IntegrityError

from apps.accounts.models import User
from apps.accounts.tests.factories import PASSWORD

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize(
    "raw", ["8 701 123 45 67", "+7 (701) 123-45-67", "77011234567", "8(701)1234567", " +77011234567"]
)
def test_create_user_stores_e164(raw: str) -> None:
    user = User.objects.create_user(raw, PASSWORD, name="Айгерим")
    user.refresh_from_db()
    assert user.phone == "+77011234567"
    assert user.check_password(PASSWORD)
    assert not user.is_staff and not user.is_superuser


@pytest.mark.parametrize("raw", ["", "12345", "phone", "+7 701 123 45 67 89 00", "8" * 40])
def test_create_user_refuses_what_is_not_a_phone(raw: str) -> None:
    with pytest.raises(ValidationError):
        User.objects.create_user(raw, PASSWORD)
    assert not User.objects.exists()


def test_the_same_number_in_another_format_is_a_duplicate() -> None:
    User.objects.create_user("8 701 123 45 67", PASSWORD)
    with pytest.raises(ValidationError):
        User.objects.create_user("+7 (701) 123-45-67", PASSWORD)
    assert User.objects.count() == 1


def test_without_password_the_password_is_unusable() -> None:
    user = User.objects.create_user("87011234567")
    assert not user.has_usable_password()


def test_email_domain_is_lowercased_and_unique_case_insensitively() -> None:
    user = User.objects.create_user("87011234567", email="Aigerim@EXAMPLE.kz")
    assert user.email == "Aigerim@example.kz"
    with pytest.raises(ValidationError):
        User.objects.create_user("87017654321", email="aigerim@example.kz")
    # The database refuses it too, not only full_clean().
    other = User(phone="+77017654321", email="AIGERIM@example.kz")
    with pytest.raises(IntegrityError):
        other.save()


def test_create_superuser() -> None:
    user = User.objects.create_superuser("8 701 123 45 67", PASSWORD, name="Оператор")
    assert (user.phone, user.is_staff, user.is_superuser) == ("+77011234567", True, True)


def test_natural_key_and_django_authentication_accept_any_format() -> None:
    user = User.objects.create_user("87011234567", PASSWORD)
    assert User.objects.get_by_natural_key("+7 (701) 123-45-67") == user
    assert authenticate(username="8 701 123 45 67", password=PASSWORD) == user
    assert authenticate(username="8 701 123 45 67", password="wrong") is None


def test_search_text_holds_folded_name_and_phone_digits() -> None:
    user = User.objects.create_user("87011234567", name="Айгерим НУРЛАНОВА", email="A@b.kz")
    assert "айгерим нурланова" in user.search_text
    assert "77011234567" in user.search_text
