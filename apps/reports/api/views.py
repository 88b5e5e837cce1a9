"""``GET /api/reports/sales/``, ``/products/``, ``/stock/``, ``/receivables/``, ``/staff/``
(ARCHITECTURE §11.5): admins and managers of the active shop (the area ``reports`` of the role
matrix; florists and couriers 403). Each view reads its parameters, calls one selector and
serializes its answer."""

from __future__ import annotations

from typing import Any

from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import serializers
from rest_framework.request import Request
from rest_framework.response import Response

from apps.reports import selectors
from apps.reports.api.serializers import (
    ProductsReportSerializer,
    ReceivablesReportSerializer,
    SalesReportSerializer,
    StaffReportSerializer,
    StockReportSerializer,
)
from apps.reports.periods import DEFAULT_DAYS, GROUPS, MAX_DAYS, ReportPeriod
from flowercrm.errors import Invalid
from flowercrm.pagination import MAX_LIMIT, parse_page_params
from flowercrm.permissions import AreaPermission
from flowercrm.viewsets import ShopContextMixin

PERIOD_PARAMETERS = [
    OpenApiParameter(
        "date_from",
        OpenApiTypes.DATE,
        description=f"First day (YYYY-MM-DD, the shop's zone), included. Default: {DEFAULT_DAYS - 1} days "
        f"before date_to. A period is at most {MAX_DAYS} days; a reversed one is 400.",
    ),
    OpenApiParameter(
        "date_to",
        OpenApiTypes.DATE,
        description="Last day (YYYY-MM-DD, the shop's zone), included. Default: today.",
    ),
]


class ReportView(ShopContextMixin):
    """A report of the active shop; ``report`` builds the answer's data."""

    area = "reports"
    permission_classes = [AreaPermission]
    pagination_class = None
    serializer_class: type[serializers.Serializer[Any]]

    def report(self, request: Request) -> dict[str, Any]:
        raise NotImplementedError

    def period(self, request: Request) -> ReportPeriod:
        return ReportPeriod.parse(shop=self.shop, params=request.query_params)

    def get(self, request: Request) -> Response:
        return Response(self.serializer_class(self.report(request)).data)


class SalesReportView(ReportView):
    serializer_class = SalesReportSerializer

    @extend_schema(
        summary="Sales report",
        description="Orders and revenue by delivery date (cancelled excluded), payments by payment time, in "
        "the shop's local days; by period, payment method and source. Admins and managers.",
        parameters=[
            *PERIOD_PARAMETERS,
            OpenApiParameter("group", str, enum=list(GROUPS), description="by_period granularity (default day)"),
        ],
        responses={200: SalesReportSerializer},
    )
    def get(self, request: Request) -> Response:
        return super().get(request)

    def report(self, request: Request) -> dict[str, Any]:
        period = self.period(request)
        return selectors.sales_report(
            shop=self.shop, date_from=period.date_from, date_to=period.date_to, group=period.group
        )


class ProductsReportView(ReportView):
    serializer_class = ProductsReportSerializer

    @extend_schema(
        summary="Products report",
        description="What sold in the period (orders by delivery date, cancelled excluded), product by "
        "product, with the cost of the stock its assemblies consumed and the margin. Admins and managers.",
        parameters=[
            *PERIOD_PARAMETERS,
            OpenApiParameter("limit", int, description=f"At most this many products (1..{MAX_LIMIT}); all by default"),
        ],
        responses={200: ProductsReportSerializer},
    )
    def get(self, request: Request) -> Response:
        return super().get(request)

    def report(self, request: Request) -> dict[str, Any]:
        period = self.period(request)
        limit = None
        if request.query_params.get("limit") not in (None, ""):
            params = LimitSerializer(data={"limit": request.query_params["limit"]})
            if not params.is_valid():
                raise Invalid(params.errors)
            limit = params.validated_data["limit"]
        return selectors.products_report(
            shop=self.shop, date_from=period.date_from, date_to=period.date_to, limit=limit
        )


class LimitSerializer(serializers.Serializer[Any]):
    limit = serializers.IntegerField(min_value=1, max_value=MAX_LIMIT)


class StockReportView(ReportView):
    serializer_class = StockReportSerializer

    @extend_schema(
        summary="Stock report",
        description="Stock value now; write-offs by reason, consumption, receipts (supplies in the shop's "
        "currency) and stocktakes of the period, at cost. Admins and managers.",
        parameters=PERIOD_PARAMETERS,
        responses={200: StockReportSerializer},
    )
    def get(self, request: Request) -> Response:
        return super().get(request)

    def report(self, request: Request) -> dict[str, Any]:
        period = self.period(request)
        return selectors.stock_report(shop=self.shop, date_from=period.date_from, date_to=period.date_to)


class ReceivablesReportView(ReportView):
    serializer_class = ReceivablesReportSerializer

    @extend_schema(
        summary="Receivables",
        description="Orders not cancelled, unpaid or partially paid, with the amount due, and the sum. "
        "Admins and managers.",
        parameters=[
            OpenApiParameter("skip", int, description="Orders to skip (>= 0, default 0)"),
            OpenApiParameter("limit", int, description=f"Orders in the page (1..{MAX_LIMIT}, default 100)"),
        ],
        responses={200: ReceivablesReportSerializer},
    )
    def get(self, request: Request) -> Response:
        return super().get(request)

    def report(self, request: Request) -> dict[str, Any]:
        skip, limit = parse_page_params(request)
        return selectors.receivables_report(shop=self.shop, limit=limit, offset=skip)


class StaffReportView(ReportView):
    serializer_class = StaffReportSerializer

    @extend_schema(
        summary="Staff report",
        description="Per courier: deliveries of the period, on time and late; per florist: tasks finished, "
        "on time, late, minutes. Admins and managers.",
        parameters=PERIOD_PARAMETERS,
        responses={200: StaffReportSerializer},
    )
    def get(self, request: Request) -> Response:
        return super().get(request)

    def report(self, request: Request) -> dict[str, Any]:
        period = self.period(request)
        return selectors.staff_report(shop=self.shop, date_from=period.date_from, date_to=period.date_to)
