"""What things cost and what to charge for them: recipe lines and extras checked against the
shop, the price calculator (components at current unit costs + extras + labour, and the
prices the shop's markups suggest) and the warnings about a product's price and cost.

Reads only; the writes that use them (a product's recipe, ``save_as``) are in
``apps.catalog.services``. A product's own ``cost``, ``margin`` and ``margin_percent`` are
computed on the model from the cost ``apps.catalog.selectors`` annotates.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from django.utils.translation import gettext

from apps.catalog.constants import EXTRA_NAME_MAX_LENGTH, MAX_COMPONENTS, MAX_EXTRAS
from apps.catalog.models import Product, ProductCategory
from apps.catalog.selectors import stock_items_by_id
from apps.shops.models import MARKUP_LEVELS, Shop
from apps.warehouse.models import StockItem
from flowercrm.errors import Invalid
from flowercrm.limits import MAX_ID, MONEY_MAX, QUANTITY_MAX
from flowercrm.money import quantize_money, round_to_step, with_markup
from flowercrm.warnings import Warning

DEFAULT_MARKUP_KEY = "default"


@dataclass(frozen=True)
class RecipeLine:
    """A validated recipe line: a stock item of the shop and how many units go in."""

    stock_item: StockItem
    quantity: int


@dataclass(frozen=True)
class CostLine:
    """A priced recipe line."""

    stock_item: StockItem
    quantity: int
    unit_cost: Decimal
    line_cost: Decimal


@dataclass(frozen=True)
class ExtraLine:
    """Something priced into a bouquet that is not kept in stock (a card, a delivery box…)."""

    name: str
    price: Decimal
    quantity: int
    line_cost: Decimal


@dataclass(frozen=True)
class Calculation:
    """What a recipe costs the shop and what the shop's markups suggest charging for it.

    ``cost`` = components + extras + labour; each suggested price = cost × (1 + markup/100)
    rounded half-up to the shop's ``price_rounding_step``.
    """

    components: list[CostLine]
    extras: list[ExtraLine]
    components_cost: Decimal
    extras_cost: Decimal
    labour: Decimal
    cost: Decimal
    category: str | None
    markups: dict[str, Decimal]
    suggested_prices: dict[str, Decimal]


# --- recipe lines and extras -------------------------------------------------------------


def _quantity(value: Any) -> int | None:
    """``value`` when it is a quantity of 1..100000, else None."""
    if isinstance(value, int) and not isinstance(value, bool) and 1 <= value <= QUANTITY_MAX:
        return value
    return None


def resolve_components(*, shop: Shop, components: Sequence[Mapping[str, Any]]) -> list[RecipeLine]:
    """Check recipe lines ``[{"stock_item_id": int | "stock_item": StockItem, "quantity"}]``
    against ``shop`` and return them resolved. Raises ``Invalid`` with per-line errors:
    an unknown or another shop's stock item, a stock item named twice, a quantity outside
    1..100000. One query for all the ids."""
    if len(components) > MAX_COMPONENTS:
        raise Invalid({"components": [gettext("At most %(limit)d lines in a recipe.") % {"limit": MAX_COMPONENTS}]})
    ids = []
    for line in components:
        item = line.get("stock_item")
        raw = item.id if isinstance(item, StockItem) else line.get("stock_item_id")
        ids.append(raw if isinstance(raw, int) and not isinstance(raw, bool) and 1 <= raw <= MAX_ID else None)
    found = stock_items_by_id(shop=shop, ids=[i for i in ids if i is not None])
    errors: list[dict[str, list[str]]] = []
    seen: dict[int, int] = {}
    lines = []
    for index, (line, item_id) in enumerate(zip(components, ids, strict=True)):
        line_errors: dict[str, list[str]] = {}
        item = found.get(item_id) if item_id is not None else None
        if item is None and "stock_item" not in line and "stock_item_id" not in line:
            line_errors["stock_item_id"] = [gettext("Give a stock item.")]
        elif item is None:
            line_errors["stock_item_id"] = [
                gettext("Stock item with id=%(id)s not found.") % {"id": line.get("stock_item_id", item_id)}
            ]
        elif item.id in seen:
            line_errors["stock_item_id"] = [
                gettext("This item is already in the recipe (line %(line)d).") % {"line": seen[item.id] + 1}
            ]
        else:
            seen[item.id] = index
        quantity = _quantity(line.get("quantity"))
        if quantity is None:
            line_errors["quantity"] = [gettext("Quantity from %(min)d to %(max)d.") % {"min": 1, "max": QUANTITY_MAX}]
        errors.append(line_errors)
        if not line_errors and item is not None and quantity is not None:
            lines.append(RecipeLine(stock_item=item, quantity=quantity))
    if any(errors):
        raise Invalid({"components": errors})
    return lines


def resolve_extras(extras: Sequence[Mapping[str, Any]]) -> list[ExtraLine]:
    """Check extras ``[{"name", "price": Decimal, "quantity"?}]`` (quantity defaults to 1):
    at most 50; a name of 1..200 characters; a price of 0..the money column's maximum; a
    quantity of 1..100000. Raises ``Invalid`` with per-line errors (``{"extras": [{}, {…}]}``)."""
    if not isinstance(extras, Sequence) or isinstance(extras, str):
        raise Invalid({"extras": [gettext("A list of extras is expected.")]})
    if len(extras) > MAX_EXTRAS:
        raise Invalid({"extras": [gettext("At most %(limit)d extras.") % {"limit": MAX_EXTRAS}]})
    errors: list[dict[str, list[str]]] = []
    result = []
    for extra in extras:
        line_errors: dict[str, list[str]] = {}
        name = str(extra.get("name") or "").strip()
        raw_price = extra.get("price")
        price = raw_price if isinstance(raw_price, Decimal) and raw_price.is_finite() else Decimal(-1)
        quantity = _quantity(extra.get("quantity", 1))
        if not name or len(name) > EXTRA_NAME_MAX_LENGTH:
            line_errors["name"] = [gettext("A name of 1 to %(max)d characters.") % {"max": EXTRA_NAME_MAX_LENGTH}]
        if not Decimal(0) <= price <= MONEY_MAX:
            line_errors["price"] = [gettext("Price from 0 to %(max)s.") % {"max": MONEY_MAX}]
        if quantity is None:
            line_errors["quantity"] = [gettext("Quantity from %(min)d to %(max)d.") % {"min": 1, "max": QUANTITY_MAX}]
        errors.append(line_errors)
        if not line_errors and quantity is not None:
            result.append(
                ExtraLine(name=name, price=price, quantity=quantity, line_cost=quantize_money(price * quantity))
            )
    if any(errors):
        raise Invalid({"extras": errors})
    return result


# --- the calculator and the warnings --------------------------------------------------------


def calculate(
    *,
    shop: Shop,
    components: Sequence[Mapping[str, Any]],
    extras: Sequence[Mapping[str, Any]] = (),
    labour: Decimal | None = None,
    category: str | None = None,
) -> Calculation:
    """Price an arbitrary recipe with the current unit costs and ``shop``'s markups for
    ``category`` (the shop's ``default`` markups when it has none for it, or no category is
    given). ``labour`` defaults to the shop's ``labour_cost``. Reads only."""
    lines = resolve_components(shop=shop, components=components)
    extra_lines = resolve_extras(extras)
    if labour is None:
        labour = shop.labour_cost
    elif not Decimal(0) <= labour <= MONEY_MAX:
        raise Invalid({"labour": [gettext("Labour from 0 to %(max)s.") % {"max": MONEY_MAX}]})
    if category is not None and category not in ProductCategory.values:
        raise Invalid({"category": [gettext("Unknown product category.")]})
    cost_lines = [
        CostLine(
            stock_item=line.stock_item,
            quantity=line.quantity,
            unit_cost=line.stock_item.unit_cost,
            line_cost=quantize_money(line.quantity * line.stock_item.unit_cost),
        )
        for line in lines
    ]
    components_cost = sum((line.line_cost for line in cost_lines), Decimal("0.00"))
    extras_cost = sum((line.line_cost for line in extra_lines), Decimal("0.00"))
    cost = components_cost + extras_cost + labour
    markups = shop.markup_for(category or DEFAULT_MARKUP_KEY)
    step = shop.price_rounding_step
    suggested = {level: round_to_step(with_markup(cost, markups[level]), step) for level in MARKUP_LEVELS}
    return Calculation(
        components=cost_lines,
        extras=extra_lines,
        components_cost=components_cost,
        extras_cost=extras_cost,
        labour=quantize_money(labour),
        cost=cost,
        category=category,
        markups=markups,
        suggested_prices=suggested,
    )


def product_warnings(*, product: Product) -> list[Warning]:
    """What is allowed but probably a mistake in a product as the selectors give it
    (``[{"code", "message"}]``, empty when none): ``price_below_cost`` when the effective
    price (the sale price when set, else the price) is below the cost."""
    warnings: list[Warning] = []
    if product.effective_price < product.cost:
        warnings.append(
            {
                "code": "price_below_cost",
                "message": gettext("The selling price %(price)s is below the cost %(cost)s.")
                % {"price": product.effective_price, "cost": product.cost},
            }
        )
    return warnings
