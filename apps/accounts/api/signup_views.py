"""``/api/auth/signup/*`` (a new shop by a Telegram code) and ``/api/auth/telegram-webapp``
(login from the Telegram Mini App) — ARCHITECTURE §11.6."""

from __future__ import annotations

from django.conf import settings
from django.utils.translation import gettext_lazy as _
from drf_spectacular.utils import extend_schema
from rest_framework.permissions import AllowAny
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from apps.accounts import otp
from apps.accounts.api.serializers import TokenResponseSerializer, token_body
from apps.accounts.api.signup_serializers import (
    SignupCompleteSerializer,
    SignupStartSerializer,
    TelegramWebAppSerializer,
)
from apps.accounts.api.telegram_serializers import SendOtpResponseSerializer
from apps.accounts.api.telegram_views import bot_url
from apps.accounts.api.views import NoMembershipDenied
from apps.accounts.throttling import LoginIPThrottle
from apps.shops import sessions
from apps.shops.signup import signup_complete
from flowercrm.auth import PublicEndpoint
from flowercrm.errors import NotFound

SIGNUP_START_DETAIL = _(
    "If the number is linked to the FlowerCRM Telegram bot, the sign-up code was sent there. "
    "Not yet? Open the bot, press “Send my number”, then ask for the code again."
)


class _SignupView(APIView):
    authentication_classes = [PublicEndpoint]
    permission_classes = [AllowAny]
    throttle_classes = [LoginIPThrottle]

    def initial(self, request: Request, *args: object, **kwargs: object) -> None:
        # Off: the endpoints do not exist (before throttling or reading the body).
        if not settings.SIGNUP_ENABLED:
            raise NotFound()
        super().initial(request, *args, **kwargs)


class SignupStartView(_SignupView):
    """Send a sign-up code through the bot. The same 200 answer for every phone — known,
    linked or not; the code reaches only the chat Telegram vouched for that phone. The limits
    of login codes (and their 429) apply alike to every phone, shared with login codes."""

    @extend_schema(request=SignupStartSerializer, responses={200: SendOtpResponseSerializer}, auth=[])
    def post(self, request: Request) -> Response:
        data = SignupStartSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        issued = otp.signup_code_send(phone=data.validated_data["phone"])
        return Response({"detail": str(SIGNUP_START_DETAIL), "expires_in": issued.expires_in, "bot_url": bot_url()})


class SignupCompleteView(_SignupView):
    """A valid sign-up code → a new shop with the caller as its admin, and the token body of
    ``/api/auth/login`` in that shop. 400 ``otp_invalid`` for a wrong code, 429 ``otp_locked``
    after too many; nothing is created on any error."""

    @extend_schema(request=SignupCompleteSerializer, responses={200: TokenResponseSerializer}, auth=[])
    def post(self, request: Request) -> Response:
        data = SignupCompleteSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        values = data.validated_data
        pair = signup_complete(
            phone=values["phone"],
            code=values["code"],
            shop_name=values["shop_name"],
            name=values["name"],
            password=values.get("password") or None,
        )
        return Response(token_body(pair))


class TelegramWebAppLoginView(APIView):
    """Login from the Telegram Mini App with its ``initData`` → the token body of
    ``/api/auth/login`` (the most recently used shop) for the user linked to that Telegram
    account. 401 for forged, stale, malformed or replayed data or an account linked to no one;
    403 ``no_membership`` for a person who works in no shop. 404 when no bot is configured."""

    authentication_classes = [PublicEndpoint]
    permission_classes = [AllowAny]
    throttle_classes = [LoginIPThrottle]

    @extend_schema(request=TelegramWebAppSerializer, responses={200: TokenResponseSerializer}, auth=[])
    def post(self, request: Request) -> Response:
        bot_token = settings.TELEGRAM_BOT_TOKEN
        if not bot_token:
            raise NotFound()
        data = TelegramWebAppSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        try:
            pair = sessions.session_login_telegram_webapp(
                init_data=data.validated_data["init_data"], bot_token=bot_token
            )
        except sessions.NoMembership:
            raise NoMembershipDenied() from None
        return Response(token_body(pair))
