"""List filters of suppliers and supplies."""

from __future__ import annotations

from functools import reduce
from operator import or_
from typing import TYPE_CHECKING, Any

import django_filters
from django.db.models import Q, QuerySet
from django.utils.translation import gettext
from rest_framework import serializers
from rest_framework.request import Request

from apps.supplies.models import Supply, SupplyStatus
from flowercrm.filters import CommaListFilter, IdFilter, IsoDateFilter, SearchTextFilter
from flowercrm.search import MAX_SEARCH_LENGTH, search_terms

if TYPE_CHECKING:
    from rest_framework.views import APIView


class MultiFieldSearchFilter(SearchTextFilter):
    """``?search=`` over several folded columns (``view.search_text_fields``), e.g. the
    supply's own notes and its supplier's name."""

    def filter_queryset(self, request: Request, queryset: QuerySet[Any], view: APIView) -> QuerySet[Any]:
        fields: tuple[str, ...] = getattr(view, "search_text_fields", ())
        query = request.query_params.get("search", "")
        if not fields or not query.strip():
            return queryset
        if len(query) > MAX_SEARCH_LENGTH:
            raise serializers.ValidationError(
                {"search": [gettext("At most %(limit)s characters.") % {"limit": MAX_SEARCH_LENGTH}]}
            )
        terms = search_terms(query)
        if not terms:
            return queryset
        return queryset.filter(reduce(or_, (Q(**{f"{field}__contains": t}) for field in fields for t in terms)))

    def get_schema_operation_parameters(self, view: APIView) -> list[dict[str, Any]]:
        if not getattr(view, "search_text_fields", ()):
            return []
        return [{"name": "search", "in": "query", "required": False, "schema": {"type": "string"}}]


class SupplyFilter(django_filters.FilterSet):
    status = CommaListFilter(field_name="status", choices=SupplyStatus.choices)
    supplier = IdFilter(field_name="supplier_id")
    date_from = IsoDateFilter(field_name="date", lookup_expr="gte")
    date_to = IsoDateFilter(field_name="date", lookup_expr="lte")

    class Meta:
        model = Supply
        fields: list[str] = []
