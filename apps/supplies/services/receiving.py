"""Receiving a draft supply into stock: one ``receipt`` movement per line, new items created,
suggested retail prices. The supply row is locked and its status checked under the lock, so
two concurrent receives cannot both pass (the second is a 409 and nothing is received twice).
"""

from __future__ import annotations

from decimal import Decimal
from typing import TYPE_CHECKING

from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext

from apps.shops.models import Shop
from apps.supplies.models import Supply, SupplyLine, SupplyStatus
from apps.supplies.services.supplies import lock_draft
from apps.warehouse.models import StockCategory, StockItem, StockUnit, stock_match_key
from apps.warehouse.services import stock_item_create, stock_receive
from flowercrm.errors import Invalid
from flowercrm.limits import MONEY_MAX
from flowercrm.money import round_to_step, with_markup

if TYPE_CHECKING:
    from apps.accounts.models import User


def suggested_retail_price(*, shop: Shop, category: str, unit_cost: Decimal) -> Decimal | None:
    """cost × (1 + the category's recommended markup %) rounded half-up to the shop's
    ``price_rounding_step`` (ARCHITECTURE §4); None when it would not fit a money field."""
    raw = with_markup(unit_cost, shop.markup_for(category)["recommended"])
    price = round_to_step(raw, shop.price_rounding_step)
    return price if price <= MONEY_MAX else None


def _create_item_for_line(*, shop: Shop, line: SupplyLine) -> StockItem:
    """A new stock item for a new-item line; when a concurrent request created the same
    name and height first, that item (the unique ``match_key`` decides)."""
    key = stock_match_key(line.new_item_name, line.new_item_height_cm)
    data = {
        "name": line.new_item_name,
        "category": line.new_item_category or StockCategory.FLOWER,
        "height_cm": line.new_item_height_cm,
        "unit": line.new_item_unit or StockUnit.STEM,
    }
    try:
        with transaction.atomic():  # a savepoint, so a lost race leaves the transaction usable
            return stock_item_create(shop=shop, data=data)
    except (IntegrityError, Invalid):
        found = StockItem.objects.filter(shop=shop, match_key=key).first()
        if found is None:
            raise
        return found


@transaction.atomic
def supply_receive(*, supply: Supply, actor: User | None) -> Supply:
    """Receive a draft into stock, all lines or none:

    - the supply row is locked and its status checked under the lock: a supply that is
      already received (or cancelled) is a 409 and nothing is received twice;
    - a new-item line lands in the existing item with the same case-folded name and height
      (``stock_match_key``), or creates one; the line then points at that item;
    - each line is a ``receipt`` movement linked to the supply, at purchase price × rate in
      the shop's currency, giving the item's new weighted-average unit cost;
    - the suggested retail price (unit cost × (1 + the category's recommended markup),
      rounded half-up to the shop's step) is stored on every line and set on the item
      **only when the item has no retail price yet** (0.00): a price the shop chose is never
      overwritten by a supply; the line shows the suggestion either way.

    Existing items are locked in ``id`` order before any change and new items are created
    in ``match_key`` order, so concurrent receipts sharing items cannot deadlock.
    """
    supply = lock_draft(supply, "receive")
    shop = supply.shop
    lines = list(supply.lines.order_by("id"))
    if not lines:
        raise Invalid({"lines": [gettext("The supply has no lines.")]})
    new_keys = {
        line.id: stock_match_key(line.new_item_name, line.new_item_height_cm)
        for line in lines
        if line.stock_item_id is None
    }
    by_key = dict(
        StockItem.objects.filter(shop=shop, match_key__in=set(new_keys.values())).values_list("match_key", "id")
    )
    item_ids = {line.stock_item_id for line in lines if line.stock_item_id is not None} | set(by_key.values())
    items = {
        item.id: item
        for item in StockItem.objects.select_for_update().filter(shop=shop, id__in=sorted(item_ids)).order_by("id")
    }
    if len(items) != len(item_ids):
        raise Invalid({"lines": [gettext("A line's stock item was not found.")]})
    first_line_of: dict[str, SupplyLine] = {}
    for line in lines:
        if line.id in new_keys:
            first_line_of.setdefault(new_keys[line.id], line)
    for key in sorted(set(first_line_of) - set(by_key)):
        item = _create_item_for_line(shop=shop, line=first_line_of[key])
        items[item.id] = item
        by_key[key] = item.id

    for line in lines:
        item = items[line.stock_item_id if line.stock_item_id is not None else by_key[new_keys[line.id]]]
        line.stock_item = item
        line.new_item_name = ""
        line.new_item_height_cm = None
        stock_receive(
            item=item,
            quantity=line.quantity,
            unit_price=line.purchase_price * supply.rate,
            actor=actor,
            supply=supply,
        )
        item.refresh_from_db(fields=["quantity", "unit_cost", "retail_price"])
        line.suggested_retail_price = suggested_retail_price(
            shop=shop, category=item.category, unit_cost=item.unit_cost
        )
        line.save(
            update_fields=["stock_item", "new_item_name", "new_item_height_cm", "suggested_retail_price", "updated_at"]
        )
        if item.retail_price == 0 and line.suggested_retail_price:
            item.retail_price = line.suggested_retail_price
            item.save(update_fields=["retail_price", "updated_at"])
    supply.status = SupplyStatus.RECEIVED
    supply.received_at = timezone.now()
    supply.received_by = actor
    supply.save(update_fields=["status", "received_at", "received_by", "updated_at"])
    return supply
