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
from django.db.models.functions import Lower

from flowercrm.models import TimeStampedModel
from flowercrm.roles import Role

MARKUP_LEVELS = ("minimum", "recommended", "premium")
DEFAULT_MARKUP = {"minimum": "50", "recommended": "100", "premium": "150"}


def default_markups() -> dict[str, dict[str, str]]:
    return {"default": dict(DEFAULT_MARKUP)}


def validate_time_zone(value: str) -> None:
    if value not in zoneinfo.available_timezones():
        raise ValidationError("Неизвестный часовой пояс: %(value)s.", params={"value": value})


def validate_markups(value: Any) -> None:
    """``{"<category or default>": {"minimum", "recommended", "premium"}}``, percents 0..1000."""
    if not isinstance(value, dict) or len(value) > 32:
        raise ValidationError("Наценки: объект «категория → уровни».")
    for key, levels in value.items():
        if not isinstance(key, str) or not key or len(key) > 32:
            raise ValidationError("Наценки: недопустимая категория.")
        if not isinstance(levels, dict) or set(levels) != set(MARKUP_LEVELS):
            raise ValidationError(f"Наценки «{key}»: нужны уровни {', '.join(MARKUP_LEVELS)}.")
        for level, percent in levels.items():
            try:
                number = Decimal(str(percent))
            except Exception:
                raise ValidationError(f"Наценки «{key}.{level}»: нужно число.") from None
            if not number.is_finite() or not Decimal(0) <= number <= Decimal(1000):
                raise ValidationError(f"Наценки «{key}.{level}»: от 0 до 1000 %.")


class Shop(TimeStampedModel):
    """A flower shop: the tenant every business row belongs to, with its own settings."""

    name = models.CharField(max_length=120)
    currency = models.CharField(max_length=3, default="KZT")
    time_zone = models.CharField(max_length=64, default="Asia/Almaty", validators=[validate_time_zone])
    default_delivery_fee = models.DecimalField(
        max_digits=12, decimal_places=2, default=Decimal("0.00"), validators=[MinValueValidator(Decimal(0))]
    )
    # Markup percents per product/stock category ({"default": ..., "flower": ...}).
    markups = models.JSONField(default=default_markups, validators=[validate_markups])
    labour_cost = models.DecimalField(
        max_digits=12, decimal_places=2, default=Decimal("0.00"), validators=[MinValueValidator(Decimal(0))]
    )
    preparation_minutes = models.PositiveIntegerField(default=60, validators=[MaxValueValidator(24 * 60)])
    price_rounding_step = models.DecimalField(
        max_digits=12,
        decimal_places=2,
        default=Decimal("10.00"),
        validators=[MinValueValidator(Decimal("0.01"))],
    )
    low_stock_notify = models.BooleanField(default=True)

    class Meta:
        ordering = ["name", "id"]
        constraints = [
            models.UniqueConstraint(Lower("name"), name="shops_shop_name_ci_unique"),
            models.CheckConstraint(condition=models.Q(default_delivery_fee__gte=0), name="shops_shop_fee_gte_0"),
            models.CheckConstraint(condition=models.Q(labour_cost__gte=0), name="shops_shop_labour_gte_0"),
            models.CheckConstraint(condition=models.Q(price_rounding_step__gt=0), name="shops_shop_step_gt_0"),
        ]

    def __str__(self) -> str:
        return self.name

    @cached_property
    def zoneinfo(self) -> zoneinfo.ZoneInfo:
        return zoneinfo.ZoneInfo(self.time_zone)

    def markup_for(self, category: str) -> dict[str, Decimal]:
        """Markup percents of ``category`` (falling back to ``default``)."""
        levels = self.markups.get(category) or self.markups.get("default") or DEFAULT_MARKUP
        return {level: Decimal(str(levels[level])) for level in MARKUP_LEVELS}


class DeliveryZone(TimeStampedModel):
    """A named part of the city with its own delivery fee (an order may name one)."""

    shop = models.ForeignKey(Shop, on_delete=models.CASCADE, related_name="delivery_zones")
    name = models.CharField(max_length=120)
    fee = models.DecimalField(max_digits=12, decimal_places=2, validators=[MinValueValidator(Decimal(0))])

    class Meta:
        ordering = ["name", "id"]
        constraints = [
            models.UniqueConstraint(fields=["shop", "name"], name="shops_zone_name_unique"),
            models.CheckConstraint(condition=models.Q(fee__gte=0), name="shops_zone_fee_gte_0"),
        ]

    def __str__(self) -> str:
        return f"{self.name} ({self.fee})"


class Membership(TimeStampedModel):
    """A person's role in a shop. Deactivating it locks the person out of that shop at once."""

    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="memberships")
    shop = models.ForeignKey(Shop, on_delete=models.PROTECT, related_name="memberships")
    role = models.CharField(max_length=16, choices=Role.choices)
    is_active = models.BooleanField(default=True)
    # The most recently used shop is the one a login without shop_id opens.
    last_used_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["shop_id", "id"]
        constraints = [
            models.UniqueConstraint(fields=["user", "shop"], name="shops_membership_user_shop_unique"),
            models.CheckConstraint(
                condition=models.Q(role__in=[r.value for r in Role]), name="shops_membership_role_valid"
            ),
        ]
        indexes = [models.Index(fields=["shop", "role", "is_active"])]

    def __str__(self) -> str:
        return f"{self.user} — {self.shop} ({self.get_role_display()})"
