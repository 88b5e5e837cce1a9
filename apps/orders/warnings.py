"""Warnings, not silence (ARCHITECTURE §11.1): what an order write allows but is probably a
mistake. Each is ``{"code", "message"}``; the API answers them as ``"warnings"`` beside the
order, the admin shows them as warning messages.

- ``past_delivery_date``: the delivery date is before today in the shop's zone (orders entered
  after the fact are allowed, so this is a warning, not a 400);
- ``window_in_past``: the delivery is today and its window has already ended in the shop's zone;
- ``stock_short``: on confirmation, an item's reservations exceed what is on hand (beside the
  ``shortages`` list; confirming never fails for stock).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from typing import Any

from django.utils import timezone
from django.utils.translation import gettext

from apps.orders.models import Order
from flowercrm.warnings import Warning

PAST_DELIVERY_DATE = "past_delivery_date"
WINDOW_IN_PAST = "window_in_past"
STOCK_SHORT = "stock_short"


def delivery_warnings(order: Order, *, now: dt.datetime | None = None) -> list[Warning]:
    """``past_delivery_date`` or ``window_in_past`` for the order's delivery date and window
    as they are now, judged by the clock of the order's shop."""
    local = (now or timezone.now()).astimezone(order.shop.zoneinfo)
    today = local.date()
    if order.delivery_date < today:
        return [
            Warning(
                code=PAST_DELIVERY_DATE,
                message=gettext("The delivery date %(date)s has already passed.")
                % {"date": f"{order.delivery_date:%d.%m.%Y}"},
            )
        ]
    end = order.delivery_time_to
    if order.delivery_date == today and end is not None and end < local.time().replace(tzinfo=None):
        start = order.delivery_time_from or end
        return [
            Warning(
                code=WINDOW_IN_PAST,
                message=gettext("Today's delivery window %(start)s–%(end)s has already passed.")
                % {"start": f"{start:%H:%M}", "end": f"{end:%H:%M}"},
            )
        ]
    return []


def stock_warnings(shortages: Sequence[dict[str, Any]]) -> list[Warning]:
    """One ``stock_short`` naming every item whose reservations exceed what is on hand."""
    if not shortages:
        return []
    lines = ", ".join(
        gettext("%(name)s (reserved %(needed)s, on hand %(on_hand)s)")
        % {"name": s["name"], "needed": s["needed"], "on_hand": s["on_hand"]}
        for s in shortages
    )
    message = gettext("Reserved more than on hand: %(lines)s. A supply is needed before assembly.") % {"lines": lines}
    return [Warning(code=STOCK_SHORT, message=message)]


def order_warnings(order: Order, *, now: dt.datetime | None = None) -> list[Warning]:
    """What creating or editing ``order`` warns about (its delivery date and window)."""
    return delivery_warnings(order, now=now)
