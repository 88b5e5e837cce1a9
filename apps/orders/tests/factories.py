"""Builders for order tests: stock, products with recipes, customers and orders of one shop.

``make_stock``, ``make_product`` and ``make_customer`` are conveniences over the factory_boy
classes (``StockItemFactory``, ``ProductFactory``/``ProductComponentFactory``,
``CustomerFactory``). ``make_order`` is the one order builder of the test suite: an order's
number, prices and event log come from ``apps.orders.services.order_create``, so it goes
through the service rather than a factory."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Any

from django.utils import timezone

from apps.catalog.models import Product
from apps.catalog.tests.factories import ProductComponentFactory, ProductFactory
from apps.customers.models import Customer
from apps.customers.tests.factories import CustomerFactory
from apps.orders.models import EventType, Order, OrderEvent, Payment, PaymentMethod
from apps.orders.services import order_create
from apps.shops.models import Shop
from apps.warehouse.models import StockItem
from apps.warehouse.services import stock_receive
from apps.warehouse.tests.factories import StockItemFactory


def make_stock(shop: Shop, *, name: str | None = None, quantity: int = 100, unit_price: str = "250") -> StockItem:
    """A stock item of ``shop`` with ``quantity`` units received at ``unit_price`` (through the
    ledger: ``stock_receive``)."""
    item = StockItemFactory(shop=shop, retail_price=Decimal("0.00"), **({"name": name} if name else {}))
    if quantity:
        stock_receive(item=item, quantity=quantity, unit_price=Decimal(unit_price), actor=None)
    item.refresh_from_db()
    return item


def make_product(
    shop: Shop, *, price: str = "15000", sale_price: str | None = None, recipe: dict[StockItem, int] | None = None
) -> Product:
    """A product of ``shop`` whose recipe is ``{stock item: quantity}``."""
    product = ProductFactory(shop=shop, price=Decimal(price), sale_price=Decimal(sale_price) if sale_price else None)
    for item, quantity in (recipe or {}).items():
        ProductComponentFactory(product=product, stock_item=item, quantity=quantity)
    return product


def make_customer(shop: Shop, *, phone: str | None = None, name: str = "Айгерим") -> Customer:
    return CustomerFactory(shop=shop, name=name, **({"phone": phone} if phone else {}))


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


def make_order(
    shop: Shop,
    actor: Any = None,
    product: Product | None = None,
    *,
    quantity: int = 1,
    total: Decimal | str | None = None,
    status: str | None = None,
    created_at: dt.datetime | None = None,
    confirmed_at: dt.datetime | None = None,
    payments: tuple[Decimal | str, ...] = (),
    created_event: bool = True,
    **fields: Any,
) -> Order:
    """The one order builder: ``quantity`` of ``product`` through ``order_create`` (number,
    prices and the ``created`` event come from the service); ``fields`` are its data.

    Without ``product``, a product priced at ``total`` (default ``0.00``) and no delivery fee
    make the order's total exactly ``total``. Then, written directly (tests of other apps that
    need only such rows): ``status``, ``created_at``, ``confirmed_at``, ``courier`` and
    ``payments`` (amounts received in cash; negative: a refund). ``created_event=False`` drops
    the ``created`` event, for tests that inspect the events another service logs."""
    if product is None:
        product = make_product(shop, price=str(total if total is not None else "0.00"))
        fields.setdefault("delivery_fee", Decimal("0.00"))
    elif total is not None:
        raise TypeError("total is the price of the product made here; pass no product")
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
    direct = {
        name: value
        for name, value in (
            ("status", status),
            ("created_at", created_at),
            ("confirmed_at", confirmed_at),
            ("courier", courier),
        )
        if value is not None
    }
    if direct:
        Order.objects.filter(pk=order.pk).update(**direct)
        order.refresh_from_db()
    if not created_event:
        OrderEvent.objects.filter(order=order, type=EventType.CREATED).delete()
    for amount in payments:
        Payment.objects.create(order=order, amount=Decimal(amount), method=PaymentMethod.CASH, paid_at=timezone.now())
    return order
