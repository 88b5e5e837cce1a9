"""Every write about users: accounts, passwords, names. Sessions (JWT pairs) belong to a
membership and live in ``apps.shops.sessions``; Telegram linking and login codes in
``telegram_link`` and ``otp``."""

from __future__ import annotations

from django.conf import settings
from django.contrib.auth import password_validation
from django.core.exceptions import ValidationError as DjangoValidationError
from django.db import transaction
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from apps.accounts.models import User
from flowercrm.auth import TokenInvalid
from flowercrm.errors import Invalid
from flowercrm.phone import normalize_phone, try_normalize_phone
from flowercrm.updates import model_update


class InvalidCredentials(TokenInvalid):
    default_detail = _("Wrong phone or password.")
    default_code = "not_authenticated"


def password_check_rules(password: str, user: User | None = None) -> None:
    if len(password) > settings.PASSWORD_MAX_LENGTH:
        raise Invalid(
            {"password": [gettext("At most %(limit)d characters.") % {"limit": settings.PASSWORD_MAX_LENGTH}]}
        )
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


def user_rename(*, user: User, name: str) -> User:
    """Change a user's own name."""
    model_update(instance=user, fields=["name"], data={"name": name.strip()}, exclude_validation=["password"])
    return user
