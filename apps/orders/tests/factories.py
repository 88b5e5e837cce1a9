"""Builders for order tests: stock, products with recipes, customers and orders of one shop."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Any

from apps.catalog.models import Product, ProductComponent
from apps.customers.models import Customer
from apps.orders.models import Order
from apps.orders.services import order_create
from apps.shops.models import Shop
from apps.warehouse.models import StockItem
from apps.warehouse.services import stock_item_create, stock_receive

_counter = {"n": 0}


def _next() -> int:
    _counter["n"] += 1
    return _counter["n"]


def make_stock(shop: Shop, *, name: str | None = None, quantity: int = 100, unit_price: str = "250") -> StockItem:
    item = stock_item_create(shop=shop, data={"name": name or f"Роза {_next()}", "height_cm": 60})
    if quantity:
        stock_receive(item=item, quantity=quantity, unit_price=Decimal(unit_price), actor=None)
    item.refresh_from_db()
    return item


def make_product(
    shop: Shop, *, price: str = "15000", sale_price: str | None = None, recipe: dict[StockItem, int] | None = None
) -> Product:
    product = Product.objects.create(
        shop=shop,
        name=f"Букет {_next()}",
        price=Decimal(price),
        sale_price=Decimal(sale_price) if sale_price else None,
    )
    for item, quantity in (recipe or {}).items():
        ProductComponent.objects.create(product=product, stock_item=item, quantity=quantity)
    return product


def make_customer(shop: Shop, *, phone: str | None = None, name: str = "Айгерим") -> Customer:
    return Customer.objects.create(shop=shop, phone=phone or f"+7705{_next():07d}", name=name)


def order_body(product: Product, **overrides: Any) -> dict[str, Any]:
    body: dict[str, Any] = {
        "customer": {"phone": "+7 701 123 45 67", "name": "Айгерим"},
        "recipient_name": "Дана Сейтова",
        "recipient_phone": "87017654321",
        "is_anonymous": False,
        "delivery_method": "delivery",
        "delivery_address": "ул. Абая 10, кв 5",
        "delivery_date": "2026-12-01",
        "delivery_time_from": "10:00",
        "delivery_time_to": "12:00",
        "card_text": "С днём рождения!",
        "items": [{"product_id": product.id, "quantity": 1}],
        "delivery_fee": "1500.00",
    }
    body.update(overrides)
    return body


def make_order(shop: Shop, actor: Any, product: Product, *, quantity: int = 1, **fields: Any) -> Order:
    customer = fields.pop("customer", None) or make_customer(shop)
    courier = fields.pop("courier", None)
    data = {
        "customer_obj": customer,
        "delivery_method": fields.pop("delivery_method", "delivery"),
        "delivery_address": fields.pop("delivery_address", "ул. Абая 10, кв 5"),
        "delivery_date": fields.pop("delivery_date", dt.date(2026, 12, 1)),
        "delivery_time_from": fields.pop("delivery_time_from", dt.time(10, 0)),
        "delivery_time_to": fields.pop("delivery_time_to", dt.time(12, 0)),
        "recipient_name": "Дана",
        "recipient_phone": "+77017654321",
        "items": [{"product": product, "quantity": quantity}],
        **fields,
    }
    order = order_create(shop=shop, actor=actor, data=data)
    if courier is not None:
        Order.objects.filter(pk=order.pk).update(courier=courier)
        order.refresh_from_db()
    return order
