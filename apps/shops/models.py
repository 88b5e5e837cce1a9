"""Shops (the tenants), their settings and who works in them."""

from __future__ import annotations

import zoneinfo
from decimal import Decimal
from functools import cached_property
from typing import Any

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from apps.shops.slugs import SLUG_MAX_LENGTH, unique_slug, validate_slug
from flowercrm.models import SearchableModel, TimeStampedModel
from flowercrm.roles import Role
from flowercrm.scopes import ShopScopedManager
from flowercrm.search import build_search_text

MARKUP_LEVELS = ("minimum", "recommended", "premium")
PROFILE_ADDRESS_MAX_LENGTH = 300
PROFILE_HOURS_MAX_LENGTH = 300
DEFAULT_MARKUP = {"minimum": "50", "recommended": "100", "premium": "150"}


def default_markups() -> dict[str, dict[str, str]]:
    return {"default": dict(DEFAULT_MARKUP)}


def validate_time_zone(value: str) -> None:
    if value not in zoneinfo.available_timezones():
        raise ValidationError(_("Unknown time zone: %(value)s."), params={"value": value})


def validate_markups(value: Any) -> None:
    """``{"<category or default>": {"minimum", "recommended", "premium"}}``, percents 0..1000."""
    if not isinstance(value, dict) or len(value) > 32:
        raise ValidationError(_("Markups: an object “category → levels”."))
    for key, levels in value.items():
        if not isinstance(key, str) or not key or len(key) > 32:
            raise ValidationError(_("Markups: invalid category."))
        if not isinstance(levels, dict) or set(levels) != set(MARKUP_LEVELS):
            raise ValidationError(
                _("Markups “%(key)s”: levels %(levels)s are required.")
                % {"key": key, "levels": ", ".join(MARKUP_LEVELS)}
            )
        for level, percent in levels.items():
            try:
                number = Decimal(str(percent))
            except Exception:
                raise ValidationError(
                    _("Markups “%(key)s”: a number is required.") % {"key": f"{key}.{level}"}
                ) from None
            if not number.is_finite() or not Decimal(0) <= number <= Decimal(1000):
                raise ValidationError(_("Markups “%(key)s”: 0 to 1000 %%.") % {"key": f"{key}.{level}"})


class Shop(TimeStampedModel):
    """A flower shop: the tenant every business row belongs to, with its own settings.

    Names are free (two shops may share one); the ``slug`` is the unique public key."""

    name = models.CharField(_("name"), max_length=120)
    # Generated from the name on creation (``unique_slug``) and kept when the shop is renamed;
    # the shop's admin may change it (the storefront's address changes with it).
    slug = models.SlugField(
        _("address (slug)"), max_length=SLUG_MAX_LENGTH, unique=True, blank=True, validators=[validate_slug]
    )
    currency = models.CharField(_("currency"), max_length=3, default="KZT")
    time_zone = models.CharField(_("time zone"), max_length=64, default="Asia/Almaty", validators=[validate_time_zone])
    default_delivery_fee = models.DecimalField(
        _("default delivery fee"),
        max_digits=12,
        decimal_places=2,
        default=Decimal("0.00"),
        validators=[MinValueValidator(Decimal(0))],
    )
    # Markup percents per product/stock category ({"default": ..., "flower": ...}).
    markups = models.JSONField(_("markups"), default=default_markups, validators=[validate_markups])
    labour_cost = models.DecimalField(
        _("labour cost"),
        max_digits=12,
        decimal_places=2,
        default=Decimal("0.00"),
        validators=[MinValueValidator(Decimal(0))],
    )
    preparation_minutes = models.PositiveIntegerField(
        _("preparation time, minutes"), default=60, validators=[MaxValueValidator(24 * 60)]
    )
    price_rounding_step = models.DecimalField(
        _("price rounding step"),
        max_digits=12,
        decimal_places=2,
        default=Decimal("10.00"),
        validators=[MinValueValidator(Decimal("0.01"))],
    )
    low_stock_notify = models.BooleanField(_("notify about low stock"), default=True)

    # The public profile (ARCHITECTURE §11.6): what the storefront and the tracking page show.
    # The storefront API answers 404 for the shop until it is switched on.
    storefront_enabled = models.BooleanField(_("storefront enabled"), default=False)
    # E.164 like every phone (``flowercrm.phone.normalize_phone``; the API and the admin normalise it).
    phone = models.CharField(_("phone"), max_length=16, blank=True, default="")
    address = models.CharField(_("address"), max_length=PROFILE_ADDRESS_MAX_LENGTH, blank=True, default="")
    # Free text as the shop writes it ("Ежедневно 9:00–21:00, 8 марта круглосуточно"): the
    # storefront shows it to people; nothing computes with it (delivery windows are checked
    # against the clock, not against opening hours).
    hours = models.CharField(_("opening hours"), max_length=PROFILE_HOURS_MAX_LENGTH, blank=True, default="")

    class Meta:
        verbose_name = _("shop")
        verbose_name_plural = _("shops")
        ordering = ["name", "id"]
        constraints = [
            models.CheckConstraint(condition=~models.Q(slug=""), name="shops_shop_slug_not_blank"),
            models.CheckConstraint(condition=models.Q(default_delivery_fee__gte=0), name="shops_shop_fee_gte_0"),
            models.CheckConstraint(condition=models.Q(labour_cost__gte=0), name="shops_shop_labour_gte_0"),
            models.CheckConstraint(condition=models.Q(price_rounding_step__gt=0), name="shops_shop_step_gt_0"),
        ]

    def __str__(self) -> str:
        return self.name

    def free_slug(self) -> str:
        """A slug for this shop's name that no other shop has."""
        others = Shop.objects.exclude(pk=self.pk) if self.pk else Shop.objects.all()
        return unique_slug(self.name, taken=lambda slug: others.filter(slug=slug).exists())

    def save(self, *args: Any, **kwargs: Any) -> None:
        # A field default that needs the table: every way a shop is created (services, the
        # admin, factories) gets a slug; the unique index settles a race.
        if not self.slug:
            self.slug = self.free_slug()
            update_fields = kwargs.get("update_fields")
            if update_fields is not None and "slug" not in update_fields:
                kwargs["update_fields"] = [*update_fields, "slug"]
        super().save(*args, **kwargs)

    @cached_property
    def zoneinfo(self) -> zoneinfo.ZoneInfo:
        return zoneinfo.ZoneInfo(self.time_zone)

    def markup_for(self, category: str) -> dict[str, Decimal]:
        """Markup percents of ``category`` (falling back to ``default``)."""
        levels = self.markups.get(category) or self.markups.get("default") or DEFAULT_MARKUP
        return {level: Decimal(str(levels[level])) for level in MARKUP_LEVELS}


