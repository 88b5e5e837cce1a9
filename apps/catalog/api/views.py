from __future__ import annotations

from typing import Any

from django.db.models import QuerySet
from django.utils.translation import gettext
from drf_spectacular.utils import OpenApiResponse, extend_schema, extend_schema_view
from rest_framework import mixins, status, viewsets
from rest_framework.request import Request
from rest_framework.response import Response

from apps.catalog import pricing, rows, selectors, services
from apps.catalog.api.serializers import (
    CalculateInputSerializer,
    CalculationFloristSerializer,
    CalculationOutputSerializer,
    CalculationSavedSerializer,
    ProductFloristSerializer,
    ProductInputSerializer,
    ProductOutputSerializer,
    ProductWriteOutputSerializer,
)
from apps.catalog.filters import ProductFilter
from apps.catalog.models import Product
from flowercrm import roles
from flowercrm.auth import shop_auth
from flowercrm.permissions import AreaPermission
from flowercrm.serializers import WarningSerializer
from flowercrm.viewsets import ShopContextMixin, ShopViewSet
from flowercrm.visibility import RoleSerializerMixin, role_response, sees_costs, without_costs

PRODUCT_READ = role_response(ProductOutputSerializer, [ProductFloristSerializer], component_name="ProductRead")
SAVE_AS = "save_as"


def _warnings(product: Product) -> Any:
    return WarningSerializer(pricing.product_warnings(product=product), many=True).data


@extend_schema_view(
    list=extend_schema(responses=PRODUCT_READ),
    retrieve=extend_schema(responses=PRODUCT_READ),
)
class ProductViewSet(RoleSerializerMixin, mixins.ListModelMixin, mixins.RetrieveModelMixin, ShopViewSet):
    """``/api/products/``: the price list with recipes, extras, cost and margin. Admins and
    managers write (the answer carries ``warnings``); florists read without costs, margins
    and prices of extras (``ProductFlorist``)."""

    area = "catalog"
    model = Product
    serializer_class = ProductOutputSerializer
    role_serializer_classes = without_costs(ProductFloristSerializer)
    filterset_class = ProductFilter
    search_text_field = "search_text"
    ordering_fields = {"name": "name", "price": "price", "created_at": "created_at"}
    ordering = ("name",)

    def get_shop_queryset(self) -> QuerySet[Product]:
        return selectors.product_list(shop=self.shop)

    def list(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        """The page as plain data (``apps.catalog.rows``): the rows of the role's product
        serializer without model instances or a serializer per row (issue 17; the tests
        compare the two for every role)."""
        products = self.filter_queryset(self.get_queryset())
        page = self.paginate_values(
            selectors.product_list_values(products, columns=rows.PRODUCT_COLUMNS), count_from=products
        )
        assert page is not None  # noqa: S101 - lists are always paginated (skip/limit)
        children = selectors.product_children_values(
            product_ids=[product["id"] for product in page],
            component_columns=rows.COMPONENT_COLUMNS,
            extra_columns=rows.EXTRA_COLUMNS,
            image_columns=rows.IMAGE_COLUMNS,
        )
        return self.get_paginated_response(
            rows.product_rows(page, **children, sees_costs=sees_costs(self.role), absolute=request.build_absolute_uri)
        )

    def _input(self, request: Request, *, partial: bool) -> dict[str, Any]:
        data = ProductInputSerializer(data=request.data, partial=partial, context=self.get_serializer_context())
        data.is_valid(raise_exception=True)
        return dict(data.validated_data)

    def _written(self, product: Product, status_code: int = status.HTTP_200_OK) -> Response:
        # The services return the product as the selectors read it: no second read.
        return self.detail_response(
            product, status_code=status_code, extra={"warnings": _warnings(product)}, refetch=False
        )

    @extend_schema(request=ProductInputSerializer, responses={201: ProductWriteOutputSerializer})
    def create(self, request: Request) -> Response:
        product = services.product_create(shop=self.shop, data=self._input(request, partial=False))
        return self._written(product, status.HTTP_201_CREATED)

    @extend_schema(request=ProductInputSerializer, responses={200: ProductWriteOutputSerializer})
    def update(self, request: Request, pk: str, partial: bool = False) -> Response:
        product: Product = self.get_object()
        product = services.product_update(product=product, data=self._input(request, partial=partial))
        return self._written(product)

    @extend_schema(request=ProductInputSerializer, responses={200: ProductWriteOutputSerializer})
    def partial_update(self, request: Request, pk: str) -> Response:
        return self.update(request, pk, partial=True)

    @extend_schema(responses={204: None})
    def destroy(self, request: Request, pk: str) -> Response:
        services.product_delete(product=self.get_object())
        return Response(status=status.HTTP_204_NO_CONTENT)


class CalculatorPermission(AreaPermission):
    """Calculating needs what ``calculate`` declares (catalog read); a body with ``save_as``
    creates a product and also needs what ``save_as`` declares (catalog write)."""

    def has_permission(self, request: Request, view: Any) -> bool:
        if not super().has_permission(request, view):
            return False
        if not (isinstance(request.data, dict) and request.data.get(SAVE_AS) is not None):
            return True
        self.message = gettext("Only an administrator or a manager can save products.")
        auth = shop_auth(request)
        return auth is not None and roles.can(auth.role, view.area, view.action_permissions[SAVE_AS])


class CalculatorViewSet(RoleSerializerMixin, ShopContextMixin, viewsets.GenericViewSet):
    """``POST /api/catalog/calculate/``: prices a recipe. It is a computation, so whoever may
    read the catalog may use it (florists price bouquets with it, and see the suggested
    prices without the costs and markups behind them: ``CalculationFlorist``); ``save_as``
    creates a product and needs catalog write."""

    area = "catalog"
    permission_classes = [CalculatorPermission]
    action_permissions = {"calculate": roles.READ, SAVE_AS: roles.WRITE}
    serializer_class = CalculationOutputSerializer
    role_serializer_classes = without_costs(CalculationFloristSerializer)

    @extend_schema(
        request=CalculateInputSerializer,
        responses={
            200: role_response(
                CalculationOutputSerializer, [CalculationFloristSerializer], component_name="CalculationRead"
            ),
            201: OpenApiResponse(CalculationSavedSerializer, description="save_as created the product"),
        },
    )
    def calculate(self, request: Request) -> Response:
        data = CalculateInputSerializer(data=request.data, context=self.get_serializer_context())
        data.is_valid(raise_exception=True)
        values = data.validated_data
        save_as = values.get("save_as")
        calculation = pricing.calculate(
            shop=self.shop,
            components=values["components"],
            extras=values.get("extras", []),
            labour=values.get("labour"),
            category=values.get("category") or (save_as or {}).get("category"),
        )
        if save_as is None:
            return Response(self.output_serializer(calculation).data)
        product = services.calculation_save(shop=self.shop, calculation=calculation, data=save_as)
        body = CalculationOutputSerializer(calculation).data
        body["product"] = ProductOutputSerializer(product, context=self.get_serializer_context()).data
        body["product"]["warnings"] = _warnings(product)
        return Response(body, status=status.HTTP_201_CREATED)
