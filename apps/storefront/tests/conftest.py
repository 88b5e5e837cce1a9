"""Fixtures of the storefront tests: a shop with its storefront on, its products and zones,
and a checkout body that a buyer's browser would send."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from typing import Any

import pytest
from django.utils import timezone
from rest_framework.test import APIClient

from apps.catalog.models import Product
from apps.orders.tests.factories import make_product
from apps.shops.models import DeliveryZone, Shop
from apps.shops.tests.factories import ShopFactory

BUYER_PHONE = "+77011234567"


@pytest.fixture
def store(db: None) -> Shop:
    return ShopFactory(
        name="Ромашка",
        slug="romashka",
        storefront_enabled=True,
        phone="+77272500000",
        address="Алматы, ул. Абая 10",
        hours="Ежедневно 9:00–21:00",
    )


@pytest.fixture
def zone(store: Shop) -> DeliveryZone:
    return DeliveryZone.objects.create(shop=store, name="Центр", fee="1500.00")


@pytest.fixture
def rose(store: Shop) -> Product:
    return make_product(store, price="15000", sale_price="12000")


@pytest.fixture
def tulip(store: Shop) -> Product:
    return make_product(store, price="8000")


def tomorrow(shop: Shop) -> dt.date:
    return timezone.localdate(timezone.now(), shop.zoneinfo) + dt.timedelta(days=1)


@pytest.fixture
def checkout_body(store: Shop, rose: Product, zone: DeliveryZone) -> Callable[..., dict[str, Any]]:
    def make(**overrides: Any) -> dict[str, Any]:
        body: dict[str, Any] = {
            "customer": {"phone": "8 701 123 45 67", "name": "Айгерим"},
            "recipient_name": "Дана",
            "recipient_phone": "+7 701 765 43 21",
            "delivery_method": "delivery",
            "delivery_zone_id": zone.id,
            "delivery_address": "ул. Абая 10, кв 5",
            "delivery_date": tomorrow(store).isoformat(),
            "delivery_time_from": "10:00",
            "delivery_time_to": "12:00",
            "card_text": "С днём рождения!",
            "items": [{"product_id": rose.id, "quantity": 2}],
            "payment_method": "kaspi",
        }
        body.update(overrides)
        return body

    return make


@pytest.fixture
def public() -> APIClient:
    return APIClient()


def checkout(client: APIClient, shop: Shop, body: dict[str, Any], *, key: str | None = "key-0001", **extra: Any):
    headers = {"HTTP_IDEMPOTENCY_KEY": key} if key is not None else {}
    return client.post(f"/api/public/shops/{shop.slug}/orders/", body, format="json", **headers, **extra)
