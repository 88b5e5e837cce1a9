from __future__ import annotations

from typing import Any

from django.db.models import QuerySet
from django_filters.rest_framework import DjangoFilterBackend
from drf_spectacular.utils import extend_schema, extend_schema_view
from rest_framework import mixins, status
from rest_framework.decorators import action
from rest_framework.request import Request
from rest_framework.response import Response

from apps.supplies import rows, selectors, services
from apps.supplies.api.serializers import (
    SupplierInputSerializer,
    SupplierSerializer,
    SupplyFloristSerializer,
    SupplyInputSerializer,
    SupplyParseResultSerializer,
    SupplyParseSerializer,
    SupplySerializer,
)
from apps.supplies.filters import MultiFieldSearchFilter, SupplyFilter
from apps.supplies.models import Supplier, Supply
from apps.supplies.parser import supply_text_parse
from flowercrm.filters import StrictOrderingFilter
from flowercrm.viewsets import ShopViewSet
from flowercrm.visibility import RoleSerializerMixin, role_response, sees_costs, without_costs

SUPPLY_READ = role_response(SupplySerializer, [SupplyFloristSerializer], component_name="SupplyRead")


class SupplierViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin, ShopViewSet):
    """``/api/suppliers/``: list, create, PATCH (admin and manager write; florists read)."""

    area = "supplies"
    model = Supplier
    serializer_class = SupplierSerializer
    search_text_field = "search_text"
    ordering_fields = {"name": "name", "created_at": "created_at"}
    ordering = ("name",)
    http_method_names = ["get", "post", "patch", "head", "options"]

    def get_shop_queryset(self) -> QuerySet[Supplier]:
        return selectors.supplier_list(shop=self.shop)

    @extend_schema(request=SupplierInputSerializer, responses={201: SupplierSerializer})
    def create(self, request: Request) -> Response:
        data = SupplierInputSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        supplier = services.supplier_create(shop=self.shop, data=data.validated_data)
        return self.detail_response(supplier, status_code=status.HTTP_201_CREATED, refetch=False)

    @extend_schema(request=SupplierInputSerializer, responses={200: SupplierSerializer})
    def partial_update(self, request: Request, pk: str) -> Response:
        supplier = self.get_object()
        data = SupplierInputSerializer(data=request.data, partial=True)
        data.is_valid(raise_exception=True)
        supplier = services.supplier_update(supplier=supplier, data=data.validated_data)
        return self.detail_response(supplier, refetch=False)


@extend_schema_view(
    list=extend_schema(responses=SUPPLY_READ),
    retrieve=extend_schema(responses=SUPPLY_READ),
)
class SupplyViewSet(RoleSerializerMixin, mixins.ListModelMixin, mixins.RetrieveModelMixin, ShopViewSet):
    """``/api/supplies/``: drafts are created, edited (nested ``lines``) and deleted; then
    received into stock or cancelled. Admin and manager write; florists read without prices,
    amounts and rates (``SupplyFlorist``); couriers have no access."""

    area = "supplies"
    model = Supply
    serializer_class = SupplySerializer
    role_serializer_classes = without_costs(SupplyFloristSerializer)
    filterset_class = SupplyFilter
    filter_backends = [DjangoFilterBackend, MultiFieldSearchFilter, StrictOrderingFilter]
    search_text_fields = ("search_text", "supplier__search_text")
    ordering_fields = {"date": "date", "created_at": "created_at"}
    ordering = ("-date",)
    http_method_names = ["get", "post", "patch", "delete", "head", "options"]

    def get_shop_queryset(self) -> QuerySet[Supply]:
        return selectors.supply_list(shop=self.shop)

    def list(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        """The page as plain data (``apps.supplies.rows``): the rows of the role's supply
        serializer without model instances or a serializer per row (issue 17; the tests
        compare the two for every role)."""
        supplies = self.filter_queryset(self.get_queryset())
        page = self.paginate_values(
            selectors.supply_list_values(supplies, columns=rows.SUPPLY_COLUMNS), count_from=supplies
        )
        assert page is not None  # noqa: S101 - lists are always paginated (skip/limit)
        lines = selectors.supply_line_values(supply_ids=[supply["id"] for supply in page], columns=rows.LINE_COLUMNS)
        return self.get_paginated_response(rows.supply_rows(page, lines=lines, sees_costs=sees_costs(self.role)))

    def _input(self, request: Request, *, partial: bool) -> dict[str, Any]:
        data = SupplyInputSerializer(data=request.data, partial=partial, context=self.get_serializer_context())
        data.is_valid(raise_exception=True)
        return dict(data.validated_data)

    @extend_schema(request=SupplyInputSerializer, responses={201: SupplySerializer})
    def create(self, request: Request) -> Response:
        supply = services.supply_create(shop=self.shop, actor=self.actor, data=self._input(request, partial=False))
        return self.detail_response(supply, status_code=status.HTTP_201_CREATED)

    @extend_schema(request=SupplyInputSerializer, responses={200: SupplySerializer})
    def partial_update(self, request: Request, pk: str) -> Response:
        supply = self.get_object()
        supply = services.supply_update(supply=supply, actor=self.actor, data=self._input(request, partial=True))
        return self.detail_response(supply)

    @extend_schema(responses={204: None})
    def destroy(self, request: Request, pk: str) -> Response:
        services.supply_delete(supply=self.get_object())
        return Response(status=status.HTTP_204_NO_CONTENT)

    @extend_schema(request=None, responses={200: SupplySerializer})
    @action(detail=True, methods=["post"])
    def receive(self, request: Request, pk: str) -> Response:
        """Receive the draft into stock (atomic); a second receive is a 409."""
        supply = services.supply_receive(supply=self.get_object(), actor=self.actor)
        return self.detail_response(supply)

    @extend_schema(request=None, responses={200: SupplySerializer})
    @action(detail=True, methods=["post"])
    def cancel(self, request: Request, pk: str) -> Response:
        """Cancel the draft (kept for the record); anything else is a 409."""
        supply = services.supply_cancel(supply=self.get_object(), actor=self.actor)
        return self.detail_response(supply)

    @extend_schema(request=SupplyParseSerializer, responses={200: SupplyParseResultSerializer})
    @action(detail=False, methods=["post"])
    def parse(self, request: Request) -> Response:
        """Parse a pasted list (``name [height] price quantity`` per line: with three trailing
        numbers they are height, price, quantity; with two, price and quantity) into supply
        lines matched to stock items (``match``: exact, partial or null with ``suggestions``);
        bad lines are reported by number and never stop the others."""
        data = SupplyParseSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        return Response(supply_text_parse(shop=self.shop, text=data.validated_data["text"]))
