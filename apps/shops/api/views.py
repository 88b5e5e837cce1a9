from __future__ import annotations

from django.db.models import QuerySet
from drf_spectacular.utils import extend_schema
from rest_framework import mixins, status, viewsets
from rest_framework.request import Request
from rest_framework.response import Response

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
from flowercrm.permissions import ActionPermissions, AreaPermission
from flowercrm.viewsets import ShopContextMixin, ShopViewSet
from flowercrm.visibility import role_response


class CurrentShopView(ShopContextMixin, viewsets.GenericViewSet):
    """``/api/shops/current/``: every member reads id, name, currency and time zone; admins
    and managers read the settings; admins change them."""

    permission_classes = [AreaPermission]
    area = "shop"
    action_permissions: ActionPermissions = {"partial_update": ("shop_settings", roles.WRITE)}

    @extend_schema(
        responses={
            200: role_response(ShopSettingsSerializer, [ShopPublicSerializer], component_name="CurrentShop"),
        }
    )
    def retrieve(self, request: Request) -> Response:
        # The shape follows the role (both documented above); who may read is ``area``'s.
        if roles.can(self.role, "shop_settings", roles.READ):
            return Response(ShopSettingsSerializer(self.shop).data)
        return Response(ShopPublicSerializer(self.shop).data)

    @extend_schema(request=ShopSettingsSerializer, responses={200: ShopSettingsSerializer})
    def partial_update(self, request: Request) -> Response:
        data = ShopSettingsSerializer(self.shop, data=request.data, partial=True)
        data.is_valid(raise_exception=True)
        shop = services.shop_update(shop=self.shop, data=dict(data.validated_data))
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
            actor=self.actor,
        )
        # ``existing_user`` says no more than ``status`` (an existing account is invited).
        return self.detail_response(
            result.membership, status_code=status.HTTP_201_CREATED, extra={"existing_user": result.existing_user}
        )

    @extend_schema(responses={204: None})
    def destroy(self, request: Request, pk: str) -> Response:
        """Withdraw an invitation not yet accepted. Members are deactivated, never deleted."""
        services.invitation_cancel(membership=self.get_object())
        return Response(status=status.HTTP_204_NO_CONTENT)

    @extend_schema(request=StaffUpdateSerializer, responses={200: StaffSerializer})
    def partial_update(self, request: Request, pk: str) -> Response:
        membership: Membership = self.get_object()
        data = StaffUpdateSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        values = data.validated_data
        membership = services.staff_update(
            membership=membership,
            actor=self.actor,
            name=values.get("name"),
            role=values.get("role"),
            is_active=values.get("is_active"),
        )
        return self.detail_response(membership)
