"""Products with their recipes from a file: found by SKU, else by name; recipe lines name a
stock item by name and height."""

from __future__ import annotations

from typing import Any, ClassVar

from django.utils.translation import gettext

from apps.catalog.models import Product
from apps.catalog.services import product_create, product_update
from apps.exchange.columns import PRODUCTS, Kind, Line
from apps.exchange.importers.base import CREATED, UNCHANGED, UPDATED, Importer, Row
from apps.warehouse.models import StockItem, stock_match_key
from flowercrm.errors import Invalid

# Column → the service's field.
FIELD_OF = {
    "name": "name",
    "category": "category",
    "price": "price",
    "sale_price": "sale_price",
    "sku": "sku",
    "description": "description",
    "active": "is_active",
}


def given(value: Any) -> bool:
    """A blank cell means "not given": it never clears what the shop has."""
    return value is not None and value != "" and value != []


class ProductImporter(Importer):
    kind: ClassVar[Kind] = PRODUCTS
    fields = {"is_active": "active", "components": "recipe", "labour": ""}

    def apply_one(self, row: Row) -> str:
        values = row.values
        data = {FIELD_OF[key]: value for key, value in values.items() if key in FIELD_OF and given(value)}
        if "recipe" in values and given(values["recipe"]):
            data["components"] = self._components(values["recipe"])
        product = self._find(data)
        if product is None:
            product_create(shop=self.shop, data=data)
            return CREATED
        changes = {
            name: value for name, value in data.items() if name != "components" and getattr(product, name) != value
        }
        if "components" in data:
            current = {c.stock_item_id: c.quantity for c in product.components.all()}
            wanted = {line["stock_item"].id: line["quantity"] for line in data["components"]}
            if current != wanted or len(wanted) != len(data["components"]):
                changes["components"] = data["components"]
        if not changes:
            return UNCHANGED
        product_update(product=product, data=changes)
        return UPDATED

    def _find(self, data: dict[str, Any]) -> Product | None:
        products = Product.objects.filter(shop=self.shop)
        if data.get("sku"):
            found = products.filter(sku=data["sku"]).first()
            if found is not None:
                return found
        if not data.get("name"):
            return None
        named = list(products.filter(name=data["name"]).order_by("id")[:2])
        if len(named) > 1:
            raise Invalid({"name": [gettext("Several products have this name; give their SKUs.")]})
        if named and data.get("sku") and named[0].sku and named[0].sku != data["sku"]:
            return None  # another product of the same name, told apart by its SKU
        return named[0] if named else None

    def _components(self, lines: list[Line]) -> list[dict[str, Any]]:
        components: list[dict[str, Any]] = []
        errors: list[dict[str, list[str]]] = []
        for line in lines:
            item = self._stock_item(line)
            if item is None:
                label = f"{line.name} {line.height}" if line.height else line.name
                errors.append({"stock_item": [gettext("No stock item «%(name)s».") % {"name": label}]})
            else:
                errors.append({})
                components.append({"stock_item": item, "quantity": line.quantity})
        if any(errors):
            raise Invalid({"components": errors})
        return components

    def _stock_item(self, line: Line) -> StockItem | None:
        items = StockItem.objects.filter(shop=self.shop)
        item = items.filter(match_key=stock_match_key(line.name, line.height)).first()
        if item is None and line.height is not None:
            # A name that ends in a number («Гипсофила 2») without a height.
            item = items.filter(match_key=stock_match_key(f"{line.name} {line.height}", None)).first()
        return item
