"""The rules of one supply line, written once. The services (API and admin saves), the admin
inline (through ``SupplyLine.clean``) and the text parser check a line here:

- exactly one of an existing stock item (of the supply's shop) or a new item's name;
- a new item's name of at most ``NAME_MAX_LENGTH`` characters, a known category and unit,
  a height of 1..``HEIGHT_MAX_CM`` cm (or none);
- a quantity of 1..``QUANTITY_MAX``;
- a purchase price of 0..``PRICE_MAX`` with at most 4 decimals that, converted at the
  supply's rate, fits a money field.

Errors come by model field name (``stock_item``, ``new_item_name``…), one message each.
"""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from apps.supplies.constants import PRICE_MAX, PRICE_STEP
from apps.warehouse.constants import HEIGHT_MAX_CM, NAME_MAX_LENGTH
from apps.warehouse.models import StockCategory, StockItem, StockUnit
from flowercrm.limits import MONEY_MAX, QUANTITY_MAX

ITEM_NOT_FOUND = _("Stock item not found.")


def clean_item_name(value: Any) -> str:
    """A new item's name as stored: runs of whitespace collapsed to one space."""
    return " ".join(str(value or "").split())


def _is_int(value: Any) -> bool:
    return isinstance(value, int) and not isinstance(value, bool)


def _item_error(stock_item: Any, name: str, shop_id: int | None) -> str | None:
    if (stock_item is None) == (not name):
        return gettext("Give a stock item or the name of a new item (one of the two).")
    if stock_item is not None and (
        not isinstance(stock_item, StockItem) or (shop_id is not None and stock_item.shop_id != shop_id)
    ):
        return str(ITEM_NOT_FOUND)
    return None


def _height_error(height: Any) -> str | None:
    if height is None or (_is_int(height) and 1 <= height <= HEIGHT_MAX_CM):
        return None
    return gettext("Height from 1 to %(max)s cm.") % {"max": HEIGHT_MAX_CM}


def _quantity_error(quantity: Any) -> str | None:
    if _is_int(quantity) and 1 <= quantity <= QUANTITY_MAX:
        return None
    return gettext("Quantity from 1 to %(max)s.") % {"max": QUANTITY_MAX}


def price_fits(price: Decimal, rate: Decimal | None) -> bool:
    """Whether a purchase price converted at ``rate`` fits a money field of the shop."""
    return not rate or price * rate <= MONEY_MAX


def _price_error(price: Any, rate: Decimal | None) -> str | None:
    if not isinstance(price, Decimal) or not price.is_finite() or not 0 <= price <= PRICE_MAX:
        return gettext("The price is a number from 0 (up to 4 decimal places).")
    if price != price.quantize(PRICE_STEP):
        return gettext("At most 4 decimal places.")
    if not price_fits(price, rate):
        return gettext("The price in the shop's currency is too large.")
    return None


def supply_line_errors(
    *,
    shop_id: int | None,
    rate: Decimal | None,
    quantity: Any,
    purchase_price: Any,
    stock_item: Any = None,
    new_item_name: Any = "",
    new_item_category: Any = StockCategory.FLOWER,
    new_item_height_cm: Any = None,
    new_item_unit: Any = StockUnit.STEM,
) -> dict[str, str]:
    """``{field: message}`` for every rule the line breaks (empty when none). ``shop_id`` and
    ``rate`` are the supply's (None when not known yet: the item's shop and the conversion
    are not checked then). A blank category or unit means the default (flower, stem)."""
    name = clean_item_name(new_item_name)
    checks = {
        "stock_item": _item_error(stock_item, name, shop_id),
        "new_item_name": gettext("At most %(limit)s characters.") % {"limit": NAME_MAX_LENGTH}
        if len(name) > NAME_MAX_LENGTH
        else None,
        "new_item_category": None
        if (new_item_category or StockCategory.FLOWER) in StockCategory.values
        else gettext("Unknown category."),
        "new_item_height_cm": _height_error(new_item_height_cm),
        "new_item_unit": None if (new_item_unit or StockUnit.STEM) in StockUnit.values else gettext("Unknown unit."),
        "quantity": _quantity_error(quantity),
        "purchase_price": _price_error(purchase_price, rate),
    }
    return {field: message for field, message in checks.items() if message is not None}
