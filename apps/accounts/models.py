"""People who log in: staff of one or several shops, and platform operators (superusers)."""

from __future__ import annotations

from typing import Any

from django.contrib.auth.models import AbstractBaseUser, BaseUserManager, PermissionsMixin
from django.db import models
from django.db.models.functions import Lower
from django.utils.translation import gettext, pgettext_lazy
from django.utils.translation import gettext_lazy as _

from flowercrm.models import SearchableModel, TimeStampedModel
from flowercrm.phone import normalize_phone


class UserManager(BaseUserManager["User"]):
    use_in_migrations = True

    def create_user(self, phone: str, password: str | None = None, **extra: Any) -> User:
        user = self.model(phone=normalize_phone(phone), **extra)
        if password:
            user.set_password(password)
        else:
            user.set_unusable_password()
        user.full_clean(exclude=["password"])
        user.save(using=self._db)
        return user

    def create_superuser(self, phone: str, password: str | None = None, **extra: Any) -> User:
        extra.update(is_staff=True, is_superuser=True)
        return self.create_user(phone, password, **extra)

    def get_by_natural_key(self, username: str | None) -> User:
        from flowercrm.phone import try_normalize_phone

        return self.get(phone=try_normalize_phone(username) or username)


class User(SearchableModel, AbstractBaseUser, PermissionsMixin, TimeStampedModel):
    """A person who logs in with their phone number. Roles live on memberships in shops."""

    phone = models.CharField(_("phone"), max_length=16, unique=True)
    name = models.CharField(pgettext_lazy("person", "name"), max_length=150, blank=True)
    email = models.EmailField(_("email"), blank=True, default="")
    telegram_id = models.BigIntegerField(_("Telegram id"), null=True, blank=True, unique=True)
    is_active = models.BooleanField(_("active"), default=True)
    # Follows active admin/manager memberships (``user_sync_staff``); superusers always.
    is_staff = models.BooleanField(_("admin access"), default=False)

    objects = UserManager()

    USERNAME_FIELD = "phone"
    REQUIRED_FIELDS = ["name"]
    search_fields = ("name", "email")
    search_phone_fields = ("phone",)

    class Meta:
        verbose_name = _("user")
        verbose_name_plural = _("users")
        ordering = ["name", "id"]
        constraints = [
            models.UniqueConstraint(
                Lower("email"), condition=~models.Q(email=""), name="accounts_user_email_ci_unique"
            ),
            models.CheckConstraint(condition=models.Q(phone__startswith="+"), name="accounts_user_phone_e164"),
        ]

    def __str__(self) -> str:
        return f"{self.name or gettext('No name')} ({self.phone})"

    def clean(self) -> None:
        super().clean()
        if self.phone:
            self.phone = normalize_phone(self.phone)
        self.email = self.__class__.objects.normalize_email(self.email or "")


# A code is dead after this many wrong guesses (ARCHITECTURE §3).
OTP_MAX_ATTEMPTS = 5


class OtpPurpose(models.TextChoices):
    """What a one-time code opens: a code of one purpose is never accepted for another."""

    LOGIN = "login", _("login")
    SIGNUP = "signup", _("sign-up")


class OtpCode(TimeStampedModel):
    """The current one-time code of a phone for one purpose (one row per phone and purpose: a
    new code replaces the old). Only a keyed hash of the code is kept; it is dead once used,
    expired or after ``OTP_MAX_ATTEMPTS`` wrong guesses. Rows exist for any phone a code was
    asked for, registered or not, so that nothing about a phone's registration shows in the
    answers."""

    phone = models.CharField(_("phone"), max_length=16)
    purpose = models.CharField(_("purpose"), max_length=8, choices=OtpPurpose.choices, default=OtpPurpose.LOGIN)
    code_hash = models.CharField(_("code hash"), max_length=64)
    expires_at = models.DateTimeField(_("valid until"))
    attempts = models.PositiveSmallIntegerField(_("wrong attempts"), default=0)
    used_at = models.DateTimeField(_("used"), null=True, blank=True)

    class Meta:
        verbose_name = _("login code")
        verbose_name_plural = _("login codes")
        constraints = [
            models.UniqueConstraint(fields=["phone", "purpose"], name="accounts_otpcode_phone_purpose_unique"),
            models.CheckConstraint(condition=models.Q(phone__startswith="+"), name="accounts_otpcode_phone_e164"),
            models.CheckConstraint(
                condition=models.Q(attempts__lte=OTP_MAX_ATTEMPTS), name="accounts_otpcode_attempts_max"
            ),
        ]
        indexes = [models.Index(fields=["expires_at"])]

    def __str__(self) -> str:
        return gettext("%(phone)s until %(time)s") % {"phone": self.phone, "time": f"{self.expires_at:%Y-%m-%d %H:%M}"}


class OtpSend(TimeStampedModel):
    """One code issued for a phone (``created_at`` is when), of any purpose: the log the
    resend cooldown and the hourly cap are counted from — shared by login and sign-up codes, so
    a phone's chat gets at most ``HOURLY_CAP`` codes an hour in all — kept in the database so
    the limits hold across processes and apply to every phone, registered or not."""

    phone = models.CharField(_("phone"), max_length=16)

    class Meta:
        verbose_name = _("code sent")
        verbose_name_plural = _("codes sent")
        indexes = [models.Index(fields=["phone", "created_at"])]

    def __str__(self) -> str:
        return f"{self.phone} {self.created_at:%Y-%m-%d %H:%M:%S}"


class TelegramContact(TimeStampedModel):
    """A phone number Telegram vouched for, shared with the bot by its owner
    (``contact.user_id == from_user.id``) while no account has that phone yet: the chat a
    sign-up code for that phone goes to. When the account is created (sign-up) the chat is
    linked to it and the row goes; rows nobody used are deleted by ``maintenance``."""

    phone = models.CharField(_("phone"), max_length=16, unique=True)
    telegram_id = models.BigIntegerField(_("Telegram id"), unique=True)

    class Meta:
        verbose_name = _("Telegram contact")
        verbose_name_plural = _("Telegram contacts")
        constraints = [
            models.CheckConstraint(
                condition=models.Q(phone__startswith="+"), name="accounts_telegramcontact_phone_e164"
            ),
        ]
        indexes = [models.Index(fields=["updated_at"])]

    def __str__(self) -> str:
        return f"{self.phone} → {self.telegram_id}"
