"""List filters of ``/api/warehouse/items/`` and ``/api/warehouse/movements/``."""

from __future__ import annotations

import django_filters
from django.db.models import QuerySet
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import extend_schema_field

from apps.warehouse.models import MovementKind, StockCategory, StockItem, StockMovement
from apps.warehouse.selectors import low_stock_q
from flowercrm.filters import CommaListFilter, IdFilter, LocalDateFromFilter, LocalDateToFilter, StrictBooleanFilter


@extend_schema_field(OpenApiTypes.INT)
class StockItemFilter(django_filters.FilterSet):
    category = CommaListFilter(field_name="category", choices=StockCategory.choices)
    is_active = StrictBooleanFilter(field_name="is_active")
    low = StrictBooleanFilter(method="filter_low")

    class Meta:
        model = StockItem
        fields: list[str] = []

    def filter_low(self, queryset: QuerySet[StockItem], name: str, value: bool) -> QuerySet[StockItem]:
        return queryset.filter(low_stock_q()) if value else queryset.exclude(low_stock_q())


class StockMovementFilter(django_filters.FilterSet):
    item = IdFilter(field_name="item_id")
    kind = CommaListFilter(field_name="kind", choices=MovementKind.choices)
    date_from = LocalDateFromFilter(field_name="created_at")
    date_to = LocalDateToFilter(field_name="created_at")

    class Meta:
        model = StockMovement
        fields: list[str] = []
