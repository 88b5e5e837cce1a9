from __future__ import annotations

from typing import Any

from django.db.models import QuerySet
from drf_spectacular.utils import extend_schema
from rest_framework import mixins, status
from rest_framework.exceptions import MethodNotAllowed, PermissionDenied
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from apps.shops import selectors, services
from apps.shops.api.serializers import (
    ShopPublicSerializer,
    ShopSettingsSerializer,
    StaffCreateSerializer,
    StaffSerializer,
    StaffUpdateSerializer,
)
from apps.shops.filters import StaffFilter
from apps.shops.models import Membership
from flowercrm import roles
from flowercrm.auth import require_shop_auth
from flowercrm.viewsets import ShopViewSet
from flowercrm.visibility import role_response


class CurrentShopView(APIView):
    """``/api/shops/current/``: every member reads id, name, currency and time zone; admins
    and managers read the settings; admins change them."""

    @extend_schema(
        responses={
            200: role_response(ShopSettingsSerializer, [ShopPublicSerializer], component_name="CurrentShop"),
        }
    )
    def get(self, request: Request) -> Response:
        auth = require_shop_auth(request)
        if roles.can(auth.role, "shop_settings", roles.READ):
            return Response(ShopSettingsSerializer(auth.shop).data)
        return Response(ShopPublicSerializer(auth.shop).data)

    @extend_schema(request=ShopSettingsSerializer, responses={200: ShopSettingsSerializer})
    def patch(self, request: Request) -> Response:
        auth = require_shop_auth(request)
        if not roles.can(auth.role, "shop_settings", roles.WRITE):
            raise PermissionDenied()
        data = ShopSettingsSerializer(auth.shop, data=request.data, partial=True)
        data.is_valid(raise_exception=True)
        shop = services.shop_update(shop=auth.shop, data=dict(data.validated_data))
        return Response(ShopSettingsSerializer(shop).data)


class StaffViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin, ShopViewSet):
    """``/api/users/``: the staff of the active shop and its pending invitations (admin
    writes, manager reads). Invited people are searched and sorted by the name the shop typed."""

    area = "staff"
    serializer_class = StaffSerializer
    filterset_class = StaffFilter
    search_text_field = "staff_search"
    ordering_fields = {"name": "staff_name", "role": "role", "status": "status", "created_at": "created_at"}
    ordering = ("staff_name",)
    lookup_field = "user_id"
    lookup_url_kwarg = "pk"
    model = Membership

    def get_shop_queryset(self) -> QuerySet[Membership]:
        return selectors.staff_list(shop=self.shop)

    @extend_schema(request=StaffCreateSerializer, responses={201: StaffSerializer})
    def create(self, request: Request) -> Response:
        data = StaffCreateSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        result = services.staff_add(
            shop=self.shop,
            phone=data.validated_data["phone"],
            name=data.validated_data["name"],
            role=data.validated_data["role"],
            password=data.validated_data.get("password") or None,
            actor=request.user,  # type: ignore[arg-type]
        )
        # ``existing_user`` says no more than ``status`` (an existing account is invited).
        body: dict[str, Any] = {**StaffSerializer(result.membership).data, "existing_user": result.existing_user}
        return Response(body, status=status.HTTP_201_CREATED)

    @extend_schema(responses={204: None})
    def destroy(self, request: Request, pk: str) -> Response:
        """Withdraw an invitation not yet accepted. Members are deactivated, never deleted."""
        membership: Membership = self.get_object()
        if not membership.is_invited:
            raise MethodNotAllowed("DELETE", detail="Сотрудника нельзя удалить — отключите ему доступ.")
        services.invitation_cancel(membership=membership)
        return Response(status=status.HTTP_204_NO_CONTENT)

    @extend_schema(request=StaffUpdateSerializer, responses={200: StaffSerializer})
    def partial_update(self, request: Request, pk: str) -> Response:
        membership: Membership = self.get_object()
        data = StaffUpdateSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        values = data.validated_data
        membership = services.staff_update(
            membership=membership,
            actor=request.user,  # type: ignore[arg-type]
            name=values.get("name"),
            role=values.get("role"),
            is_active=values.get("is_active"),
        )
        return Response(StaffSerializer(membership).data)
