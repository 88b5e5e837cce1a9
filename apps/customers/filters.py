from __future__ import annotations

from typing import Any

import django_filters
from django.db.models import Exists, OuterRef, QuerySet

from apps.customers.models import Customer, CustomerTag, Source
from flowercrm.filters import CommaListFilter


class CustomerFilter(django_filters.FilterSet):
    """``?tag=VIP,корпоратив`` (customers with any of these tags) and ``?source=phone,instagram``."""

    tag = CommaListFilter(method="filter_tag")
    source = CommaListFilter(field_name="source", choices=Source.choices)

    class Meta:
        model = Customer
        fields: list[str] = []

    def filter_tag(self, queryset: QuerySet[Customer], name: str, value: list[str]) -> QuerySet[Customer]:
        names = [v.strip() for v in value if v.strip()]
        if not names:
            return queryset
        # EXISTS, not a join: a customer with two of the tags is still one row.
        tagged: Any = CustomerTag.objects.filter(customer=OuterRef("pk"), name__in=names)
        return queryset.filter(Exists(tagged))
