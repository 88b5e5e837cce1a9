"""Every change to stock. Quantities change only here, each with a ledger movement in the
same transaction; reservations change ``reserved`` and write no movement.

Rows are locked with ``select_for_update`` in ``id`` order (deadlock-free), checked, then
changed, so concurrent requests never oversell and never lose an update. The CHECK
constraints (``quantity >= 0``, ``reserved >= 0``) stand behind the checks.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal
from typing import TYPE_CHECKING, Any

from django.db import transaction
from django.db.models import ProtectedError
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from apps.shops.models import Shop
from apps.warehouse.constants import REASON_MAX_LENGTH
from apps.warehouse.events import publish_stock_low
from apps.warehouse.models import MovementKind, StockItem, StockMovement, WriteOffReason, stock_match_key
from apps.warehouse.selectors import is_low_stock
from flowercrm.bulk import bulk_insert, bulk_insert_values
from flowercrm.errors import InsufficientStock, Invalid, NotFound, Protected
from flowercrm.limits import MONEY_MAX, QUANTITY_MAX
from flowercrm.locking import lock_row
from flowercrm.updates import model_update, model_validate, values_validate

if TYPE_CHECKING:
    from apps.accounts.models import User

CENT = Decimal("0.01")
ITEM_FIELDS = ("name", "category", "height_cm", "unit", "retail_price", "min_quantity", "is_active")
# Computed by the model on save; the shop is the caller's.
NOT_VALIDATED = ("shop", "match_key", "search_text")
# An item edited, moved or deleted while another request deleted it.
VANISHED = _("Stock item not found: it was deleted.")
DUPLICATE_ITEM = _("An item with this name and height already exists.")


def _lock(shop: Shop, item_ids: list[int], *, one: bool = False) -> dict[int, StockItem]:
    """Lock the items in id order. Unknown ids (also ones deleted while we waited for the
    lock) are a 400 on ``stock_item_id`` for lines a client sent, or a 404 when ``one`` item
    named by the path is gone."""
    items = StockItem.objects.select_for_update().filter(shop=shop, id__in=sorted(set(item_ids))).order_by("id")
    found = {item.id: item for item in items}
    unknown = sorted(set(item_ids) - set(found))
    if unknown and one:
        raise NotFound(VANISHED)
    if unknown:
        raise Invalid(
            {"stock_item_id": [gettext("Stock items not found: %(ids)s.") % {"ids": ", ".join(map(str, unknown))}]}
        )
    for item in found.values():
        item.was_low = is_low_stock(item)  # type: ignore[attr-defined]  # stock_low fires on the crossing
    return found


def _stock_changed(items: Iterable[StockItem]) -> None:
    """Called by every service below with the locked, already changed items, inside its
    transaction: ``stock_low`` is published (after commit) for each item that has just become
    low (``apps.warehouse.selectors.is_low_stock``), not again while it stays low."""
    for item in items:
        if is_low_stock(item) and not getattr(item, "was_low", False):
            publish_stock_low(shop_id=item.shop_id, item_id=item.pk)


def _check_quantity(quantity: int, *, allow_zero: bool = False) -> None:
    low = 0 if allow_zero else 1
    if isinstance(quantity, bool) or not isinstance(quantity, int) or not low <= quantity <= QUANTITY_MAX:
        raise Invalid({"quantity": [gettext("Quantity from %(min)d to %(max)d.") % {"min": low, "max": QUANTITY_MAX}]})


def _movement(
    item: StockItem,
    *,
    kind: str,
    delta: int,
    actor: User | None,
    reason: str = "",
    note: str = "",
    **links: Any,
) -> StockMovement:
    return StockMovement.objects.create(
        shop_id=item.shop_id,
        item=item,
        kind=kind,
        delta=delta,
        balance_after=item.quantity,
        reason=reason,
        note=note,
        unit_cost=item.unit_cost,
        actor=actor,
        **links,
    )


@transaction.atomic
def stock_item_create(*, shop: Shop, data: Mapping[str, Any]) -> StockItem:
    """A new stock item with nothing on hand (stock arrives through supplies or a stocktake)."""
    item = StockItem(shop=shop)
    model_update(instance=item, fields=ITEM_FIELDS, data=data, validate=False, save=False)
    model_validate(item, exclude=NOT_VALIDATED)
    _ensure_unique(item, name=item.name, height_cm=item.height_cm)
    item.save()
    return item


@transaction.atomic
def stock_item_update(*, item: StockItem, data: Mapping[str, Any]) -> StockItem:
    """Change an item's description and prices; quantities are never edited here. An item
    deleted meanwhile is ``NotFound`` (404)."""
    item = lock_row(StockItem.objects.all(), item.pk, vanished=NotFound(VANISHED))
    _ensure_unique(item, name=data.get("name", item.name), height_cm=data.get("height_cm", item.height_cm))
    model_update(instance=item, fields=ITEM_FIELDS, data=data, exclude_validation=NOT_VALIDATED)
    return item


@transaction.atomic
def stock_item_delete(*, item: StockItem) -> None:
    """Delete an item that nothing refers to. An item with ledger movements, reservations,
    recipe, supply or order lines is ``Protected`` (409) and stays; retire it with
    ``is_active=False`` instead, so the ledger keeps its history. An item deleted meanwhile
    is ``NotFound`` (404)."""
    item = lock_row(StockItem.objects.all(), item.pk, vanished=NotFound(VANISHED))
    if item.reserved > 0:
        raise Protected(gettext("The item is reserved by orders; take it off sale (is_active=false)."))
    if StockMovement.objects.filter(item=item).exists():
        raise Protected(gettext("The item has stock movements; take it off sale (is_active=false)."))
    try:
        item.delete()  # Django's collector refuses PROTECT references before deleting anything
    except ProtectedError:
        raise Protected(
            gettext("The item is in use (recipes, supplies or orders); take it off sale (is_active=false).")
        ) from None


def _ensure_unique(item: StockItem, *, name: str, height_cm: int | None) -> None:
    """One item per case-folded name and height in a shop (a 400 before the unique
    constraint would answer 409)."""
    key = stock_match_key(name or "", height_cm)
    if StockItem.objects.filter(shop_id=item.shop_id, match_key=key).exclude(pk=item.pk).exists():
        raise Invalid({"name": [str(DUPLICATE_ITEM)]})


def weighted_unit_cost(*, on_hand: int, unit_cost: Decimal, received: int, unit_price: Decimal) -> Decimal:
    """``(q·c + n·p) / (q + n)`` quantized half-up to 0.01 (ARCHITECTURE §4)."""
    total = Decimal(on_hand) * unit_cost + Decimal(received) * unit_price
    return (total / Decimal(on_hand + received)).quantize(CENT, rounding=ROUND_HALF_UP)


@transaction.atomic
def stock_receive(
    *, item: StockItem, quantity: int, unit_price: Decimal, actor: User | None, note: str = "", **links: Any
) -> StockMovement:
    """Receive ``quantity`` units that cost ``unit_price`` each in the shop's currency: a
    ``receipt`` movement and the new weighted-average unit cost."""
    _check_quantity(quantity)
    if unit_price < 0:
        raise Invalid({"unit_price": [gettext("The price cannot be negative.")]})
    locked = _lock(item.shop, [item.id], one=True)[item.id]
    locked.unit_cost = weighted_unit_cost(
        on_hand=locked.quantity, unit_cost=locked.unit_cost, received=quantity, unit_price=unit_price
    )
    locked.quantity += quantity
    locked.save(update_fields=["quantity", "unit_cost", "updated_at"])
    movement = _movement(locked, kind=MovementKind.RECEIPT, delta=quantity, actor=actor, note=note, **links)
    _stock_changed([locked])
    return movement


@transaction.atomic
def stock_consume(
    *, shop: Shop, lines: Mapping[int, int], actor: User | None, note: str = "", **links: Any
) -> list[StockMovement]:
    """Take ``{item_id: quantity}`` from on-hand stock (an order assembled): all lines or
    none. Short lines raise ``InsufficientStock`` listing every shortage."""
    for quantity in lines.values():
        _check_quantity(quantity)
    items = _lock(shop, list(lines))
    missing = [
        {"stock_item_id": item_id, "name": items[item_id].name, "needed": needed, "on_hand": items[item_id].quantity}
        for item_id, needed in sorted(lines.items())
        if items[item_id].quantity < needed
    ]
    if missing:
        raise InsufficientStock(missing)
    movements = []
    for item_id, needed in sorted(lines.items()):
        item = items[item_id]
        item.quantity -= needed
        item.save(update_fields=["quantity", "updated_at"])
        movements.append(_movement(item, kind=MovementKind.CONSUMPTION, delta=-needed, actor=actor, note=note, **links))
    _stock_changed(items.values())
    return movements


@transaction.atomic
def stock_write_off(
    *, item: StockItem, quantity: int, reason: str, actor: User | None, note: str = ""
) -> StockMovement:
    """Write off wilted, damaged or lost stock. ``other`` needs a note. More than on hand is
    ``InsufficientStock`` and changes nothing."""
    _check_quantity(quantity)
    if reason not in WriteOffReason.values:
        raise Invalid({"reason": [gettext("Reason: wilted, damaged, lost or other.")]})
    if reason == WriteOffReason.OTHER and not note.strip():
        raise Invalid({"note": [gettext("Describe the reason for the write-off.")]})
    locked = _lock(item.shop, [item.id], one=True)[item.id]
    if locked.quantity < quantity:
        raise InsufficientStock(
            [{"stock_item_id": locked.id, "name": locked.name, "needed": quantity, "on_hand": locked.quantity}]
        )
    locked.quantity -= quantity
    locked.save(update_fields=["quantity", "updated_at"])
    movement = _movement(locked, kind=MovementKind.WRITE_OFF, delta=-quantity, actor=actor, reason=reason, note=note)
    _stock_changed([locked])
    return movement


@transaction.atomic
def stock_adjust(*, item: StockItem, counted_quantity: int, reason: str, actor: User | None) -> StockMovement | None:
    """A stocktake: set on-hand to what was counted with an ``adjustment`` movement (none
    when the count matches). The unit cost does not change."""
    _check_quantity(counted_quantity, allow_zero=True)
    reason = reason.strip()
    if not reason:
        raise Invalid({"reason": [gettext("Give the reason for the adjustment.")]})
    if len(reason) > REASON_MAX_LENGTH:
        raise Invalid({"reason": [gettext("At most %(limit)d characters.") % {"limit": REASON_MAX_LENGTH}]})
    locked = _lock(item.shop, [item.id], one=True)[item.id]
    delta = counted_quantity - locked.quantity
    if delta == 0:
        return None
    locked.quantity = counted_quantity
    locked.save(update_fields=["quantity", "updated_at"])
    movement = _movement(locked, kind=MovementKind.ADJUSTMENT, delta=delta, actor=actor, reason=reason)
    _stock_changed([locked])
    return movement


@transaction.atomic
def stock_reserve(*, shop: Shop, lines: Mapping[int, int]) -> None:
    """Hold ``{item_id: quantity}`` for an order. Never fails for stock: ``available`` may go
    negative (florists take holiday pre-orders before the supply arrives)."""
    for quantity in lines.values():
        _check_quantity(quantity)
    items = _lock(shop, list(lines))
    for item_id, quantity in sorted(lines.items()):
        items[item_id].reserved += quantity
        items[item_id].save(update_fields=["reserved", "updated_at"])
    _stock_changed(items.values())


@transaction.atomic
def stock_release(*, shop: Shop, lines: Mapping[int, int]) -> None:
    """Give back exactly what a reservation held."""
    for quantity in lines.values():
        _check_quantity(quantity)
    items = _lock(shop, list(lines))
    short = [item_id for item_id, quantity in sorted(lines.items()) if items[item_id].reserved < quantity]
    if short:
        raise Invalid(
            {
                "stock_item_id": [
                    gettext("The reserve of item %(id)s is less than what is returned.") % {"id": item_id}
                    for item_id in short
                ]
            }
        )
    for item_id, quantity in sorted(lines.items()):
        items[item_id].reserved -= quantity
        items[item_id].save(update_fields=["reserved", "updated_at"])
    _stock_changed(items.values())


# The reason of the ``adjustment`` a file import makes (ARCHITECTURE §11.3).
IMPORT_REASON = "import"


@transaction.atomic
def stock_count_import(
    *, item: StockItem, counted_quantity: int, unit_cost: Decimal | None, actor: User | None
) -> tuple[StockMovement | None, bool]:
    """A counted on-hand figure from an imported file: an ``adjustment`` movement with reason
    ``import`` to ``counted_quantity`` (none when it matches) and, for an item that has no
    receipt yet, ``unit_cost`` as its opening unit cost (an item with receipts keeps the
    weighted average of its receipts). Answers the movement and whether the cost changed."""
    unit_cost = _check_count(counted_quantity, unit_cost)
    locked = _lock(item.shop, [item.id], one=True)[item.id]
    cost_changed = _takes_opening_cost(
        locked, unit_cost, lambda: locked.movements.filter(kind=MovementKind.RECEIPT).exists()
    )
    if cost_changed and unit_cost is not None:
        locked.unit_cost = unit_cost
    delta = counted_quantity - locked.quantity
    if delta == 0:
        if cost_changed:
            locked.save(update_fields=["unit_cost", "updated_at"])
        return None, cost_changed
    locked.quantity = counted_quantity
    locked.save(update_fields=["quantity", "unit_cost", "updated_at"])
    movement = _movement(locked, kind=MovementKind.ADJUSTMENT, delta=delta, actor=actor, reason=IMPORT_REASON)
    _stock_changed([locked])
    return movement, cost_changed


def _takes_opening_cost(item: StockItem, unit_cost: Decimal | None, has_receipts: Callable[[], bool]) -> bool:
    """Whether a count with ``unit_cost`` (checked) sets it as the item's opening cost: a
    different cost, and no receipt yet (asked last: a query)."""
    return unit_cost is not None and unit_cost != item.unit_cost and not has_receipts()


@transaction.atomic
def stock_counts_unchanged(*, shop: Shop, counts: Sequence[tuple[int, int | None, Decimal | None]]) -> list[bool]:
    """For ``(item id, counted quantity or None, unit cost or None)`` of items of ``shop``:
    whether ``stock_count_import`` would leave the item as it is (no movement, no opening
    cost) — asked for many items at once, with the items locked as it locks them (until the
    transaction ends, in id order) and one query for their receipts. A count it would refuse,
    or an item not found, is ``False`` (the caller applies it and gets the error)."""
    items = _lock_found(shop, [item_id for item_id, _, _ in counts])
    with_receipts = set(
        StockMovement.objects.filter(item_id__in=list(items), kind=MovementKind.RECEIPT).values_list(
            "item_id", flat=True
        )
    )
    answers = []
    for item_id, quantity, unit_cost in counts:
        item = items.get(item_id)
        if item is None:
            answers.append(False)
            continue
        counted = item.quantity if quantity is None else quantity
        try:
            cost = _check_count(counted, unit_cost)
        except Invalid:
            answers.append(False)
            continue
        has_receipts = item_id in with_receipts
        changed = counted != item.quantity or _takes_opening_cost(item, cost, lambda: has_receipts)  # noqa: B023
        answers.append(not changed)
    return answers


def _lock_found(shop: Shop, item_ids: list[int]) -> dict[int, StockItem]:
    """Lock the items of ``shop`` among ``item_ids`` in id order (those gone are left out)."""
    items = StockItem.objects.select_for_update().filter(shop=shop, id__in=sorted(set(item_ids))).order_by("id")
    return {item.id: item for item in items}


def _check_count(counted_quantity: int, unit_cost: Decimal | None) -> Decimal | None:
    """The checks of a counted figure and an opening cost; the cost as stored (cents)."""
    _check_quantity(counted_quantity, allow_zero=True)
    if unit_cost is not None and not Decimal(0) <= unit_cost <= MONEY_MAX:
        raise Invalid({"unit_cost": [gettext("From 0 to %(max)s.") % {"max": MONEY_MAX}]})
    return None if unit_cost is None else unit_cost.quantize(CENT, rounding=ROUND_HALF_UP)


@dataclass(frozen=True)
class CountedItem:
    """A new item of a file import: its fields (as ``stock_item_create`` takes them), its
    counted on-hand figure and its opening unit cost (``None``: not given)."""

    data: Mapping[str, Any]
    quantity: int | None = None
    unit_cost: Decimal | None = None


@transaction.atomic
def stock_items_create_counted(
    *, shop: Shop, rows: Sequence[CountedItem], actor: User | None
) -> list[StockItem | dict[str, Any] | None]:
    """``stock_item_create`` and then ``stock_count_import`` for many new items at once (a
    file import). Answers per row the new item, the row's errors by field (the same checks in
    the same order as the per-row services; a bad row writes nothing), or ``None`` for a row
    whose name and height the shop has — or an earlier row has —: not created here (the
    caller applies it after, one by one). The good rows are written with one insert of the
    items, already at their counted quantity and opening unit cost, and one of their
    ``adjustment`` movements (reason ``import``; none for a count of 0): the items and the
    ledger the per-row services leave (a test compares the two). A concurrent insert of the
    same item is the unique constraint's ``IntegrityError``."""
    keys = [stock_match_key(row.data.get("name") or "", row.data.get("height_cm")) for row in rows]
    taken = set(StockItem.objects.filter(shop=shop, match_key__in=set(keys)).values_list("match_key", flat=True))
    answers: list[StockItem | dict[str, Any] | None] = []
    items: list[StockItem] = []
    for row, key in zip(rows, keys, strict=True):
        if key in taken:
            answers.append(None)
            continue
        try:
            values = {name: row.data[name] for name in ITEM_FIELDS if name in row.data}
            values = values_validate(StockItem, values, exclude=NOT_VALIDATED)
            counted = row.quantity is not None or row.unit_cost is not None
            unit_cost = _check_count(0 if row.quantity is None else row.quantity, row.unit_cost) if counted else None
        except Invalid as exc:
            answers.append(exc.extra["errors"])
            continue
        taken.add(key)
        item = StockItem(shop=shop, **values)
        item.was_low = is_low_stock(item)  # type: ignore[attr-defined]  # nothing on hand yet
        if unit_cost is not None:
            item.unit_cost = unit_cost  # a new item has no receipts: its opening cost
        item.quantity = row.quantity or 0
        # What ``StockItem.save`` computes.
        item.match_key = key
        item.search_text = item.compute_search_text()
        items.append(item)
        answers.append(item)
    bulk_insert(StockItem, items)
    bulk_insert_values(
        StockMovement,
        [
            {
                "shop_id": item.shop_id,
                "item_id": item.pk,
                "kind": MovementKind.ADJUSTMENT.value,
                "delta": item.quantity,
                "balance_after": item.quantity,
                "reason": IMPORT_REASON,
                "unit_cost": item.unit_cost,
                "actor_id": actor.pk if actor is not None else None,
            }
            for item in items
            if item.quantity
        ],
    )
    _stock_changed(items)
    return answers
