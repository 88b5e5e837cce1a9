from __future__ import annotations

from decimal import Decimal

import factory

from apps.catalog.models import Product, ProductCategory, ProductComponent
from apps.shops.tests.factories import ShopFactory
from apps.warehouse.models import StockCategory, StockItem, StockUnit


class StockItemFactory(factory.django.DjangoModelFactory):
    """A stock item with a given ``unit_cost`` (as if supplies had been received). Use
    ``apps.warehouse.services`` where the ledger matters; recipes only need the cost."""

    class Meta:
        model = StockItem

    shop = factory.SubFactory(ShopFactory)
    name = factory.Sequence(lambda n: f"Роза Фридом {n}")
    category = StockCategory.FLOWER
    height_cm = 60
    unit = StockUnit.STEM
    unit_cost = Decimal("250.00")
    retail_price = Decimal("500.00")


class ProductFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Product

    shop = factory.SubFactory(ShopFactory)
    name = factory.Sequence(lambda n: f"Букет {n}")
    category = ProductCategory.BOUQUET
    price = Decimal("15000.00")


class ProductComponentFactory(factory.django.DjangoModelFactory):
    """A recipe line whose stock item belongs to the product's shop."""

    class Meta:
        model = ProductComponent

    product = factory.SubFactory(ProductFactory)
    stock_item = factory.SubFactory(StockItemFactory, shop=factory.SelfAttribute("..product.shop"))
    quantity = 5


def product_with_recipe(*, shop: object, components: int = 3, **kwargs: object) -> Product:
    """A product of ``shop`` with ``components`` recipe lines of distinct stock items."""
    product = ProductFactory(shop=shop, **kwargs)
    ProductComponentFactory.create_batch(components, product=product)
    return product
