from __future__ import annotations

from typing import Any

from django.db.models import QuerySet
from drf_spectacular.utils import OpenApiResponse, extend_schema
from rest_framework import mixins, status, viewsets
from rest_framework.exceptions import PermissionDenied
from rest_framework.request import Request
from rest_framework.response import Response

from apps.catalog import selectors, services
from apps.catalog.api.serializers import (
    CalculateInputSerializer,
    CalculationOutputSerializer,
    ProductInputSerializer,
    ProductOutputSerializer,
)
from apps.catalog.filters import ProductFilter
from apps.catalog.models import Product
from flowercrm import roles
from flowercrm.permissions import AreaPermission
from flowercrm.viewsets import ShopContextMixin, ShopViewSet


class ProductViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin, ShopViewSet):
    """``/api/products/``: the price list with recipes, cost and margin. Admins and managers
    write; florists read."""

    area = "catalog"
    model = Product
    serializer_class = ProductOutputSerializer
    filterset_class = ProductFilter
    search_text_field = "search_text"
    ordering_fields = {"name": "name", "price": "price", "created_at": "created_at"}
    ordering = ("name",)

    def get_shop_queryset(self) -> QuerySet[Product]:
        return selectors.product_list(shop=self.shop)

    def _input(self, request: Request, *, partial: bool) -> dict[str, Any]:
        data = ProductInputSerializer(data=request.data, partial=partial, context=self.get_serializer_context())
        data.is_valid(raise_exception=True)
        return dict(data.validated_data)

    @extend_schema(request=ProductInputSerializer, responses={201: ProductOutputSerializer})
    def create(self, request: Request) -> Response:
        product = services.product_create(shop=self.shop, data=self._input(request, partial=False))
        return Response(self.get_serializer(product).data, status=status.HTTP_201_CREATED)

    @extend_schema(request=ProductInputSerializer, responses={200: ProductOutputSerializer})
    def update(self, request: Request, pk: str, partial: bool = False) -> Response:
        product: Product = self.get_object()
        product = services.product_update(product=product, data=self._input(request, partial=partial))
        return Response(self.get_serializer(product).data)

    @extend_schema(request=ProductInputSerializer, responses={200: ProductOutputSerializer})
    def partial_update(self, request: Request, pk: str) -> Response:
        return self.update(request, pk, partial=True)

    @extend_schema(responses={204: None})
    def destroy(self, request: Request, pk: str) -> Response:
        services.product_delete(product=self.get_object())
        return Response(status=status.HTTP_204_NO_CONTENT)


class CalculatorViewSet(ShopContextMixin, viewsets.GenericViewSet):  # type: ignore[type-arg]
    """``POST /api/catalog/calculate/``: prices a recipe. It is a computation, so whoever may
    read the catalog may use it (florists price bouquets with it); ``save_as`` creates a
    product and needs catalog write."""

    area = "catalog"
    permission_classes = [AreaPermission]
    action_permissions = {"calculate": roles.READ}
    serializer_class = CalculateInputSerializer

    @extend_schema(
        request=CalculateInputSerializer,
        responses={
            200: CalculationOutputSerializer,
            201: OpenApiResponse(CalculationOutputSerializer, description="save_as created the product"),
        },
    )
    def calculate(self, request: Request) -> Response:
        wants_save = isinstance(request.data, dict) and request.data.get("save_as") is not None
        if wants_save and not roles.can(self.role, self.area, roles.WRITE):
            raise PermissionDenied("Сохранять товары могут администратор и менеджер.")
        data = CalculateInputSerializer(data=request.data, context=self.get_serializer_context())
        data.is_valid(raise_exception=True)
        values = data.validated_data
        save_as = values.get("save_as")
        calculation = services.calculate(
            shop=self.shop,
            components=values["components"],
            extras=values.get("extras", []),
            labour=values.get("labour"),
            category=values.get("category") or (save_as or {}).get("category"),
        )
        body = CalculationOutputSerializer(calculation).data
        if save_as is None:
            return Response(body)
        product = services.calculation_save(shop=self.shop, calculation=calculation, data=save_as)
        body["product"] = ProductOutputSerializer(product, context=self.get_serializer_context()).data
        return Response(body, status=status.HTTP_201_CREATED)
