from __future__ import annotations

from django.db.models import QuerySet
from drf_spectacular.utils import extend_schema, extend_schema_view
from rest_framework import mixins, status
from rest_framework.decorators import action
from rest_framework.request import Request
from rest_framework.response import Response

from apps.warehouse import selectors, services
from apps.warehouse.api.serializers import (
    AdjustSerializer,
    StockItemFloristSerializer,
    StockItemInputSerializer,
    StockItemSerializer,
    StockMovementFloristSerializer,
    StockMovementSerializer,
    WriteOffSerializer,
)
from apps.warehouse.filters import StockItemFilter, StockMovementFilter
from apps.warehouse.models import StockItem, StockMovement
from flowercrm.viewsets import ShopViewSet
from flowercrm.visibility import RoleSerializerMixin, role_response, without_costs

STOCK_ITEM_READ = role_response(StockItemSerializer, [StockItemFloristSerializer], component_name="StockItemRead")
MOVEMENT_READ = role_response(
    StockMovementSerializer, [StockMovementFloristSerializer], component_name="StockMovementRead"
)


@extend_schema_view(
    list=extend_schema(responses=STOCK_ITEM_READ),
    retrieve=extend_schema(responses=STOCK_ITEM_READ),
)
class StockItemViewSet(RoleSerializerMixin, mixins.ListModelMixin, mixins.RetrieveModelMixin, ShopViewSet):
    """``/api/warehouse/items/``: admins and managers write; florists read and write off,
    without unit costs (``StockItemFlorist``); couriers have no access. Stock figures change
    only through the actions and supplies."""

    area = "warehouse"
    model = StockItem
    action_permissions = {"write_off": "write_off"}
    serializer_class = StockItemSerializer
    role_serializer_classes = without_costs(StockItemFloristSerializer)
    filterset_class = StockItemFilter
    search_text_field = "search_text"
    ordering_fields = {
        "name": "name",
        "quantity": "quantity",
        "available": selectors.AVAILABLE,
        "unit_cost": "unit_cost",
        "created_at": "created_at",
    }
    ordering = ("name", "height_cm")

    def get_shop_queryset(self) -> QuerySet[StockItem]:
        return selectors.stock_item_list(shop=self.shop)

    @extend_schema(request=StockItemInputSerializer, responses={201: StockItemSerializer})
    def create(self, request: Request) -> Response:
        data = StockItemInputSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        item = services.stock_item_create(shop=self.shop, data=data.validated_data)
        return self.detail_response(item, status_code=status.HTTP_201_CREATED)

    @extend_schema(request=StockItemInputSerializer, responses={200: StockItemSerializer})
    def update(self, request: Request, pk: str) -> Response:
        return self._update(request, partial=False)

    @extend_schema(request=StockItemInputSerializer, responses={200: StockItemSerializer})
    def partial_update(self, request: Request, pk: str) -> Response:
        return self._update(request, partial=True)

    def _update(self, request: Request, *, partial: bool) -> Response:
        item: StockItem = self.get_object()
        data = StockItemInputSerializer(data=request.data, partial=partial)
        data.is_valid(raise_exception=True)
        item = services.stock_item_update(item=item, data=data.validated_data)
        return self.detail_response(item)

    @extend_schema(responses={204: None})
    def destroy(self, request: Request, pk: str) -> Response:
        services.stock_item_delete(item=self.get_object())
        return Response(status=status.HTTP_204_NO_CONTENT)

    @extend_schema(request=WriteOffSerializer, responses={200: STOCK_ITEM_READ})
    @action(detail=True, methods=["post"], url_path="write-off")
    def write_off(self, request: Request, pk: str) -> Response:
        item: StockItem = self.get_object()
        data = WriteOffSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        services.stock_write_off(
            item=item,
            quantity=data.validated_data["quantity"],
            reason=data.validated_data["reason"],
            note=data.validated_data["note"],
            actor=self.actor,
        )
        return self.detail_response(item)

    @extend_schema(request=AdjustSerializer, responses={200: StockItemSerializer})
    @action(detail=True, methods=["post"])
    def adjust(self, request: Request, pk: str) -> Response:
        item: StockItem = self.get_object()
        data = AdjustSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        services.stock_adjust(
            item=item,
            counted_quantity=data.validated_data["counted_quantity"],
            reason=data.validated_data["reason"],
            actor=self.actor,
        )
        return self.detail_response(item)


@extend_schema_view(
    list=extend_schema(responses=MOVEMENT_READ),
    retrieve=extend_schema(responses=MOVEMENT_READ),
)
class StockMovementViewSet(RoleSerializerMixin, mixins.ListModelMixin, mixins.RetrieveModelMixin, ShopViewSet):
    """``/api/warehouse/movements/``: the ledger, read-only (it is written by the services);
    florists read it without unit costs (``StockMovementFlorist``)."""

    area = "warehouse"
    model = StockMovement
    serializer_class = StockMovementSerializer
    role_serializer_classes = without_costs(StockMovementFloristSerializer)
    filterset_class = StockMovementFilter
    search_text_field = "item__search_text"
    ordering_fields = {"created_at": "created_at"}
    ordering = ("-created_at",)

    def get_shop_queryset(self) -> QuerySet[StockMovement]:
        return selectors.movement_list(shop=self.shop)
