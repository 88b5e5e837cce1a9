"""Reads of suppliers and supplies. List and detail reads load supplier, people and lines
with their stock items up front, so a page costs the same number of queries at any size."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from django.db.models import Prefetch, QuerySet

from apps.shops.models import Shop
from apps.supplies.models import Supplier, Supply, SupplyLine


def supplier_list(*, shop: Shop) -> QuerySet[Supplier]:
    return Supplier.objects.filter(shop=shop)


def supply_list(*, shop: Shop) -> QuerySet[Supply]:
    """The shop's supplies with everything their detail body shows (totals come from the
    prefetched lines)."""
    return (
        Supply.objects.filter(shop=shop)
        .select_related("supplier", "created_by", "received_by", "cancelled_by")
        .prefetch_related(Prefetch("lines", queryset=SupplyLine.objects.select_related("stock_item").order_by("id")))
    )


def supply_get(*, shop: Shop, pk: int) -> Supply:
    """One supply of the shop as ``supply_list`` loads it (``Supply.DoesNotExist`` otherwise)."""
    return supply_list(shop=shop).get(pk=pk)


def supply_list_values(supplies: QuerySet[Supply], *, columns: Sequence[str]) -> QuerySet[Supply, dict[str, Any]]:
    """``supplies`` (``supply_list``'s, filtered and ordered) as plain ``columns`` — the list
    page's read path (issue 17): one query with the supplier and people joined, no model
    instances; the lines come from ``supply_line_values``."""
    return supplies.prefetch_related(None).values(*columns)


def supply_line_values(*, supply_ids: Sequence[int], columns: Sequence[str]) -> list[dict[str, Any]]:
    """The lines of ``supply_ids`` (stock items joined) as plain ``columns``, in ``id``
    order: one query (none for an empty page)."""
    if not supply_ids:
        return []
    return list(SupplyLine.objects.filter(supply_id__in=supply_ids).order_by("id").values(*columns))
