"""The ``stock_low`` payload is built as plain data in the domain; it must stay exactly the
API's list row (the serializer is the one description of the shape)."""

from __future__ import annotations

from decimal import Decimal

import pytest
from django.utils import timezone

from apps.warehouse.api.serializers import StockItemFloristSerializer, StockItemSerializer
from apps.warehouse.events import stock_item_payload
from apps.warehouse.selectors import stock_item_list
from apps.warehouse.tests.factories import StockItemFactory

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize("zone", ["UTC", "Asia/Almaty"])
def test_payload_is_the_serializers_row(shop, zone: str) -> None:
    StockItemFactory(
        shop=shop, name="Роза", min_quantity=5, retail_price=Decimal("1234.50"), stock=3, stock__cost="99.99"
    )
    StockItemFactory(shop=shop, name="Лента", height_cm=None, unit="m", is_active=False)
    with timezone.override(zone):
        for item in stock_item_list(shop=shop):
            assert stock_item_payload(item) == dict(StockItemSerializer(item).data)
            assert stock_item_payload(item, with_costs=False) == dict(StockItemFloristSerializer(item).data)
