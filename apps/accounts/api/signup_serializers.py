from __future__ import annotations

from typing import Any

from django.conf import settings
from rest_framework import serializers

from apps.accounts.webapp import MAX_INIT_DATA_LENGTH
from flowercrm.serializers import PhoneField


class SignupStartSerializer(serializers.Serializer[Any]):
    phone = PhoneField()


class SignupCompleteSerializer(serializers.Serializer[Any]):
    """``name`` and ``password`` shape a new account; a person who already has one keeps their
    own name and password. Without ``password`` the person logs in by Telegram."""

    phone = PhoneField()
    code = serializers.CharField(max_length=16)
    shop_name = serializers.CharField(max_length=120)
    name = serializers.CharField(max_length=150)
    password = serializers.CharField(
        max_length=settings.PASSWORD_MAX_LENGTH, required=False, allow_blank=True, trim_whitespace=False
    )


class TelegramWebAppSerializer(serializers.Serializer[Any]):
    init_data = serializers.CharField(
        max_length=MAX_INIT_DATA_LENGTH,
        trim_whitespace=False,
        help_text="`Telegram.WebApp.initData` exactly as the Mini App received it (a query string).",
    )
