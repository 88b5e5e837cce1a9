from __future__ import annotations

import datetime as dt
from decimal import Decimal

import factory

from apps.shops.tests.factories import ShopFactory
from apps.supplies.models import Supplier, Supply, SupplyLine
from apps.warehouse.tests.factories import StockItemFactory


class SupplierFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Supplier

    shop = factory.SubFactory(ShopFactory)
    name = factory.Sequence(lambda n: f"Поставщик {n}")


class SupplyFactory(factory.django.DjangoModelFactory):
    """A draft supply in the shop's currency; ``SupplyFactory(lines=3)`` adds three lines of
    new stock items of the same shop."""

    class Meta:
        model = Supply
        skip_postgeneration_save = True

    shop = factory.SubFactory(ShopFactory)
    supplier = factory.SubFactory(SupplierFactory, shop=factory.SelfAttribute("..shop"))
    date = dt.date(2026, 11, 20)
    currency = factory.LazyAttribute(lambda o: o.shop.currency)
    rate = Decimal("1")

    @factory.post_generation
    def lines(obj: Supply, create: bool, extracted: int | None, **kwargs: object) -> None:  # noqa: N805
        if create and extracted:
            for _ in range(int(extracted)):
                SupplyLineFactory(supply=obj)


class SupplyLineFactory(factory.django.DjangoModelFactory):
    """A line of an existing stock item of the supply's shop."""

    class Meta:
        model = SupplyLine

    supply = factory.SubFactory(SupplyFactory)
    stock_item = factory.SubFactory(StockItemFactory, shop=factory.SelfAttribute("..supply.shop"))
    quantity = 10
    purchase_price = Decimal("100.0000")
