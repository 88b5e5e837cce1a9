"""``stock_low`` on ``/ws`` (ARCHITECTURE §6): an item whose free stock fell below its
``min_quantity`` (``apps.warehouse.selectors.is_low_stock``), to the office and the floor.
Not replayed — clients refetch stock after a reconnect."""

from __future__ import annotations

from typing import Any

from django.utils import timezone

from apps.shops.models import Shop
from apps.warehouse.models import StockItem
from apps.warehouse.selectors import is_low_stock, stock_item_list
from flowercrm import events


class _StockLowPayload:
    """The item's list row at commit time (None if it is no longer low by then), read once
    and shaped per audience: the floor (florists) never sees the unit cost."""

    def __init__(self, *, shop_id: int, item_id: int) -> None:
        self.shop_id, self.item_id = shop_id, item_id
        self._item: StockItem | None = None
        self._shop: Shop | None = None
        self._read = False

    def __call__(self, audience: str) -> dict[str, Any] | None:
        # The serializers import the services, which publish through this module.
        from apps.warehouse.api.serializers import StockItemFloristSerializer, StockItemSerializer

        if not self._read:
            self._shop = Shop.objects.get(pk=self.shop_id)
            item = stock_item_list(shop=self._shop).filter(pk=self.item_id).first()
            self._item = item if item is not None and is_low_stock(item) else None
            self._read = True
        if self._item is None or self._shop is None:
            return None
        shape = StockItemFloristSerializer if audience == events.FLOOR else StockItemSerializer
        with timezone.override(self._shop.zoneinfo):
            return dict(shape(self._item).data)


def publish_stock_low(*, shop_id: int, item_id: int) -> None:
    """After commit, tell the office and the floor that the item runs low."""
    events.publish(
        shop_id=shop_id,
        type=events.STOCK_LOW,
        data=_StockLowPayload(shop_id=shop_id, item_id=item_id),
        audience=(events.OFFICE, events.FLOOR),
    )
