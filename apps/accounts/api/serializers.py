from __future__ import annotations

from typing import Any

from django.conf import settings
from django.utils.translation import gettext
from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from apps.accounts.models import User
from apps.shops.sessions import TokenPair


class UserSerializer(serializers.ModelSerializer[User]):
    telegram_linked = serializers.SerializerMethodField()

    class Meta:
        model = User
        fields = ["id", "phone", "name", "email", "telegram_linked"]
        read_only_fields = fields

    def get_telegram_linked(self, user: User) -> bool:
        return user.telegram_id is not None


class ShopRefSerializer(serializers.Serializer[Any]):
    id = serializers.IntegerField()
    name = serializers.CharField()


class PersonNameSerializer(serializers.Serializer[Any]):
    name = serializers.CharField()


class LoginSerializer(serializers.Serializer[Any]):
    """``username`` (a phone in any format, or an email) — ``phone`` works as the key too."""

    username = serializers.CharField(max_length=254, required=False, trim_whitespace=True)
    phone = serializers.CharField(max_length=254, required=False, trim_whitespace=True)
    password = serializers.CharField(max_length=settings.PASSWORD_MAX_LENGTH, trim_whitespace=False)
    shop_id = serializers.IntegerField(required=False, min_value=1, max_value=2**63 - 1)

    def validate(self, attrs: dict[str, Any]) -> dict[str, Any]:
        username = attrs.get("username") or attrs.get("phone")
        if not username:
            raise serializers.ValidationError({"username": [gettext("Give a phone or an email.")]})
        attrs["username"] = username
        return attrs


class RefreshSerializer(serializers.Serializer[Any]):
    refresh_token = serializers.CharField(max_length=4096)


class SwitchShopSerializer(serializers.Serializer[Any]):
    shop_id = serializers.IntegerField(min_value=1, max_value=2**63 - 1)


class ShopBriefSerializer(serializers.Serializer[Any]):
    id = serializers.IntegerField()
    name = serializers.CharField()
    role = serializers.CharField()


class TokenResponseSerializer(serializers.Serializer[Any]):
    """For the schema: what login, refresh, switch-shop and verify-otp answer."""

    access_token = serializers.CharField()
    refresh_token = serializers.CharField()
    token_type = serializers.CharField()
    expires_in = serializers.IntegerField()
    user = UserSerializer()
    shop = serializers.DictField()
    role = serializers.CharField()


def token_body(pair: TokenPair) -> dict[str, Any]:
    """The answer of login, refresh, switch-shop and verify-otp (``TokenResponseSerializer``)."""
    shop = pair.membership.shop
    return {
        "access_token": pair.access,
        "refresh_token": pair.refresh,
        "token_type": "bearer",
        "expires_in": pair.expires_in,
        "user": UserSerializer(pair.membership.user).data,
        "shop": {"id": shop.id, "name": shop.name},
        "role": pair.membership.role,
    }


class InvitationSerializer(serializers.Serializer[Any]):
    """A staff invitation as its addressee sees it (``GET /api/auth/me``): the shop, the role
    offered and who invited them. ``status`` is ``active`` once accepted."""

    id = serializers.IntegerField(read_only=True)
    shop = serializers.SerializerMethodField()
    role = serializers.CharField(read_only=True)
    status = serializers.CharField(read_only=True)
    invited_by = serializers.SerializerMethodField()
    created_at = serializers.DateTimeField(read_only=True)

    @extend_schema_field(ShopRefSerializer)
    def get_shop(self, membership: Any) -> dict[str, Any]:
        return {"id": membership.shop.id, "name": membership.shop.name}

    @extend_schema_field(PersonNameSerializer(allow_null=True))
    def get_invited_by(self, membership: Any) -> dict[str, Any] | None:
        inviter = membership.invited_by
        return {"name": inviter.name} if inviter is not None else None
