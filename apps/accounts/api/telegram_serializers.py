from __future__ import annotations

from typing import Any

from rest_framework import serializers

from flowercrm.serializers import PhoneField


class SendOtpSerializer(serializers.Serializer[Any]):
    phone = PhoneField()


class SendOtpResponseSerializer(serializers.Serializer[Any]):
    """For the schema: the same answer for every phone."""

    detail = serializers.CharField()
    expires_in = serializers.IntegerField()
    bot_url = serializers.CharField(allow_null=True)


class VerifyOtpSerializer(serializers.Serializer[Any]):
    phone = PhoneField()
    code = serializers.CharField(max_length=16)
    shop_id = serializers.IntegerField(required=False, min_value=1, max_value=2**63 - 1)
