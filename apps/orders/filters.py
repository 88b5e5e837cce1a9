"""The order list's filters (``GET /api/orders/?status=…&florist=me…``)."""

from __future__ import annotations

import django_filters
from django.db.models import QuerySet

from apps.orders.models import DeliveryMethod, Order, OrderStatus, PaymentStatus
from flowercrm.filters import (
    CommaListFilter,
    IdFilter,
    IsoDateFilter,
    LocalDateFromFilter,
    LocalDateToFilter,
    PersonFilter,
)


class OrderFilter(django_filters.FilterSet):
    status = CommaListFilter(field_name="status", choices=OrderStatus.choices)
    delivery_method = CommaListFilter(field_name="delivery_method", choices=DeliveryMethod.choices)
    payment_status = CommaListFilter(field_name="payment_status", choices=PaymentStatus.choices)
    delivery_date_from = IsoDateFilter(field_name="delivery_date", lookup_expr="gte")
    delivery_date_to = IsoDateFilter(field_name="delivery_date", lookup_expr="lte")
    created_from = LocalDateFromFilter(field_name="created_at")
    created_to = LocalDateToFilter(field_name="created_at")
    florist = PersonFilter(field_name="florist")
    courier = PersonFilter(field_name="courier")
    customer = IdFilter(field_name="customer_id")
    has_issue = django_filters.BooleanFilter(method="filter_has_issue")

    class Meta:
        model = Order
        fields: list[str] = []

    def filter_has_issue(self, qs: QuerySet[Order], name: str, value: bool | None) -> QuerySet[Order]:
        if value is None:
            return qs
        return qs.exclude(issue_type="") if value else qs.filter(issue_type="")
