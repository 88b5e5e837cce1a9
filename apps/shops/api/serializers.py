from __future__ import annotations

from decimal import Decimal
from typing import Any

from django.utils.translation import gettext
from rest_framework import serializers

from apps.shops.models import (
    PROFILE_ADDRESS_MAX_LENGTH,
    PROFILE_HOURS_MAX_LENGTH,
    DeliveryZone,
    Membership,
    MembershipStatus,
    Shop,
    validate_markups,
    validate_time_zone,
)
from apps.shops.slugs import SLUG_MAX_LENGTH, validate_slug
from flowercrm.roles import Role
from flowercrm.serializers import MoneyField, PhoneField
from flowercrm.visibility import RoleShape


class ShopPublicSerializer(RoleShape, serializers.ModelSerializer[Shop]):
    """What every member of a shop may read (florists and couriers read only this)."""

    class Meta:
        model = Shop
        fields = ["id", "name", "currency", "time_zone"]
        read_only_fields = fields


class DeliveryZoneSerializer(serializers.ModelSerializer[DeliveryZone]):
    id = serializers.IntegerField(required=False, min_value=1, max_value=2**63 - 1)
    name = serializers.CharField(max_length=120)
    fee = MoneyField()

    class Meta:
        model = DeliveryZone
        fields = ["id", "name", "fee"]

    def validate(self, attrs: dict[str, Any]) -> dict[str, Any]:
        # A PATCH of the shop is partial, and DRF passes that on to nested fields; a zone is
        # always sent whole.
        missing = {f: [str(self.fields[f].error_messages["required"])] for f in ("name", "fee") if f not in attrs}
        if missing:
            raise serializers.ValidationError(missing)
        return attrs


class ShopSettingsSerializer(serializers.ModelSerializer[Shop]):
    """The shop with its settings (admin writes, manager reads)."""

    name = serializers.CharField(max_length=120)
    time_zone = serializers.CharField(max_length=64, validators=[validate_time_zone])
    default_delivery_fee = MoneyField()
    labour_cost = MoneyField()
    price_rounding_step = MoneyField(min_value=Decimal("0.01"))
    preparation_minutes = serializers.IntegerField(min_value=0, max_value=24 * 60)
    markups = serializers.JSONField(validators=[validate_markups])
    delivery_zones = DeliveryZoneSerializer(many=True, required=False)
    # The public profile (§11.6). The slug is the storefront's address: unique, URL-safe.
    slug = serializers.CharField(max_length=SLUG_MAX_LENGTH)
    storefront_enabled = serializers.BooleanField()
    phone = PhoneField(allow_blank=True)
    address = serializers.CharField(max_length=PROFILE_ADDRESS_MAX_LENGTH, allow_blank=True)
    hours = serializers.CharField(max_length=PROFILE_HOURS_MAX_LENGTH, allow_blank=True)

    class Meta:
        model = Shop
        fields = [
            "id",
            "name",
            "slug",
            "storefront_enabled",
            "phone",
            "address",
            "hours",
            "currency",
            "time_zone",
            "default_delivery_fee",
            "delivery_zones",
            "markups",
            "labour_cost",
            "preparation_minutes",
            "price_rounding_step",
            "low_stock_notify",
            "created_at",
            "updated_at",
        ]
        read_only_fields = ["id", "currency", "created_at", "updated_at"]

    def validate_slug(self, value: str) -> str:
        # Case folded here; the format and the uniqueness are the model's (``shop_update``).
        value = value.strip().lower()
        validate_slug(value)
        return value

    def validate_delivery_zones(self, value: list[dict[str, Any]]) -> list[dict[str, Any]]:
        if len(value) > 100:
            raise serializers.ValidationError(gettext("At most 100 zones."))
        return value


class StaffSerializer(serializers.Serializer[Membership]):
    """A member of the active shop. ``id`` is the user's id; ``role``, ``status`` and
    ``is_active`` belong to the membership. Someone invited (``status: invited``) shows only
    the phone and the name the shop typed: their profile is theirs until they accept."""

    id = serializers.IntegerField(source="user.id", read_only=True)
    phone = serializers.CharField(source="user.phone", read_only=True)
    name = serializers.SerializerMethodField()
    email = serializers.SerializerMethodField()
    telegram_linked = serializers.SerializerMethodField()
    role = serializers.CharField(read_only=True)
    status = serializers.ChoiceField(choices=MembershipStatus.choices, read_only=True)
    is_active = serializers.BooleanField(read_only=True)
    created_at = serializers.DateTimeField(read_only=True)

    def get_name(self, membership: Membership) -> str:
        return membership.invited_name if membership.is_invited else membership.user.name

    def get_email(self, membership: Membership) -> str:
        return "" if membership.is_invited else membership.user.email

    def get_telegram_linked(self, membership: Membership) -> bool:
        return not membership.is_invited and membership.user.telegram_id is not None


class StaffCreateSerializer(serializers.Serializer[Any]):
    """``name`` and ``password`` are used only for a new user: an existing user keeps theirs
    (and is invited; ``name`` is what the shop sees of them until they accept)."""

    phone = PhoneField()
    name = serializers.CharField(max_length=150)
    role = serializers.ChoiceField(choices=Role.choices)
    password = serializers.CharField(max_length=128, required=False, allow_blank=True, trim_whitespace=False)


class StaffUpdateSerializer(serializers.Serializer[Any]):
    name = serializers.CharField(max_length=150, required=False)
    role = serializers.ChoiceField(choices=Role.choices, required=False)
    is_active = serializers.BooleanField(required=False)
