"""``/api/telegram/*``: one-time-code login through the Telegram bot, and the bot's webhook."""

from __future__ import annotations

import logging

from django.conf import settings
from django.utils.crypto import constant_time_compare
from django.utils.translation import gettext_lazy as _
from drf_spectacular.utils import extend_schema
from rest_framework.exceptions import NotFound, PermissionDenied
from rest_framework.permissions import AllowAny
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView
from telegram import Update

from apps.accounts import otp
from apps.accounts.api.serializers import TokenResponseSerializer, token_body
from apps.accounts.api.telegram_serializers import SendOtpResponseSerializer, SendOtpSerializer, VerifyOtpSerializer
from apps.accounts.api.views import NoMembershipDenied
from apps.accounts.bot import bot_reply_for
from apps.accounts.throttling import LoginIPThrottle
from apps.shops import sessions
from flowercrm.auth import PublicEndpoint

logger = logging.getLogger(__name__)

SEND_OTP_DETAIL = _(
    "If the number is linked to the FlowerCRM Telegram bot, the login code was sent there. "
    "Not linked yet? Open the bot and press “Send my number”."
)


def bot_url() -> str | None:
    username = settings.TELEGRAM_BOT_USERNAME.lstrip("@")
    return f"https://t.me/{username}" if username else None


class SendOtpView(APIView):
    """Always the same 200 answer, whether or not the phone belongs to a linked active member:
    the code goes only to that member's chat. 429 within the resend cooldown or over the
    hourly cap — for every phone alike."""

    authentication_classes = [PublicEndpoint]
    permission_classes = [AllowAny]
    throttle_classes = [LoginIPThrottle]

    @extend_schema(request=SendOtpSerializer, responses={200: SendOtpResponseSerializer}, auth=[])
    def post(self, request: Request) -> Response:
        data = SendOtpSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        issued = otp.otp_send(phone=data.validated_data["phone"])
        return Response({"detail": str(SEND_OTP_DETAIL), "expires_in": issued.expires_in, "bot_url": bot_url()})


class VerifyOtpView(APIView):
    """A valid code → the same token body as ``/api/auth/login``."""

    authentication_classes = [PublicEndpoint]
    permission_classes = [AllowAny]
    throttle_classes = [LoginIPThrottle]

    @extend_schema(request=VerifyOtpSerializer, responses={200: TokenResponseSerializer}, auth=[])
    def post(self, request: Request) -> Response:
        data = VerifyOtpSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        try:
            pair = sessions.session_login_otp(
                phone=data.validated_data["phone"],
                code=data.validated_data["code"],
                shop_id=data.validated_data.get("shop_id"),
            )
        except sessions.NoMembership:
            raise NoMembershipDenied() from None
        return Response(token_body(pair))


class TelegramWebhookView(APIView):
    """The bot by webhook (the production alternative to ``run_telegram_bot``). Enabled only
    when ``TELEGRAM_WEBHOOK_SECRET`` is set (404 otherwise); Telegram must send that secret in
    ``X-Telegram-Bot-Api-Secret-Token`` (``setWebhook(secret_token=...)``). The reply travels
    back in the HTTP answer as a ``sendMessage`` call."""

    authentication_classes = [PublicEndpoint]
    permission_classes = [AllowAny]

    @extend_schema(exclude=True)
    def post(self, request: Request) -> Response:
        secret = getattr(settings, "TELEGRAM_WEBHOOK_SECRET", "")
        if not secret:
            raise NotFound()
        given = request.headers.get("X-Telegram-Bot-Api-Secret-Token", "")
        if not constant_time_compare(given, secret):
            raise PermissionDenied()
        if not isinstance(request.data, dict):
            return Response({})
        try:
            update = Update.de_json(request.data, None)
        except Exception:
            # Answer 200 anyway: Telegram would redeliver a refused update forever.
            logger.warning("Telegram webhook: an update that does not parse was ignored")
            return Response({})
        reply = bot_reply_for(update)
        return Response(reply.as_webhook_response() if reply is not None else {})
