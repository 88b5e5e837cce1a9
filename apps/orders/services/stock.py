"""The stock an order holds and takes: recipe lines, reservations at confirmation, the lines an
assembly consumes. Called by the status machine's effects and by item edits, with the order
row locked."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Mapping
from typing import Any

from django.db.models import F
from django.utils.translation import gettext

from apps.orders.models import Order, OrderItem, OrderReservation
from apps.shops.models import Shop
from apps.warehouse.models import StockItem
from apps.warehouse.services import stock_release, stock_reserve
from flowercrm.errors import Invalid
from flowercrm.locking import lock_rows


def recipe_lines(order: Order) -> dict[int, int]:
    """``{stock_item_id: quantity}`` the order's items take by their recipes now."""
    lines: dict[int, int] = defaultdict(int)
    rows = OrderItem.objects.filter(order=order, product__components__isnull=False).values_list(
        "quantity", "product__components__stock_item_id", "product__components__quantity"
    )
    for ordered, stock_item_id, per_product in rows:
        lines[stock_item_id] += per_product * ordered
    return dict(lines)


def reserved_lines(order: Order) -> dict[int, int]:
    """``{stock_item_id: quantity}`` stored on the order at confirmation."""
    return dict(order.reservations.values_list("stock_item_id", "quantity"))


def assembly_lines(
    order: Order,
    *,
    reserved: Mapping[int, int],
    consumption: Mapping[int, int] | None = None,
    extra_consumption: Mapping[int, int] | None = None,
) -> dict[int, int]:
    """``{stock_item_id: quantity}`` an assembly takes from on-hand stock (ARCHITECTURE §11.1):

    - ``consumption`` is the florist's full actual use: it replaces the reserved lines;
    - ``extra_consumption`` is added to the reserved lines;
    - neither: the reserved lines (the recipe as it was at confirmation, or the recipe now
      if nothing was reserved).

    On a re-assembly (assembled → in_production → assembled) the recipe was taken already,
    so only what is sent is taken: ``consumption`` or ``extra_consumption``, never the recipe
    again."""
    if consumption:
        return dict(consumption)
    lines: dict[int, int] = defaultdict(int)
    if not order.recipe_consumed:
        for item_id, quantity in (reserved or recipe_lines(order)).items():
            lines[item_id] += quantity
    for item_id, quantity in (extra_consumption or {}).items():
        lines[item_id] += quantity
    return dict(lines)


def lock_stock(shop: Shop, item_ids: Iterable[int]) -> None:
    """Lock every stock row a write will touch, at once and in ``id`` order (lock order step
    4). A write that releases one set of rows and then reserves or consumes another would
    otherwise lock them in two passes, each sorted but not sorted together, and two such
    writes could wait for each other."""
    ids = set(item_ids)
    if ids:
        lock_rows(StockItem.objects.filter(shop=shop), ids)


def reserve_recipe(order: Order) -> None:
    """Reserve the recipe lines of every item and store them on the order."""
    lines = recipe_lines(order)
    if lines:
        OrderReservation.objects.bulk_create(
            [OrderReservation(order=order, stock_item_id=k, quantity=v) for k, v in sorted(lines.items())]
        )
        stock_reserve(shop=order.shop, lines=lines)


def release_reservations(order: Order) -> None:
    """Give back exactly what was reserved at confirmation (never the recipe as it is now)."""
    lines = reserved_lines(order)
    if lines:
        stock_release(shop=order.shop, lines=lines)
        order.reservations.all().delete()


def reserve_again(order: Order) -> None:
    """The items of a confirmed order changed: its reservation follows them."""
    lock_stock(order.shop, [*reserved_lines(order), *recipe_lines(order)])
    release_reservations(order)
    reserve_recipe(order)


def shortages_of(order: Order) -> list[dict[str, Any]]:
    """The order's reserved items whose reservations (of every order) exceed what is on hand."""
    ids = list(order.reservations.values_list("stock_item_id", flat=True))
    return [
        {"stock_item_id": item.id, "name": item.name, "needed": item.reserved, "on_hand": item.quantity}
        for item in StockItem.objects.filter(id__in=ids, reserved__gt=F("quantity")).order_by("id")
    ]


def check_stock_lines(shop: Shop, lines: Mapping[int, int] | None, field: str) -> None:
    """Every stock item of ``lines`` belongs to ``shop`` (the serializer checked it too)."""
    if not lines:
        return
    found = set(StockItem.objects.filter(shop=shop, id__in=list(lines)).values_list("id", flat=True))
    unknown = sorted(set(lines) - found)
    if unknown:
        raise Invalid({field: [gettext("Stock items not found: %(ids)s.") % {"ids": ", ".join(map(str, unknown))}]})
