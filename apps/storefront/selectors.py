"""Reads of the public storefront (ARCHITECTURE §11.6): a shop by its slug while its
storefront is on, its delivery zones, and its products on sale — with their pictures and
prices, never their cost, recipe, extras, labour or stock."""

from __future__ import annotations

from django.db.models import Prefetch, QuerySet

from apps.catalog.models import Product, ProductImage
from apps.shops.models import DeliveryZone, Shop


def storefront_shop(*, slug: str) -> Shop | None:
    """The shop at ``slug`` if its storefront is on; ``None`` for an unknown slug and for a
    switched-off storefront alike (both answer the same 404)."""
    return Shop.objects.filter(slug=slug, storefront_enabled=True).first()


def storefront_zones(*, shop: Shop) -> QuerySet[DeliveryZone]:
    return DeliveryZone.objects.filter(shop=shop).order_by("name", "id")


def storefront_products(*, shop: Shop) -> QuerySet[Product]:
    """The shop's products on sale with their pictures (one query for a whole page). No cost
    is annotated: nothing public may read it."""
    return (
        Product.objects.filter(shop=shop, is_active=True)
        .only("id", "shop_id", "name", "description", "category", "price", "sale_price", "created_at")
        .prefetch_related(
            Prefetch("images", queryset=ProductImage.objects.select_related("image").order_by("position", "id"))
        )
    )
