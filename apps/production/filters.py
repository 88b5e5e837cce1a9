from __future__ import annotations

import django_filters

from apps.orders.filters import PersonFilter
from apps.production.models import ProductionTask, TaskStatus
from flowercrm.filters import CommaListFilter, IsoDateFilter


class TaskFilter(django_filters.FilterSet):
    status = CommaListFilter(field_name="status", choices=TaskStatus.choices)
    florist = PersonFilter(field_name="florist")
    date = IsoDateFilter(field_name="order__delivery_date")
    date_from = IsoDateFilter(field_name="order__delivery_date", lookup_expr="gte")
    date_to = IsoDateFilter(field_name="order__delivery_date", lookup_expr="lte")

    class Meta:
        model = ProductionTask
        fields: list[str] = []
