"""Reads of stock items and the ledger. Each list is built from the shop and carries what
its serializer needs, so a page costs the same number of queries for 1 row and for 500."""

from __future__ import annotations

from collections.abc import Sequence

from django.db.models import F, Q, QuerySet

from apps.shops.models import Shop
from apps.warehouse.models import StockItem, StockMovement

# ``available`` is a read-only property on the model, so the annotation has its own name.
AVAILABLE = "available_quantity"


def low_stock_q() -> Q:
    """The one definition of "low stock" (``?low=true`` and, later, the ``stock_low`` event):
    a threshold is set (``min_quantity > 0``) and what is free for new orders
    (``available`` = quantity − reserved) is below it. Reserved stems are already promised,
    so they do not count as stock that keeps a shop going."""
    return Q(min_quantity__gt=0) & Q(quantity__lt=F("min_quantity") + F("reserved"))


def is_low_stock(item: StockItem) -> bool:
    """``low_stock_q`` for one loaded item."""
    return item.min_quantity > 0 and item.available < item.min_quantity


def stock_item_list(*, shop: Shop) -> QuerySet[StockItem]:
    """The shop's stock items with ``available_quantity`` annotated (for ordering)."""
    return StockItem.objects.filter(shop=shop).annotate(**{AVAILABLE: F("quantity") - F("reserved")})


def movement_list(*, shop: Shop) -> QuerySet[StockMovement]:
    """The shop's ledger, newest first, with the item and the actor joined."""
    return StockMovement.objects.filter(shop=shop).select_related("item", "actor").order_by("-created_at", "-id")


def stock_low_summary(*, shops: Sequence[Shop], limit: int = 5) -> tuple[int, list[StockItem]]:
    """How many items of ``shops`` are low (``low_stock_q``) and the ``limit`` lowest of
    them (least available first, relative to their threshold): two queries."""
    low = StockItem.objects.filter(low_stock_q(), shop__in=shops)
    first = list(
        low.annotate(**{AVAILABLE: F("quantity") - F("reserved")}).order_by(
            F(AVAILABLE) - F("min_quantity"), "name", "id"
        )[:limit]
    )
    return low.count(), first
