"""Reusable list filters of the Django admin: dates counted in each shop's own zone, and people
offered only from the user's own shops.

- :class:`ShopDateListFilter` — ``today`` / ``tomorrow`` / ``week`` (Monday to Sunday) plus a
  ``<name>_from`` / ``<name>_to`` range with two date inputs, on a ``DateField`` of a shop-owned
  model. A calendar date (a delivery date) has no zone, but *which* date is today does: it is
  the shop's day. The user may see several shops (a superuser, a manager of a chain), so the
  condition is built per time zone of the shops in view — ``(shop in zone Z and date = today
  in Z) or …`` — and a shop in Moscow and one in Almaty each get their own today. Bad dates in
  the query string are ignored with a message, never a 500.
- :func:`eligible_member_filter` — a florist/courier filter whose choices are the eligible
  members of the user's own shops (Django's ``RelatedFieldListFilter`` would list every user of
  the platform; ``RelatedOnlyFieldListFilter`` only people already assigned somewhere).

The kernel imports no app at module level: the shop and membership models are reached through
the relation and the app registry when a filter runs.
"""

from __future__ import annotations

import datetime as dt
import zoneinfo
from collections.abc import Iterator
from typing import Any

from django.apps import apps
from django.contrib import admin, messages
from django.contrib.admin.views.main import ChangeList
from django.db.models import Model, Q, QuerySet
from django.http import HttpRequest
from django.utils import timezone
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from flowercrm.admin import back_office_roles

TODAY, TOMORROW, WEEK = "today", "tomorrow", "week"


def _zone(name: str) -> zoneinfo.ZoneInfo:
    try:
        return zoneinfo.ZoneInfo(name)
    except (zoneinfo.ZoneInfoNotFoundError, ValueError):
        return zoneinfo.ZoneInfo("UTC")


class ShopDateListFilter(admin.ListFilter):
    """Preset days and a date range on ``field`` of a model reaching its shop by ``shop_field``
    (``parameter`` → ``?delivery=today``, ``?delivery_from=2026-12-01&delivery_to=2026-12-07``).

    Subclass and set ``title``, ``parameter``, ``field`` (and ``shop_field`` if it is not
    ``shop``)."""

    template = "admin/flowercrm/date_range_filter.html"
    parameter: str = ""
    field: str = ""
    shop_field: str = "shop"

    def __init__(self, request: HttpRequest, params: dict[str, Any], model: type[Model], model_admin: Any) -> None:
        super().__init__(request, params, model, model_admin)
        self.model = model
        self.hidden: list[tuple[str, str]] = []
        self.values: dict[str, str] = {}
        for name in self.expected_parameters():
            if name in params:
                value = params.pop(name)
                self.values[name] = str(value[-1] if isinstance(value, list) else value)
                self.used_parameters[name] = self.values[name]
        self.preset = self.values.get(self.parameter, "")
        if self.preset and self.preset not in (TODAY, TOMORROW, WEEK):
            self._ignored(self.preset)
            self.preset = ""
        self.date_from = self._date(self.from_parameter)
        self.date_to = self._date(self.to_parameter)

    @property
    def from_parameter(self) -> str:
        return f"{self.parameter}_from"

    @property
    def to_parameter(self) -> str:
        return f"{self.parameter}_to"

    def expected_parameters(self) -> list[str | None]:
        return [self.parameter, self.from_parameter, self.to_parameter]

    def _ignored(self, value: str) -> None:
        messages.warning(
            self.request,
            gettext("“%(value)s” is not a date filter we know; it was ignored.") % {"value": value[:40]},
        )

    def _date(self, name: str) -> dt.date | None:
        raw = self.values.get(name, "").strip()
        if not raw:
            return None
        try:
            day = dt.date.fromisoformat(raw)
        except ValueError:
            day = None
        if day is None or not 2000 <= day.year <= 2100:
            self._ignored(raw)
            self.used_parameters.pop(name, None)
            return None
        return day

    def has_output(self) -> bool:
        return True

    def _zones(self, request: HttpRequest) -> list[str]:
        """The time zones of the shops the user works in (every shop's for a superuser)."""
        shop_model: Any = self.model._meta.get_field(self.shop_field).related_model
        shops = shop_model.objects.all()
        if not request.user.is_superuser:
            shops = shops.filter(id__in=list(back_office_roles(request)))
        return sorted(set(shops.values_list("time_zone", flat=True)))

    def _range(self, today: dt.date) -> tuple[dt.date, dt.date]:
        if self.preset == TODAY:
            return today, today
        if self.preset == TOMORROW:
            tomorrow = today + dt.timedelta(days=1)
            return tomorrow, tomorrow
        monday = today - dt.timedelta(days=today.weekday())
        return monday, monday + dt.timedelta(days=6)

    def queryset(self, request: HttpRequest, queryset: QuerySet[Any]) -> QuerySet[Any]:
        if self.date_from is not None:
            queryset = queryset.filter(**{f"{self.field}__gte": self.date_from})
        if self.date_to is not None:
            queryset = queryset.filter(**{f"{self.field}__lte": self.date_to})
        if not self.preset:
            return queryset
        now = timezone.now()
        condition = Q(pk__in=[])
        for name in self._zones(request):
            start, end = self._range(now.astimezone(_zone(name)).date())
            condition |= Q(**{f"{self.shop_field}__time_zone": name, f"{self.field}__range": (start, end)})
        return queryset.filter(condition)

    def choices(self, changelist: ChangeList) -> Iterator[Any]:
        # The range form keeps every other parameter of the page (search, other filters, sort).
        own = {self.parameter, self.from_parameter, self.to_parameter, "p"}
        self.hidden = [(k, str(v)) for k, v in changelist.params.items() if k not in own]
        yield {
            "selected": not self.preset and self.date_from is None and self.date_to is None,
            "query_string": changelist.get_query_string(
                remove=[self.parameter, self.from_parameter, self.to_parameter]
            ),
            "display": gettext("Any date"),
        }
        for value, label in ((TODAY, _("Today")), (TOMORROW, _("Tomorrow")), (WEEK, _("This week"))):
            yield {
                "selected": self.preset == value,
                "query_string": changelist.get_query_string(
                    {self.parameter: value}, [self.from_parameter, self.to_parameter]
                ),
                "display": label,
            }


def eligible_member_filter(roles: frozenset[str]) -> type[admin.RelatedFieldListFilter]:
    """A ``RelatedFieldListFilter`` (``?florist__id__exact=<user id>``, ``?florist__isnull=True``)
    whose choices are the active members with one of ``roles`` in the user's own shops."""

    class EligibleMemberListFilter(admin.RelatedFieldListFilter):
        def field_choices(self, field: Any, request: HttpRequest, model_admin: Any) -> list[Any]:
            membership: Any = apps.get_model("shops", "Membership")
            members = membership.objects.active().filter(role__in=roles)
            if not request.user.is_superuser:
                members = members.filter(shop_id__in=list(back_office_roles(request)))
            people = members.values_list("user_id", "user__name", "user__phone").distinct()
            return sorted(
                {(pk, name or phone) for pk, name, phone in people},
                key=lambda choice: (choice[1].casefold(), choice[0]),
            )

    return EligibleMemberListFilter
