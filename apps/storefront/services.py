"""The storefront's checkout (ARCHITECTURE §11.6): an order a buyer places themselves.

It is an order like any other — ``apps.orders.services.order_create`` prices the items from
the catalog, finds or creates the buyer by phone, numbers it, logs ``created`` (the office
hears it on ``/ws`` and in Telegram after commit) — with what a stranger on the internet may
not decide taken away: no money fields (the delivery fee is the zone's or the shop's), the
source is ``storefront``, and the delivery date is today up to ``MAX_DAYS_AHEAD`` days ahead
in the shop's time zone, with a window that has not passed."""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from typing import Any

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext

from apps.customers.models import Source
from apps.orders.models import DeliveryMethod, Order
from apps.orders.services import order_create
from apps.shops.models import DeliveryZone, Shop
from flowercrm.errors import Invalid

MAX_DAYS_AHEAD = 60

# What the checkout passes on to ``order_create``: never ``delivery_fee``, ``discount``,
# ``customer_id``, ``source`` or assignments, whatever the caller sends.
ORDER_FIELDS = (
    "recipient_name",
    "recipient_phone",
    "is_anonymous",
    "delivery_method",
    "delivery_address",
    "delivery_entrance",
    "delivery_floor",
    "delivery_intercom",
    "call_before",
    "surprise",
    "delivery_date",
    "delivery_time_from",
    "delivery_time_to",
    "card_text",
    "comment",
)


def storefront_window_check(*, shop: Shop, data: Mapping[str, Any], now: dt.datetime | None = None) -> None:
    """The delivery date is from today to ``MAX_DAYS_AHEAD`` days ahead, and today's window
    has not ended — in the shop's time zone. A 400 on the field otherwise."""
    local_now = timezone.localtime(now or timezone.now(), shop.zoneinfo)
    today = local_now.date()
    day: dt.date = data["delivery_date"]
    if day < today:
        raise Invalid({"delivery_date": [gettext("The delivery date has passed.")]})
    if day > today + dt.timedelta(days=MAX_DAYS_AHEAD):
        raise Invalid(
            {"delivery_date": [gettext("Orders are taken at most %(days)d days ahead.") % {"days": MAX_DAYS_AHEAD}]}
        )
    end: dt.time | None = data.get("delivery_time_to")
    if day == today and end is not None and end <= local_now.time().replace(tzinfo=None):
        raise Invalid({"delivery_time_to": [gettext("This delivery window has already passed.")]})


def _zone(*, shop: Shop, data: Mapping[str, Any]) -> DeliveryZone | None:
    """The delivery zone: required for a delivery when the shop has zones (its fee is the
    order's); a pickup has none."""
    if data.get("delivery_method", DeliveryMethod.DELIVERY) == DeliveryMethod.PICKUP:
        return None
    zone: DeliveryZone | None = data.get("delivery_zone")
    if zone is not None and zone.shop_id != shop.id:  # the serializer checked it; services re-check
        raise Invalid({"delivery_zone_id": [gettext("Delivery zone not found.")]})
    if zone is None and DeliveryZone.objects.filter(shop=shop).exists():
        raise Invalid({"delivery_zone_id": [gettext("Choose a delivery zone.")]})
    return zone


@transaction.atomic
def storefront_checkout(*, shop: Shop, data: Mapping[str, Any], now: dt.datetime | None = None) -> Order:
    """Place a buyer's order from the storefront: all of it or nothing. ``data`` is the
    checkout's validated body (``customer`` {phone, name}, the order's details, ``items``
    [{product, quantity}], ``payment_method`` — a preference kept in the event log). Prices,
    the delivery fee and the total are the server's; the order starts ``new``."""
    storefront_window_check(shop=shop, data=data, now=now)
    if (
        data.get("delivery_method", DeliveryMethod.DELIVERY) == DeliveryMethod.DELIVERY
        and not str(data.get("delivery_address", "")).strip()
    ):
        raise Invalid({"delivery_address": [gettext("Give the delivery address.")]})
    order_data: dict[str, Any] = {name: data[name] for name in ORDER_FIELDS if name in data}
    order_data.update(
        customer={"phone": data["customer"]["phone"], "name": data["customer"].get("name", "")},
        delivery_zone=_zone(shop=shop, data=data),
        items=data["items"],
        source=Source.STOREFRONT,
    )
    extra = {"source": Source.STOREFRONT}
    if data.get("payment_method"):
        extra["payment_method"] = data["payment_method"]
    return order_create(shop=shop, actor=None, data=order_data, event_data=extra)
