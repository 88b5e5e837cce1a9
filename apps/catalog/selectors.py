"""Reads of the catalog. Every product leaves here with its cost annotated and its recipe, extras
and pictures prefetched, so a list costs the same number of queries for 1 product and for 500."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from decimal import Decimal
from typing import Any

from django.db.models import DecimalField, ExpressionWrapper, F, OuterRef, Prefetch, QuerySet, Subquery, Sum, Value
from django.db.models.functions import Coalesce

from apps.catalog.models import Product, ProductComponent, ProductExtra, ProductImage
from apps.shops.models import Shop
from apps.warehouse.models import StockItem

# Computed sums may pass the 12 digits of a stored amount (100 000 stems × a large unit cost).
COST_FIELD: DecimalField[Any, Any] = DecimalField(max_digits=24, decimal_places=2)


def _per_product_sum(model: type[Any], amount: Any) -> Subquery:
    """Σ ``amount`` over the rows of ``model`` (a product's line table) of ``OuterRef("pk")``."""
    lines = (
        model.objects.filter(product=OuterRef("pk"))
        .order_by()
        .values("product")
        .annotate(total=Sum(amount, output_field=COST_FIELD))
        .values("total")
    )
    return Subquery(lines, output_field=COST_FIELD)


def product_cost_subquery() -> Subquery:
    """Σ component quantity × the stock item's current unit cost of ``OuterRef("pk")``."""
    return _per_product_sum(ProductComponent, F("quantity") * F("stock_item__unit_cost"))


def product_extras_cost_subquery() -> Subquery:
    """Σ extra quantity × price of ``OuterRef("pk")`` (exact: an integer times cents)."""
    return _per_product_sum(ProductExtra, F("quantity") * F("price"))


def product_annotate(queryset: QuerySet[Product]) -> QuerySet[Product]:
    """``queryset`` with ``recipe_cost`` annotated — components at current unit costs + extras
    + labour (read it as ``Product.cost``; orders take it as a line's ``unit_cost``) —, the
    recipe prefetched with its stock items, the extras, and the pictures with their uploaded
    images, in order (one query each for the whole page)."""
    zero = Value(Decimal("0.00"))
    cost = (
        Coalesce(product_cost_subquery(), zero, output_field=COST_FIELD)
        + Coalesce(product_extras_cost_subquery(), zero, output_field=COST_FIELD)
        + F("labour")
    )
    # ``Product.recipe_cost`` is declared on the model for type checkers; this is where it is set.
    return queryset.annotate(  # type: ignore[no-redef]
        recipe_cost=ExpressionWrapper(cost, output_field=COST_FIELD)
    ).prefetch_related(
        Prefetch("components", queryset=ProductComponent.objects.select_related("stock_item").order_by("id")),
        Prefetch("extras", queryset=ProductExtra.objects.order_by("id")),
        Prefetch("images", queryset=ProductImage.objects.select_related("image").order_by("position")),
    )


def product_list(*, shop: Shop) -> QuerySet[Product]:
    """The shop's products with their cost, recipe, extras and pictures (``cost``, ``margin``,
    ``margin_percent`` and ``primary_image`` are computed on the model from them)."""
    return product_annotate(Product.objects.filter(shop=shop))


def product_get(*, shop: Shop, product_id: int) -> Product:
    """One product of ``shop`` as :func:`product_list` gives it (``DoesNotExist`` otherwise)."""
    return product_list(shop=shop).get(pk=product_id)


def stock_items_by_id(*, shop: Shop, ids: Iterable[int]) -> dict[int, StockItem]:
    """The shop's stock items among ``ids`` in one query (another shop's ids are simply absent)."""
    return {item.id: item for item in StockItem.objects.filter(shop=shop, id__in=set(ids))}


def product_list_values(products: QuerySet[Product], *, columns: Sequence[str]) -> QuerySet[Product, dict[str, Any]]:
    """``products`` (``product_list``'s, filtered and ordered) as plain ``columns`` — the list
    page's read path (issue 17): no model instances; the nested rows come from
    ``product_children_values``."""
    return products.prefetch_related(None).values(*columns)


def product_children_values(
    *,
    product_ids: Sequence[int],
    component_columns: Sequence[str],
    extra_columns: Sequence[str],
    image_columns: Sequence[str],
) -> dict[str, list[dict[str, Any]]]:
    """The recipe lines (with their stock items), extras and pictures (with their uploaded
    images) of ``product_ids`` as plain rows, in the order ``product_annotate`` prefetches
    them: one query per table."""
    if not product_ids:
        return {"components": [], "extras": [], "images": []}
    of = {"product_id__in": product_ids}
    return {
        "components": list(ProductComponent.objects.filter(**of).order_by("id").values(*component_columns)),
        "extras": list(ProductExtra.objects.filter(**of).order_by("id").values(*extra_columns)),
        "images": list(ProductImage.objects.filter(**of).order_by("position").values(*image_columns)),
    }
