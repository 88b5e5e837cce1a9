"""The period of a report (ARCHITECTURE §11.5): ``date_from``/``date_to`` inclusive, in the
shop's time zone, at most 366 days, grouped by day, week or month."""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from django.utils.translation import gettext

from apps.orders.selectors import shop_today
from flowercrm.errors import Invalid

if TYPE_CHECKING:
    from apps.shops.models import Shop

GROUPS = ("day", "week", "month")
DEFAULT_DAYS = 30
MAX_DAYS = 366
# Dates outside these bounds are refused before they reach the database or a time zone
# conversion (year 1 minus an offset overflows).
MIN_DATE = dt.date(1970, 1, 1)
MAX_DATE = dt.date(2999, 12, 31)
_DATE = re.compile(r"^\d{4}-\d{2}-\d{2}$")


def _parse_date(raw: Any, field: str) -> dt.date | None:
    if raw is None or raw == "":
        return None
    message = gettext("A date as YYYY-MM-DD between %(min)s and %(max)s.") % {
        "min": MIN_DATE.isoformat(),
        "max": MAX_DATE.isoformat(),
    }
    if not isinstance(raw, str) or not _DATE.match(raw):
        raise Invalid({field: [message]})
    try:
        value = dt.date.fromisoformat(raw)
    except ValueError:
        raise Invalid({field: [message]}) from None
    if not MIN_DATE <= value <= MAX_DATE:
        raise Invalid({field: [message]})
    return value


@dataclass(frozen=True)
class ReportPeriod:
    """``date_from`` … ``date_to`` (both included) as the shop's local days, and ``group``."""

    date_from: dt.date
    date_to: dt.date
    group: str = "day"

    @classmethod
    def parse(cls, *, shop: Shop, params: Mapping[str, Any], today: dt.date | None = None) -> ReportPeriod:
        """Read ``date_from``, ``date_to`` and ``group`` from query parameters.

        Defaults: ``date_to`` today in the shop's zone (``date_from`` when that is later),
        ``date_from`` 29 days before ``date_to`` (30 days); ``group`` day. A malformed date, an unknown group, a reversed period or one
        over 366 days raises ``Invalid`` (400 with ``errors`` by field)."""
        date_from = _parse_date(params.get("date_from"), "date_from")
        date_to = _parse_date(params.get("date_to"), "date_to")
        group = params.get("group") or "day"
        if group not in GROUPS:
            raise Invalid({"group": [gettext("One of: %(values)s.") % {"values": ", ".join(GROUPS)}]})
        if date_to is None:
            today = today or shop_today(shop)
            date_to = today if date_from is None else max(date_from, today)
        if date_from is None:
            date_from = max(MIN_DATE, date_to - dt.timedelta(days=DEFAULT_DAYS - 1))
        return cls.of(date_from, date_to, group)

    @classmethod
    def of(cls, date_from: dt.date, date_to: dt.date, group: str = "day") -> ReportPeriod:
        """A checked period (the selectors call it too, so every caller gets the same rules)."""
        if group not in GROUPS:
            raise Invalid({"group": [gettext("One of: %(values)s.") % {"values": ", ".join(GROUPS)}]})
        if date_to < date_from:
            raise Invalid({"date_to": [gettext("The period ends before it starts.")]})
        if (date_to - date_from).days + 1 > MAX_DAYS:
            raise Invalid({"date_to": [gettext("A report covers at most %(days)d days.") % {"days": MAX_DAYS}]})
        if date_from < MIN_DATE or date_to > MAX_DATE:
            raise Invalid({"date_from": [gettext("The period is out of range.")]})
        return cls(date_from, date_to, group)

    @property
    def days(self) -> int:
        return (self.date_to - self.date_from).days + 1

    def bounds(self, shop: Shop) -> tuple[dt.datetime, dt.datetime]:
        """``[start, end)`` as aware datetimes: the shop's midnight of ``date_from`` and of the
        day after ``date_to`` (a payment at 23:30 local time falls on that local day)."""
        zone = shop.zoneinfo
        start = dt.datetime.combine(self.date_from, dt.time.min, tzinfo=zone)
        end = dt.datetime.combine(self.date_to + dt.timedelta(days=1), dt.time.min, tzinfo=zone)
        return start, end

    def period_start(self, day: dt.date) -> dt.date:
        """The first day of the group ``day`` belongs to (Monday of its week, 1st of its month)."""
        if self.group == "week":
            return day - dt.timedelta(days=day.weekday())
        if self.group == "month":
            return day.replace(day=1)
        return day

    def periods(self) -> Iterator[dt.date]:
        """Every group's first day from the one holding ``date_from`` to the one holding ``date_to``."""
        current = self.period_start(self.date_from)
        while current <= self.date_to:
            yield current
            if self.group == "week":
                current += dt.timedelta(days=7)
            elif self.group == "month":
                current = (current.replace(day=28) + dt.timedelta(days=4)).replace(day=1)
            else:
                current += dt.timedelta(days=1)
