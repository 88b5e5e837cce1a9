"""``GET /api/customers/export/``, ``/api/orders/export/``, ``/api/products/export/`` and
``/api/warehouse/items/export/`` (ARCHITECTURE §11.3): the list's filters and search, the
columns of the import, CSV or XLSX, streamed.

Admins and managers only (the files carry costs and whole customer records: the area
``costs`` of the role matrix); florists and couriers get a 403. Filters are the list
endpoints' filtersets, checked in the view (a bad filter is a 400 before anything streams);
rows then come in keyset batches by id, each batch inside the shop's scope.
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Iterator
from typing import Any, ClassVar, cast

from asgiref.sync import sync_to_async
from django.db.models import QuerySet
from django.http import StreamingHttpResponse
from django.utils import timezone
from django.utils.translation import gettext
from django_filters import FilterSet
from django_filters.rest_framework import DjangoFilterBackend
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework.request import Request

from apps.catalog.filters import ProductFilter
from apps.catalog.models import Product
from apps.customers.filters import CustomerFilter
from apps.customers.models import Customer
from apps.exchange.exports import EXPORTS, csv_stream, export_rows, file_blocks, xlsx_file
from apps.orders.filters import OrderFilter
from apps.orders.models import Order
from apps.warehouse.filters import StockItemFilter
from apps.warehouse.models import StockItem
from flowercrm import roles
from flowercrm.errors import Invalid
from flowercrm.filters import SearchTextFilter
from flowercrm.viewsets import ShopViewSet

CSV_TYPE = "text/csv"
XLSX_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
CONTENT_TYPES = {"csv": f"{CSV_TYPE}; charset=utf-8", "xlsx": XLSX_TYPE}


def _next_part(iterator: Iterator[bytes]) -> bytes | None:
    return next(iterator, None)


class ExportResponse(StreamingHttpResponse):
    """A streamed file that streams under ASGI too: Django would read a synchronous iterator
    whole into a list before sending it (``sync_to_async(list)``); here each part is pulled
    in the thread where the database connection lives, and sent at once."""

    async def __aiter__(self) -> AsyncIterator[bytes]:
        iterator = iter(cast(Iterator[bytes], self.streaming_content))
        pull = sync_to_async(_next_part, thread_sensitive=True)
        while (part := await pull(iterator)) is not None:
            yield part


def _filter_parameters(filterset: type[FilterSet]) -> list[OpenApiParameter]:
    return [OpenApiParameter(name, str, description=gettext("As in the list.")) for name in filterset.base_filters]


def export_schema(filterset: type[FilterSet], what: str) -> Any:
    return extend_schema(
        summary=f"Export {what} (CSV or XLSX)",
        description=(
            f"The {what} of the list (the same filters and search), in the columns of the import "
            "(ARCHITECTURE §11.3), as a streamed file. Admins and managers only."
        ),
        parameters=[
            OpenApiParameter("format", str, enum=["csv", "xlsx"], description="csv (default) or xlsx"),
            OpenApiParameter("search", str, description="As in the list."),
            *_filter_parameters(filterset),
        ],
        responses={(200, CSV_TYPE): OpenApiTypes.BINARY, (200, XLSX_TYPE): OpenApiTypes.BINARY},
    )


class ExportViewSet(ShopViewSet):
    """The base of the four exports: a subclass names its model, area, filterset and kind."""

    kind: ClassVar[str]
    action_permissions = {"export": ("costs", roles.READ)}
    filter_backends = [DjangoFilterBackend, SearchTextFilter]
    search_text_field = "search_text"

    def get_shop_queryset(self) -> QuerySet[Any]:
        # Only the shop's rows: the export reads what it needs batch by batch.
        return self.model._default_manager.filter(shop=self.shop)

    def perform_content_negotiation(self, request: Request, force: bool = False) -> Any:
        # ``?format=`` names the file, not one of DRF's renderers (errors stay JSON).
        return super().perform_content_negotiation(request, force=True)

    def export(self, request: Request) -> ExportResponse:
        file_format = request.query_params.get("format", "csv") or "csv"
        if file_format not in CONTENT_TYPES:
            raise Invalid({"format": [gettext("csv or xlsx.")]})
        queryset = self.filter_queryset(self.get_queryset())
        export = EXPORTS[self.kind]
        header = export.header()
        chunks = export_rows(export, queryset, shop_id=self.shop.pk)
        parts = csv_stream(header, chunks) if file_format == "csv" else _xlsx_parts(header, chunks)
        response = ExportResponse(parts, content_type=CONTENT_TYPES[file_format])
        day = timezone.localdate().isoformat()
        response["Content-Disposition"] = f'attachment; filename="{self.kind}-{day}.{file_format}"'
        return response


def _xlsx_parts(header: list[str], chunks: Iterator[Any]) -> Iterator[bytes]:
    # Built when the response starts streaming, into a temporary file (constant memory).
    yield from file_blocks(xlsx_file(header, chunks))


class CustomerExportViewSet(ExportViewSet):
    kind = "customers"
    model = Customer
    area = "customers"
    filterset_class = CustomerFilter

    @export_schema(CustomerFilter, "customers")
    def export(self, request: Request) -> ExportResponse:
        return super().export(request)


class ProductExportViewSet(ExportViewSet):
    kind = "products"
    model = Product
    area = "catalog"
    filterset_class = ProductFilter

    @export_schema(ProductFilter, "products")
    def export(self, request: Request) -> ExportResponse:
        return super().export(request)


class StockExportViewSet(ExportViewSet):
    kind = "stock"
    model = StockItem
    area = "warehouse"
    filterset_class = StockItemFilter

    @export_schema(StockItemFilter, "stock items")
    def export(self, request: Request) -> ExportResponse:
        return super().export(request)


class OrderExportViewSet(ExportViewSet):
    kind = "orders"
    model = Order
    area = "orders"
    filterset_class = OrderFilter

    @export_schema(OrderFilter, "orders")
    def export(self, request: Request) -> ExportResponse:
        return super().export(request)
