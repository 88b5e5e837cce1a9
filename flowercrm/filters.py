"""List conventions: ``search`` on the folded ``search_text`` column, strict ``ordering``
that always ends with ``id``, comma lists and date ranges in the shop's time zone."""

from __future__ import annotations

import datetime as dt
from functools import reduce
from operator import or_
from typing import TYPE_CHECKING, Any, cast

import django_filters
from django import forms
from django.db.models import OrderBy, Q, QuerySet
from django.utils import timezone
from django.utils.translation import gettext
from django_filters.rest_framework import DjangoFilterBackend
from rest_framework import serializers
from rest_framework.filters import BaseFilterBackend
from rest_framework.request import Request

from flowercrm.search import MAX_SEARCH_LENGTH, search_terms

if TYPE_CHECKING:
    from rest_framework.views import APIView


# The list parameters that are not a filter set's (ARCHITECTURE §5).
LIST_PARAMS = frozenset({"skip", "limit", "ordering", "search"})


class FilterSetBackend(DjangoFilterBackend):
    """``DjangoFilterBackend`` that builds no filter set when the request names none of its
    filters: a filter set deep-copies every filter and form field on each request (about a
    millisecond of a list page), and without one of its parameters it filters nothing.
    A parameter this class does not know (a filter's own suffix…) goes the full way."""

    def filter_queryset(self, request: Request, queryset: QuerySet[Any], view: APIView) -> QuerySet[Any]:
        filterset_class = self.get_filterset_class(view, queryset)
        if filterset_class is not None and all(
            key in LIST_PARAMS and key not in filterset_class.base_filters for key in request.query_params
        ):
            return queryset
        return cast("QuerySet[Any]", super().filter_queryset(request, queryset, view))


def search_query_terms(request: Request) -> list[str]:
    """The terms of the request's ``?search=`` (``flowercrm.search.search_terms``; none when it
    is absent or blank); longer than ``MAX_SEARCH_LENGTH`` is a 400."""
    query = request.query_params.get("search", "")
    if not query.strip():
        return []
    if len(query) > MAX_SEARCH_LENGTH:
        raise serializers.ValidationError(
            {"search": [gettext("At most %(limit)d characters.") % {"limit": MAX_SEARCH_LENGTH}]}
        )
    return search_terms(query)


class SearchTextFilter(BaseFilterBackend):
    """``?search=`` — case-insensitive substring on ``view.search_text_field`` (default
    ``search_text``), Cyrillic included, phones by any part of their digits."""

    def filter_queryset(self, request: Request, queryset: QuerySet[Any], view: APIView) -> QuerySet[Any]:
        field = getattr(view, "search_text_field", None)
        if not field:
            return queryset
        terms = search_query_terms(request)
        if not terms:
            return queryset
        return queryset.filter(reduce(or_, (Q(**{f"{field}__contains": t}) for t in terms)))

    def get_schema_operation_parameters(self, view: APIView) -> list[dict[str, Any]]:
        if not getattr(view, "search_text_field", None):
            return []
        return [{"name": "search", "in": "query", "required": False, "schema": {"type": "string"}}]


# What a public ordering name sorts by: a field path, an ordering expression
# (``F("delivery_time_from").asc(nulls_last=True)``), or a tuple of them, in turn.
OrderingTarget = str | OrderBy | tuple[str | OrderBy, ...]


def ordering_terms(target: OrderingTarget, *, descending: bool = False) -> list[str | OrderBy]:
    """The ``order_by`` terms of ``target``; descending reverses each term (an expression's
    nulls placement too: ascending with nulls last, descending puts them first)."""
    terms: list[str | OrderBy] = []
    for part in target if isinstance(target, tuple) else (target,):
        if isinstance(part, str):
            terms.append(("-" + part) if descending else part)
        elif descending:
            flipped = cast(OrderBy, part.copy())  # reverse_ordering() changes the expression in place
            flipped.reverse_ordering()
            terms.append(flipped)
        else:
            terms.append(part)
    return terms


def _is_id(term: str | OrderBy) -> bool:
    return isinstance(term, str) and term.lstrip("-") in ("id", "pk")


def _is_descending(term: str | OrderBy) -> bool:
    return term.startswith("-") if isinstance(term, str) else term.descending


