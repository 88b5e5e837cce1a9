"""The queue's filters (``GET /api/production/tasks/?status=…&florist=me&search=…``)."""

from __future__ import annotations

from typing import Any

import django_filters
from django.db.models import QuerySet

from apps.production.models import ProductionTask, TaskStatus
from apps.production.selectors import task_search
from flowercrm.auth import shop_auth
from flowercrm.filters import CommaListFilter, IsoDateFilter, PersonFilter, search_query_terms


class TaskFilter(django_filters.FilterSet):
    status = CommaListFilter(field_name="status", choices=TaskStatus.choices)
    florist = PersonFilter(field_name="florist")
    date = IsoDateFilter(field_name="order__delivery_date")
    date_from = IsoDateFilter(field_name="order__delivery_date", lookup_expr="gte")
    date_to = IsoDateFilter(field_name="order__delivery_date", lookup_expr="lte")
    search = django_filters.CharFilter(
        method="filter_search",
        help_text="Case-insensitive: the order's number, recipient, buyer (name or any part of a phone) or an item's name.",
    )

    class Meta:
        model = ProductionTask
        fields: list[str] = []

    def filter_search(self, qs: QuerySet[ProductionTask], name: str, value: Any) -> QuerySet[ProductionTask]:
        # The contract's search rules (folding, phone digits, the length limit) as on every list.
        auth = shop_auth(self.request)
        if auth is None:  # the view authenticates first
            return qs.none()
        return task_search(shop=auth.shop, tasks=qs, terms=search_query_terms(self.request))
