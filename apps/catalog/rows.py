"""A product's list row, built from plain values (issue 17).

``ProductOutputSerializer`` (and its florist shape, without costs) stays the one description
of the shape and of the schema; the list renders the same dicts from ``values()`` of the
products (with ``recipe_cost`` annotated by ``apps.catalog.selectors``) and one query per
nested table, grouped here — no model instance, no serializer per row.
``apps/catalog/tests/api/test_list_fast_path.py`` compares the two byte for byte.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from decimal import ROUND_HALF_UP, Decimal
from typing import Any

from flowercrm.models import UploadedImage
from flowercrm.money import quantize_money
from flowercrm.rows import moment, money

Record = dict[str, Any]

# What the list reads (``values()`` names; ``recipe_cost`` is the selectors' annotation).
PRODUCT_COLUMNS = (
    "id",
    "name",
    "description",
    "category",
    "price",
    "sale_price",
    "sku",
    "is_active",
    "labour",
    "recipe_cost",
    "created_at",
    "updated_at",
)
COMPONENT_COLUMNS = (
    "product_id",
    "stock_item_id",
    "stock_item__name",
    "stock_item__unit",
    "quantity",
    "stock_item__unit_cost",
)
EXTRA_COLUMNS = ("product_id", "name", "price", "quantity")
IMAGE_COLUMNS = (
    "product_id",
    "image_id",
    "image__file",
    "image__thumbnail",
    "image__width",
    "image__height",
    "position",
    "is_primary",
)
# What a role without costs does not read (``ProductFloristSerializer``).
PRODUCT_COST_FIELDS = ("labour", "cost", "margin", "margin_percent")
COMPONENT_COST_FIELDS = ("unit_cost", "line_cost")
EXTRA_COST_FIELDS = ("price", "line_cost")
PERCENT_STEP = Decimal("0.1")


def _computed(value: Decimal, places: Decimal = Decimal("0.01")) -> str:
    """``ComputedMoneyField``: half-up to ``places``, as a string."""
    return f"{value.quantize(places, rounding=ROUND_HALF_UP):f}"


def _drop(row: Record, names: tuple[str, ...]) -> Record:
    for name in names:
        del row[name]
    return row


def product_rows(
    products: Iterable[Record],
    *,
    components: Iterable[Record],
    extras: Iterable[Record],
    images: Iterable[Record],
    sees_costs: bool,
    absolute: Callable[[str], str],
) -> list[Record]:
    """The dicts of ``ProductOutputSerializer`` (``sees_costs``) or ``ProductFloristSerializer``
    of ``products`` (``PRODUCT_COLUMNS``) with their recipe ``components``, ``extras`` and
    ``images`` (``*_COLUMNS``, each in its prefetch's order). ``absolute`` makes a picture's
    URL absolute (the request's ``build_absolute_uri``). Datetimes in the current time zone."""
    file_storage = UploadedImage._meta.get_field("file").storage
    thumbnail_storage = UploadedImage._meta.get_field("thumbnail").storage
    recipes: dict[int, list[Record]] = {}
    for line in components:
        quantity, unit_cost = line["quantity"], line["stock_item__unit_cost"]
        row = {
            "stock_item_id": line["stock_item_id"],
            "stock_item": {
                "id": line["stock_item_id"],
                "name": line["stock_item__name"],
                "unit": line["stock_item__unit"],
            },
            "quantity": quantity,
            "unit_cost": money(unit_cost),
            "line_cost": _computed(quantity * unit_cost),
        }
        recipes.setdefault(line["product_id"], []).append(row if sees_costs else _drop(row, COMPONENT_COST_FIELDS))
    added: dict[int, list[Record]] = {}
    for extra in extras:
        quantity, price = extra["quantity"], extra["price"]
        row = {
            "name": extra["name"],
            "price": money(price),
            "quantity": quantity,
            "line_cost": _computed(quantize_money(quantity * price)),
        }
        added.setdefault(extra["product_id"], []).append(row if sees_costs else _drop(row, EXTRA_COST_FIELDS))
    pictures: dict[int, list[Record]] = {}
    covers: dict[int, Record] = {}
    for picture in images:
        row = {
            "id": picture["image_id"],
            "url": absolute(file_storage.url(picture["image__file"])),
            "thumbnail_url": absolute(thumbnail_storage.url(picture["image__thumbnail"])),
            "width": picture["image__width"],
            "height": picture["image__height"],
            "position": picture["position"],
            "is_primary": picture["is_primary"],
        }
        pictures.setdefault(picture["product_id"], []).append(row)
        if picture["is_primary"]:
            covers.setdefault(picture["product_id"], row)
    result = []
    for product in products:
        pk, price, sale_price = product["id"], product["price"], product["sale_price"]
        effective = sale_price if sale_price is not None else price
        cost = quantize_money(product["recipe_cost"])
        margin = effective - cost
        row = {
            "id": pk,
            "name": product["name"],
            "description": product["description"],
            "category": product["category"],
            "price": money(price),
            "sale_price": None if sale_price is None else money(sale_price),
            "effective_price": money(effective),
            "sku": product["sku"],
            "is_active": product["is_active"],
            "components": recipes.get(pk, []),
            "extras": added.get(pk, []),
            "labour": money(product["labour"]),
            "cost": _computed(cost),
            "margin": _computed(margin),
            "margin_percent": _computed(margin * 100 / effective, PERCENT_STEP) if effective else None,
            "images": pictures.get(pk, []),
            "primary_image": covers.get(pk),
            "created_at": moment(product["created_at"]),
            "updated_at": moment(product["updated_at"]),
        }
        result.append(row if sees_costs else _drop(row, PRODUCT_COST_FIELDS))
    return result
