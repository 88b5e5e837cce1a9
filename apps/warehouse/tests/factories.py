from __future__ import annotations

from decimal import Decimal
from typing import Any

import factory

from apps.shops.tests.factories import ShopFactory
from apps.warehouse import services
from apps.warehouse.models import StockCategory, StockItem, StockUnit


class StockItemFactory(factory.django.DjangoModelFactory):
    """The one stock item factory. ``StockItemFactory(stock=10, stock__cost="120.00")`` puts 10
    units on hand through ``stock_receive``, so the ledger stays consistent (quantity is never
    set directly). Nothing on hand costs ``0.00`` unless given ``unit_cost=...`` (as if supplies
    had been received): recipes and the calculator only need the cost, not the ledger."""

    class Meta:
        model = StockItem
        skip_postgeneration_save = True

    shop = factory.SubFactory(ShopFactory)
    name = factory.Sequence(lambda n: f"Роза Фридом {n}")
    category = StockCategory.FLOWER
    height_cm = 60
    unit = StockUnit.STEM
    retail_price = Decimal("500.00")
    min_quantity = 0

    @factory.post_generation
    def stock(obj: StockItem, create: bool, extracted: Any, **kwargs: Any) -> None:  # noqa: N805
        if create and extracted:
            services.stock_receive(
                item=obj, quantity=int(extracted), unit_price=Decimal(kwargs.get("cost", "100.00")), actor=None
            )
            obj.refresh_from_db()