class StrictOrderingFilter(BaseFilterBackend):
    """``?ordering=a,-b`` over ``view.ordering_fields`` (public name → ``OrderingTarget``:
    a field path, an expression, or a tuple of them); unknown fields are a 400; ``id`` always
    ends the ordering so pages are stable."""

    def filter_queryset(self, request: Request, queryset: QuerySet[Any], view: APIView) -> QuerySet[Any]:
        allowed: dict[str, OrderingTarget] = getattr(view, "ordering_fields", None) or {}
        default: tuple[str, ...] = tuple(getattr(view, "ordering", None) or ())
        raw = request.query_params.get("ordering", "").strip()
        order: list[str | OrderBy] = []
        if raw:
            for part in raw.split(","):
                name = part.strip()
                desc = name.startswith("-")
                key = name.lstrip("-")
                if key not in allowed:
                    raise serializers.ValidationError(
                        {
                            "ordering": [
                                gettext("Cannot sort by “%(key)s”. Allowed: %(allowed)s.")
                                % {"key": key, "allowed": ", ".join(sorted(allowed))}
                            ]
                        }
                    )
                order.extend(ordering_terms(allowed[key], descending=desc))
        else:
            order = list(default)
        if not order and not allowed:
            return queryset
        if not any(_is_id(o) for o in order):
            last_desc = _is_descending(order[-1]) if order else False
            order.append("-id" if last_desc else "id")
        return queryset.order_by(*order)

    def get_schema_operation_parameters(self, view: APIView) -> list[dict[str, Any]]:
        allowed = getattr(view, "ordering_fields", None)
        if not allowed:
            return []
        return [
            {
                "name": "ordering",
                "in": "query",
                "required": False,
                "description": "Comma list of " + ", ".join(sorted(allowed)) + " (prefix - for descending).",
                "schema": {"type": "string"},
            }
        ]


class CommaListFilter(django_filters.BaseInFilter, django_filters.CharFilter):
    """``?status=new,confirmed`` — each value must be one of ``choices`` when given."""

    def __init__(self, *args: Any, choices: Any = None, **kwargs: Any) -> None:
        kwargs.setdefault("lookup_expr", "in")
        self.allowed_values = {str(c[0]) for c in choices} if choices else None
        super().__init__(*args, **kwargs)

    def filter(self, qs: QuerySet[Any], value: Any) -> QuerySet[Any]:
        if value and self.allowed_values is not None:
            unknown = [v for v in value if v not in self.allowed_values]
            if unknown:
                raise serializers.ValidationError(
                    {self.field_name: [gettext("Unknown values: %(values)s.") % {"values": ", ".join(unknown)}]}
                )
        return super().filter(qs, value)


class StrictBooleanField(forms.Field):
    """``true``/``false`` (also ``1``/``0``, any case); anything else is invalid, where
    Django's ``NullBooleanField`` would quietly treat it as "not given"."""

    VALUES = {"true": True, "1": True, "false": False, "0": False}

    def to_python(self, value: Any) -> bool | None:
        if value in (None, ""):
            return None
        if isinstance(value, bool):
            return value
        try:
            return self.VALUES[str(value).strip().lower()]
        except KeyError:
            raise forms.ValidationError(gettext("true or false is expected."), code="invalid") from None


class StrictBooleanFilter(django_filters.BooleanFilter):
    """``?is_active=true|false`` — any other value is a 400."""

    field_class = StrictBooleanField


def _local_midnight(day: dt.date) -> dt.datetime:
    return timezone.make_aware(dt.datetime.combine(day, dt.time.min), timezone.get_current_timezone())


class IdFilter(django_filters.NumberFilter):
    """An integer id (``?item=12``): anything else, ``1.5`` included, is a 400."""

    field_class = forms.IntegerField

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        kwargs.setdefault("min_value", 1)
        kwargs.setdefault("max_value", 2**63 - 1)
        super().__init__(*args, **kwargs)


class PersonFilter(django_filters.CharFilter):
    """A member assigned by a foreign key to users: ``?florist=12``, ``?florist=me`` (the
    caller) or ``?florist=none`` (nobody)."""

    def filter(self, qs: QuerySet[Any], value: str) -> QuerySet[Any]:
        if not value:
            return qs
        if value == "me":
            return qs.filter(**{f"{self.field_name}_id": self.parent.request.user.pk})
        if value == "none":
            return qs.filter(**{f"{self.field_name}__isnull": True})
        if not value.isdigit() or len(value) > 18:
            raise serializers.ValidationError({self.field_name: [gettext("An id, me or none is expected.")]})
        return qs.filter(**{f"{self.field_name}_id": int(value)})


class IsoDateFilter(django_filters.DateFilter):
    """A ``YYYY-MM-DD`` date (the contract's only format; not the locale's ``10.03.2026``)."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        kwargs.setdefault("input_formats", ["%Y-%m-%d"])
        super().__init__(*args, **kwargs)


class LocalDateFromFilter(IsoDateFilter):
    """``<field>_from=YYYY-MM-DD`` on a timestamp: from the start of that day in the shop's zone."""

    def filter(self, qs: QuerySet[Any], value: dt.date | None) -> QuerySet[Any]:
        # Nothing comes before the first day there is (whose midnight east of UTC is out of range).
        if value is None or value == dt.date.min:
            return qs
        return qs.filter(**{f"{self.field_name}__gte": _local_midnight(value)})


class LocalDateToFilter(IsoDateFilter):
    """``<field>_to=YYYY-MM-DD`` on a timestamp: to the end of that day in the shop's zone (inclusive)."""

    def filter(self, qs: QuerySet[Any], value: dt.date | None) -> QuerySet[Any]:
        if value is None or value == dt.date.max:  # nothing comes after the last day there is
            return qs
        return qs.filter(**{f"{self.field_name}__lt": _local_midnight(value + dt.timedelta(days=1))})
