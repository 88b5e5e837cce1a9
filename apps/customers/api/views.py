from __future__ import annotations

from typing import Any

from django.db.models import QuerySet
from django.utils import timezone
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import mixins, serializers, status
from rest_framework.decorators import action
from rest_framework.request import Request
from rest_framework.response import Response

from apps.customers import rows, selectors, services
from apps.customers.api.serializers import (
    CustomerFloristSerializer,
    CustomerInputSerializer,
    CustomerMergeSerializer,
    CustomerOrderSerializer,
    CustomerSerializer,
    UpcomingDateSerializer,
    UpcomingParamsSerializer,
)
from apps.customers.filters import CustomerFilter
from apps.customers.models import Customer
from apps.orders import customers as order_side
from flowercrm.roles import WRITE, Role
from flowercrm.viewsets import ShopViewSet
from flowercrm.visibility import role_response


class CustomerViewSet(
    mixins.ListModelMixin,
    mixins.RetrieveModelMixin,
    ShopViewSet,
):
    """``/api/customers/``: admins and managers read and write everything; a florist reads
    ``id``, ``name`` and ``phone`` of the buyers of orders they may see (other customers are
    404 to them, the sub-resources 403); couriers have no access."""

    area = "customers"
    model = Customer
    # A florist reads buyers' names and phones and nothing else: a customer's orders and the
    # dates to remember need the full access of the area, which is ``write`` (admin, manager).
    action_permissions = {"orders": WRITE, "upcoming_dates": WRITE, "merge": WRITE}

    @property
    def is_florist(self) -> bool:
        if getattr(self, "swagger_fake_view", False):  # schema generation: no request shop
            return False
        return self.role == Role.FLORIST

    # Florists get no search, filters or statistics ordering: those would reveal e-mails,
    # tags and money through the answers' membership and order.
    @property
    def search_text_field(self) -> str | None:
        return None if self.is_florist else "search_text"

    @property
    def filterset_class(self) -> type[CustomerFilter] | None:
        return None if self.is_florist else CustomerFilter

    @property
    def ordering_fields(self) -> dict[str, str]:
        fields = {"name": "name", "created_at": "created_at"}
        if not self.is_florist:
            fields |= {"orders_count": "orders_count", "total_spent": "total_spent", "last_order_at": "last_order_at"}
        return fields

    ordering = ("name",)

    def get_shop_queryset(self) -> QuerySet[Customer]:
        if self.is_florist:
            return order_side.customer_list_for_florist(shop=self.shop)
        if self.action in ("list", "retrieve"):
            return self.get_detail_queryset()
        # Writes and sub-resources only need the row (services re-read it under a lock).
        return selectors.customer_scope(shop=self.shop)

    def get_detail_queryset(self) -> QuerySet[Customer]:
        # Every answer with a customer is the full shape (only admins and managers write).
        return order_side.customer_list(shop=self.shop)

    def filter_queryset(self, queryset: QuerySet[Any]) -> QuerySet[Any]:
        # Search, filters and ordering belong to the list; they never hide a detail.
        return super().filter_queryset(queryset) if self.action == "list" else queryset

    def get_serializer_class(self) -> type[serializers.BaseSerializer[Any]]:
        if not self.is_florist:
            return CustomerSerializer
        return CustomerFloristSerializer

    @extend_schema(
        responses=role_response(
            CustomerSerializer, [CustomerFloristSerializer], component_name="CustomerForRole", many=True
        )
    )
    def list(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        """An office page as plain data (``apps.customers.rows``): ``CustomerSerializer``'s
        rows without model instances or a serializer per row (issue 17; the tests compare the
        two). A florist's compact rows stay the serializer's (no nested rows to read)."""
        if self.is_florist:
            return super().list(request, *args, **kwargs)
        customers = self.filter_queryset(self.get_queryset())
        page = self.paginate_values(
            selectors.customer_list_values(customers, columns=rows.CUSTOMER_COLUMNS), count_from=customers
        )
        assert page is not None  # noqa: S101 - lists are always paginated (skip/limit)
        children = selectors.customer_children_values(
            customer_ids=[customer["id"] for customer in page],
            address_columns=rows.ADDRESS_COLUMNS,
            date_columns=rows.DATE_COLUMNS,
        )
        return self.get_paginated_response(rows.customer_rows(page, **children))

    @extend_schema(
        responses=role_response(CustomerSerializer, [CustomerFloristSerializer], component_name="CustomerForRole")
    )
    def retrieve(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        return super().retrieve(request, *args, **kwargs)

    @extend_schema(request=CustomerInputSerializer, responses={201: CustomerSerializer})
    def create(self, request: Request) -> Response:
        data = CustomerInputSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        customer = services.customer_create(shop=self.shop, data=data.validated_data)
        return self.detail_response(customer, status_code=status.HTTP_201_CREATED)

    @extend_schema(request=CustomerInputSerializer, responses={200: CustomerSerializer})
    def update(self, request: Request, pk: str) -> Response:
        return self._update(request, partial=False)

    @extend_schema(request=CustomerInputSerializer, responses={200: CustomerSerializer})
    def partial_update(self, request: Request, pk: str) -> Response:
        return self._update(request, partial=True)

    def _update(self, request: Request, *, partial: bool) -> Response:
        customer = self.get_object()
        data = CustomerInputSerializer(data=request.data, partial=partial)
        data.is_valid(raise_exception=True)
        customer = order_side.customer_update(customer=customer, data=data.validated_data)
        return self.detail_response(customer)

    def destroy(self, request: Request, pk: str) -> Response:
        services.customer_delete(customer=self.get_object())
        return Response(status=status.HTTP_204_NO_CONTENT)

    @extend_schema(responses={200: CustomerOrderSerializer(many=True)})
    @action(detail=True, methods=["get"])
    def orders(self, request: Request, pk: str) -> Response:
        """That customer's orders (cancelled too), newest first."""
        customer = self.get_object()
        page = self.paginate_queryset(order_side.customer_orders(shop=self.shop, customer=customer))
        return self.get_paginated_response(CustomerOrderSerializer(page, many=True).data)

    @extend_schema(request=CustomerMergeSerializer, responses={200: CustomerSerializer})
    @action(detail=False, methods=["post"])
    def merge(self, request: Request) -> Response:
        """Fold ``merge_id`` into ``keep_id``; answers the kept customer."""
        data = CustomerMergeSerializer(data=request.data, context=self.get_serializer_context())
        data.is_valid(raise_exception=True)
        keep = order_side.customer_merge(
            shop=self.shop,
            keep=data.validated_data["keep_id"],
            merge=data.validated_data["merge_id"],
            actor=self.actor,
        )
        return self.detail_response(keep)

    @extend_schema(
        parameters=[
            OpenApiParameter("days", int, description="0..366, default 7"),
            OpenApiParameter("search", str, description="Part of the title, the customer's name or phone"),
        ],
        responses={200: UpcomingDateSerializer(many=True)},
    )
    @action(detail=False, methods=["get"], url_path="upcoming-dates")
    def upcoming_dates(self, request: Request) -> Response:
        """Important dates in the next ``days`` days, counted from today in the shop's zone;
        ``search`` narrows them by title, customer name or phone."""
        params = UpcomingParamsSerializer(
            data={k: v for k, v in request.query_params.items() if k in ("days", "search")}
        )
        params.is_valid(raise_exception=True)
        found = selectors.customer_upcoming_dates(
            shop=self.shop,
            days=params.validated_data["days"],
            today=timezone.localdate(),
            search=params.validated_data["search"],
        )
        page: Any = self.paginate_queryset(found)  # type: ignore[arg-type]
        return self.get_paginated_response(UpcomingDateSerializer(page, many=True).data)
