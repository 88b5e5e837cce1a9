from __future__ import annotations

from decimal import Decimal

import factory
from django.utils import timezone

from apps.catalog.models import Product, ProductCategory, ProductComponent, ProductImage
from apps.shops.tests.factories import ShopFactory
from apps.warehouse.tests.factories import StockItemFactory
from flowercrm.models import UploadedImage


class ProductFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Product

    shop = factory.SubFactory(ShopFactory)
    name = factory.Sequence(lambda n: f"Букет {n}")
    category = ProductCategory.BOUQUET
    price = Decimal("15000.00")


class ProductComponentFactory(factory.django.DjangoModelFactory):
    """A recipe line whose stock item belongs to the product's shop (and costs 250.00 a unit)."""

    class Meta:
        model = ProductComponent

    product = factory.SubFactory(ProductFactory)
    stock_item = factory.SubFactory(
        StockItemFactory, shop=factory.SelfAttribute("..product.shop"), unit_cost=Decimal("250.00")
    )
    quantity = 5


def product_with_recipe(*, shop: object, components: int = 3, **kwargs: object) -> Product:
    """A product of ``shop`` with ``components`` recipe lines of distinct stock items."""
    product = ProductFactory(shop=shop, **kwargs)
    ProductComponentFactory.create_batch(components, product=product)
    return product


class UploadedImageFactory(factory.django.DjangoModelFactory):
    """An uploaded image row without files in storage (URLs are built from the key alone).
    Tests of files and attaching go through ``POST /api/upload/image`` instead."""

    class Meta:
        model = UploadedImage

    shop = factory.SubFactory(ShopFactory)
    file = factory.Sequence(lambda n: f"shops/test/images/img{n}.jpg")
    thumbnail = factory.LazyAttribute(lambda o: o.file.replace(".jpg", "_thumb.jpg"))
    size = 1000
    content_type = UploadedImage.ContentType.JPEG
    width = 64
    height = 48


class ProductImageFactory(factory.django.DjangoModelFactory):
    """A product picture whose (attached) image belongs to the product's shop."""

    class Meta:
        model = ProductImage

    product = factory.SubFactory(ProductFactory)
    image = factory.SubFactory(
        UploadedImageFactory,
        shop=factory.SelfAttribute("..product.shop"),
        attached_at=factory.LazyFunction(timezone.now),
    )
    position = 0
    is_primary = False


def product_with_images(*, shop: object, images: int = 3, **kwargs: object) -> Product:
    """A product of ``shop`` with a recipe and ``images`` pictures, the first primary."""
    product = product_with_recipe(shop=shop, **kwargs)
    for position in range(images):
        ProductImageFactory(product=product, position=position, is_primary=position == 0)
    return product