class DeliveryZone(TimeStampedModel):
    """A named part of the city with its own delivery fee (an order may name one)."""

    shop = models.ForeignKey(Shop, on_delete=models.CASCADE, related_name="delivery_zones", verbose_name=_("shop"))
    name = models.CharField(_("name"), max_length=120)
    fee = models.DecimalField(
        _("delivery fee"), max_digits=12, decimal_places=2, validators=[MinValueValidator(Decimal(0))]
    )

    objects = ShopScopedManager()

    class Meta:
        verbose_name = _("delivery zone")
        verbose_name_plural = _("delivery zones")
        ordering = ["name", "id"]
        constraints = [
            models.UniqueConstraint(fields=["shop", "name"], name="shops_zone_name_unique"),
            models.CheckConstraint(condition=models.Q(fee__gte=0), name="shops_zone_fee_gte_0"),
        ]

    def __str__(self) -> str:
        return f"{self.name} ({self.fee})"


class MembershipStatus(models.TextChoices):
    ACTIVE = "active", _("Active")
    INVITED = "invited", _("Invited")


class MembershipQuerySet(models.QuerySet["Membership"]):
    def active(self) -> MembershipQuerySet:
        """Memberships that let their person act in the shop now: accepted and not switched
        off. Everything that authorises a person reads memberships through this."""
        return self.filter(status=MembershipStatus.ACTIVE, is_active=True)

    def invited(self) -> MembershipQuerySet:
        return self.filter(status=MembershipStatus.INVITED)


class Membership(SearchableModel, TimeStampedModel):
    """A person's role in a shop. Deactivating it locks the person out of that shop at once.

    A shop that adds someone who already has an account only *invites* them
    (``status = invited``): until that person accepts, the row grants nothing (it is never
    ``is_active``, a database CHECK) and the shop sees only the phone and ``invited_name``,
    the name it typed — nothing of the person's own profile."""

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="memberships", verbose_name=_("user")
    )
    shop = models.ForeignKey(Shop, on_delete=models.PROTECT, related_name="memberships", verbose_name=_("shop"))
    role = models.CharField(_("role"), max_length=16, choices=Role.choices)
    status = models.CharField(
        _("status"), max_length=16, choices=MembershipStatus.choices, default=MembershipStatus.ACTIVE
    )
    # ``is_active`` is the shop's switch (deactivation); an invitation is never active.
    is_active = models.BooleanField(_("access enabled"), default=True)
    # What the shop knows of an invited person: the name it typed (the phone is the user's).
    invited_name = models.CharField(_("invited as"), max_length=150, blank=True, default="")
    invited_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("invited by"),
    )
    # The most recently used shop is the one a login without shop_id opens.
    last_used_at = models.DateTimeField(_("last used"), null=True, blank=True)

    objects = MembershipQuerySet.as_manager()

    class Meta:
        verbose_name = _("staff member")
        verbose_name_plural = _("staff")
        ordering = ["shop_id", "id"]
        constraints = [
            models.UniqueConstraint(fields=["user", "shop"], name="shops_membership_user_shop_unique"),
            models.CheckConstraint(
                condition=models.Q(role__in=[r.value for r in Role]), name="shops_membership_role_valid"
            ),
            models.CheckConstraint(
                condition=models.Q(status__in=[s.value for s in MembershipStatus]), name="shops_membership_status_valid"
            ),
            models.CheckConstraint(
                condition=~models.Q(status=MembershipStatus.INVITED, is_active=True),
                name="shops_membership_invited_not_active",
            ),
        ]
        indexes = [models.Index(fields=["shop", "role", "is_active"])]

    @property
    def is_invited(self) -> bool:
        return self.status == MembershipStatus.INVITED

    def compute_search_text(self) -> str:
        # What the shop may search an invited person by: the name it typed and the phone.
        # A member is searched by their own profile (``User.search_text``).
        if not self.is_invited:
            return ""
        return build_search_text(self.invited_name, phones=[self.user.phone])

    def __str__(self) -> str:
        # An invitation names the person as the shop typed them (admin log entries keep it).
        person = f"{self.invited_name or gettext('No name')} ({self.user.phone})" if self.is_invited else str(self.user)
        return f"{person} — {self.shop} ({self.get_role_display()})"
