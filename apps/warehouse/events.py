"""``stock_low`` on ``/ws`` (ARCHITECTURE §6): an item whose free stock fell below its
``min_quantity`` (``apps.warehouse.selectors.is_low_stock``), to the office and the floor.
Not replayed — clients refetch stock after a reconnect.

The payload is the item's list row (``StockItemSerializer``'s shape, the floor's without the
unit cost) built here as plain data, so the domain never imports the API; a test keeps the two
equal."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Any

from django.utils import timezone

from apps.shops.models import Shop
from apps.warehouse.models import StockItem
from apps.warehouse.selectors import is_low_stock, stock_item_list
from flowercrm import events

CENT = Decimal("0.01")


def _money(value: Decimal) -> str:
    return f"{value.quantize(CENT):f}"


def _moment(value: dt.datetime) -> str:
    """As DRF writes a datetime: ISO 8601 in the active time zone, ``Z`` for UTC."""
    text = timezone.localtime(value).isoformat()
    return text[:-6] + "Z" if text.endswith("+00:00") else text


def stock_item_payload(item: StockItem, *, with_costs: bool = True) -> dict[str, Any]:
    """An item as its list row shows it (``with_costs=False``: the floor's shape)."""
    body: dict[str, Any] = {
        "id": item.pk,
        "name": item.name,
        "category": item.category,
        "height_cm": item.height_cm,
        "unit": item.unit,
        "quantity": item.quantity,
        "reserved": item.reserved,
        "available": item.available,
        "unit_cost": _money(item.unit_cost),
        "retail_price": _money(item.retail_price),
        "min_quantity": item.min_quantity,
        "is_low": is_low_stock(item),
        "is_active": item.is_active,
        "created_at": _moment(item.created_at),
        "updated_at": _moment(item.updated_at),
    }
    if not with_costs:
        del body["unit_cost"]
    return body


class _StockLowPayload:
    """The item's list row at commit time (None if it is no longer low by then), read once
    and shaped per audience: the floor (florists) never sees the unit cost."""

    def __init__(self, *, shop_id: int, item_id: int) -> None:
        self.shop_id, self.item_id = shop_id, item_id
        self._item: StockItem | None = None
        self._shop: Shop | None = None
        self._read = False

    def __call__(self, audience: str) -> dict[str, Any] | None:
        if not self._read:
            self._shop = Shop.objects.get(pk=self.shop_id)
            item = stock_item_list(shop=self._shop).filter(pk=self.item_id).first()
            self._item = item if item is not None and is_low_stock(item) else None
            self._read = True
        if self._item is None or self._shop is None:
            return None
        with timezone.override(self._shop.zoneinfo):
            return stock_item_payload(self._item, with_costs=audience != events.FLOOR)


def publish_stock_low(*, shop_id: int, item_id: int) -> None:
    """After commit, tell the office and the floor that the item runs low."""
    events.publish(
        shop_id=shop_id,
        type=events.STOCK_LOW,
        data=_StockLowPayload(shop_id=shop_id, item_id=item_id),
        audience=(events.OFFICE, events.FLOOR),
    )
