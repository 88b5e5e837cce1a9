"""``/api/auth/*``: our own views over SimpleJWT's token classes (its stock views use other
key names and skip the membership checks)."""

from __future__ import annotations

from django.utils.translation import gettext_lazy as _
from drf_spectacular.utils import extend_schema, inline_serializer
from rest_framework import serializers, status
from rest_framework.exceptions import PermissionDenied
from rest_framework.permissions import AllowAny
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from apps.accounts import services
from apps.accounts.api.serializers import (
    InvitationSerializer,
    LoginSerializer,
    RefreshSerializer,
    ShopBriefSerializer,
    SwitchShopSerializer,
    TokenResponseSerializer,
    UserSerializer,
    token_body,
)
from apps.accounts.throttling import LoginIPThrottle, LoginUserThrottle
from apps.shops import services as shop_services
from apps.shops import sessions
from apps.shops.selectors import invitation_list_for_user, membership_list_for_user
from flowercrm.auth import PublicEndpoint
from flowercrm.viewsets import ShopContextMixin


class NoMembershipDenied(PermissionDenied):
    default_detail = _("No access to any shop (or to the one given).")
    default_code = "no_membership"


def _login_response(pair: sessions.TokenPair) -> Response:
    return Response(token_body(pair))


class LoginView(APIView):
    authentication_classes = [PublicEndpoint]
    permission_classes = [AllowAny]
    throttle_classes = [LoginIPThrottle, LoginUserThrottle]

    @extend_schema(request=LoginSerializer, responses={200: TokenResponseSerializer}, auth=[])
    def post(self, request: Request) -> Response:
        data = LoginSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        user = services.user_authenticate(
            username=data.validated_data["username"], password=data.validated_data["password"]
        )
        try:
            pair = sessions.session_login(user=user, shop_id=data.validated_data.get("shop_id"))
        except sessions.NoMembership:
            raise NoMembershipDenied() from None
        return _login_response(pair)


class RefreshView(APIView):
    authentication_classes = [PublicEndpoint]
    permission_classes = [AllowAny]

    @extend_schema(request=RefreshSerializer, responses={200: TokenResponseSerializer}, auth=[])
    def post(self, request: Request) -> Response:
        data = RefreshSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        return _login_response(sessions.session_refresh(raw_refresh=data.validated_data["refresh_token"]))


class LogoutView(APIView):
    authentication_classes = [PublicEndpoint]
    permission_classes = [AllowAny]

    @extend_schema(request=RefreshSerializer, responses={204: None}, auth=[])
    def post(self, request: Request) -> Response:
        data = RefreshSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        sessions.session_logout(raw_refresh=data.validated_data["refresh_token"])
        return Response(status=status.HTTP_204_NO_CONTENT)


class MeView(ShopContextMixin):
    """The caller, the active shop and role, the caller's other shops and the invitations
    waiting for their answer."""

    @extend_schema(
        responses={
            200: inline_serializer(
                "Me",
                {
                    "user": UserSerializer(),
                    "shop": serializers.DictField(),
                    "role": serializers.CharField(),
                    "shops": ShopBriefSerializer(many=True),
                    "invitations": InvitationSerializer(many=True),
                },
            )
        }
    )
    def get(self, request: Request) -> Response:
        shop, user = self.shop, self.actor
        shops = [{"id": m.shop.id, "name": m.shop.name, "role": m.role} for m in membership_list_for_user(user=user)]
        return Response(
            {
                "user": UserSerializer(user).data,
                "shop": {"id": shop.id, "name": shop.name, "currency": shop.currency, "time_zone": shop.time_zone},
                "role": self.role,
                "shops": shops,
                "invitations": InvitationSerializer(invitation_list_for_user(user=user), many=True).data,
            }
        )


class InvitationAcceptView(ShopContextMixin):
    """``POST /api/auth/invitations/{id}/accept``: the caller joins that shop (switch to it
    with ``/api/auth/switch-shop``). Someone else's invitation is 404."""

    @extend_schema(request=None, responses={200: InvitationSerializer})
    def post(self, request: Request, pk: str) -> Response:
        membership = shop_services.invitation_accept(user=self.actor, invitation_id=int(pk))
        return Response(InvitationSerializer(membership).data)


class InvitationDeclineView(ShopContextMixin):
    """``POST /api/auth/invitations/{id}/decline``: the invitation is removed."""

    @extend_schema(request=None, responses={204: None})
    def post(self, request: Request, pk: str) -> Response:
        shop_services.invitation_decline(user=self.actor, invitation_id=int(pk))
        return Response(status=status.HTTP_204_NO_CONTENT)


class SwitchShopView(ShopContextMixin):
    """Move the session to another shop of the caller: a new token pair for that shop (the
    session's refresh token is rotated)."""

    @extend_schema(request=SwitchShopSerializer, responses={200: TokenResponseSerializer})
    def post(self, request: Request) -> Response:
        data = SwitchShopSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        try:
            pair = sessions.session_switch_shop(
                user=self.actor, access=self.auth.token, shop_id=data.validated_data["shop_id"]
            )
        except sessions.NoMembership:
            raise NoMembershipDenied() from None
        return _login_response(pair)
