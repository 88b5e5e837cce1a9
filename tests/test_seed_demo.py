"""``manage.py seed_demo``: the demo shop with its people and a living day, made by the
services (ledger, events and tasks consistent) and idempotent."""

from __future__ import annotations

import datetime as dt
from io import StringIO
from pathlib import Path
from typing import Any

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError
from django.db.models import Count, Model, Sum
from django.test import Client
from django.utils import timezone, translation
from rest_framework.test import APIClient

from apps.accounts.models import User
from apps.catalog.models import Product, ProductComponent, ProductImage
from apps.customers.models import Customer, CustomerAddress, ImportantDate
from apps.orders.management.commands import seed_demo
from apps.orders.models import Order, OrderEvent, OrderStatus, Payment, PaymentMethod, PaymentStatus
from apps.production.models import ProductionTask, TaskStatus
from apps.shops.models import DeliveryZone, Membership, Shop
from apps.shops.tests.factories import ShopFactory
from apps.warehouse.models import StockItem, StockMovement
from flowercrm.models import UploadedImage

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("media_root")]

TABLES: list[type[Model]] = [
    Shop,
    User,
    Membership,
    DeliveryZone,
    StockItem,
    StockMovement,
    Product,
    ProductComponent,
    ProductImage,
    UploadedImage,
    Customer,
    CustomerAddress,
    ImportantDate,
    Order,
    OrderEvent,
    Payment,
    ProductionTask,
]


def run(*args: str) -> str:
    out = StringIO()
    with translation.override("en"):
        call_command("seed_demo", *args, stdout=out, stderr=StringIO())
    return out.getvalue()


def counts() -> dict[str, int]:
    return {model.__name__: model.objects.count() for model in TABLES}  # type: ignore[attr-defined]


def login(phone: str, password: str) -> dict[str, Any]:
    response = APIClient().post("/api/auth/login", {"username": phone, "password": password}, format="json")
    assert response.status_code == 200, response.json()
    body: dict[str, Any] = response.json()
    return body


def test_seed_demo_fills_a_living_day_once() -> None:
    """One run (seeding costs seconds), every check of what it made, then a second run."""
    seeded = run()
    check_the_demo_logins_work(seeded)
    check_orders_in_every_status_from_yesterday_to_tomorrow()
    check_stock_products_and_customers_are_consistent()
    check_the_demo_manager_sees_a_living_dashboard()
    check_the_storefront_is_open(seeded)
    check_a_second_run_changes_nothing(seeded)


def check_a_second_run_changes_nothing(seeded: str) -> None:
    before = counts()
    assert before["Order"] == len(seed_demo.ORDERS) and before["UploadedImage"] == len(seed_demo.PRODUCTS)
    second = run()
    assert counts() == before
    assert "is ready: 19 orders, 19 made now" in seeded and "is ready: 19 orders, 0 made now" in second


def check_the_storefront_is_open(seeded: str) -> None:
    """``make run`` shows a storefront: the demo shop's profile and products are public."""
    shop = Shop.objects.get(slug=seed_demo.DEMO_SLUG)
    assert shop.storefront_enabled and shop.phone == seed_demo.DEMO_PROFILE["phone"]
    assert f"/api/public/shops/{shop.slug}/" in seeded
    client = APIClient()
    profile = client.get(f"/api/public/shops/{shop.slug}/").json()
    assert (profile["phone"], profile["hours"]) == (shop.phone, seed_demo.DEMO_PROFILE["hours"])
    assert profile["delivery_zones"]
    products = client.get(f"/api/public/shops/{shop.slug}/products/").json()
    assert products["total"] == Product.objects.filter(shop=shop, is_active=True).count() > 0


def check_the_demo_logins_work(seeded: str) -> None:
    shop = Shop.objects.get(slug=seed_demo.DEMO_SLUG)
    assert (User.objects.count(), Membership.objects.count()) == (4, 4)
    for phone, _name, role in seed_demo.DEMO_STAFF:
        assert phone in seeded and role.value in seeded
        body = login(phone, seed_demo.DEMO_PASSWORD)
        assert (body["shop"], body["role"]) == ({"id": shop.id, "name": "Ромашка"}, role.value)
    assert seeded.count(seed_demo.DEMO_PASSWORD) == 4


def check_orders_in_every_status_from_yesterday_to_tomorrow() -> None:
    shop = Shop.objects.get(slug=seed_demo.DEMO_SLUG)
    today = timezone.localdate(timezone=shop.zoneinfo)
    orders = Order.objects.filter(shop=shop)
    assert set(orders.values_list("status", flat=True)) == set(OrderStatus.values)
    assert set(orders.values_list("delivery_date", flat=True)) == {today + dt.timedelta(days=d) for d in (-1, 0, 1)}
    assert set(orders.filter(delivery_date=today).values_list("status", flat=True)) == set(OrderStatus.values)
    # Payments: Kaspi and cash, part-paid orders, a refund; paid_amount is the sum of payments.
    assert {PaymentMethod.KASPI, PaymentMethod.CASH} <= set(Payment.objects.values_list("method", flat=True))
    assert set(orders.values_list("payment_status", flat=True)) == set(PaymentStatus.values)
    for order in orders.annotate(received=Sum("payments__amount")):
        assert order.paid_amount == (order.received or 0), order.number
    # Every order has its event log from the services; confirmed orders have their tasks.
    assert not orders.annotate(logged=Count("events")).filter(logged=0).exists()
    assert set(ProductionTask.objects.filter(shop=shop).values_list("status", flat=True)) == set(TaskStatus.values)
    assert not orders.filter(confirmed_at__isnull=False, task__isnull=True).exists()


def check_stock_products_and_customers_are_consistent() -> None:
    shop = Shop.objects.get(slug=seed_demo.DEMO_SLUG)
    for item in StockItem.objects.filter(shop=shop):
        ledger = StockMovement.objects.filter(item=item).aggregate(total=Sum("delta"))["total"]
        assert ledger == item.quantity, item.name
        assert item.unit_cost > 0
    reserved = Order.objects.filter(shop=shop, status__in=["confirmed", "in_production"])
    assert StockItem.objects.filter(shop=shop, reserved__gt=0).exists() and reserved.exists()
    for product in Product.objects.filter(shop=shop):
        assert product.components.exists() and product.images.exists(), product.name
    image = UploadedImage.objects.filter(shop=shop).first()
    assert image is not None and image.width > 0 and Path(image.file.path).exists()
    assert Customer.objects.filter(shop=shop).count() == len(seed_demo.CUSTOMERS)
    assert not Customer.objects.filter(shop=shop, addresses__isnull=True).exists()
    assert ImportantDate.objects.filter(customer__shop=shop).exists()


def check_the_demo_manager_sees_a_living_dashboard() -> None:
    client = Client()
    assert client.login(username=seed_demo.DEMO_STAFF[1][0], password=seed_demo.DEMO_PASSWORD)
    response = client.get("/admin/")
    assert response.status_code == 200
    panels = {panel.key: panel for panel in response.context["dashboard"]}
    today = {figure.url: figure.value for figure in panels["orders-today"].figures}
    assert len(today) == len(OrderStatus.values)
    assert all(value.isdigit() and int(value) > 0 for value in today.values())
    assert panels["owing"].figures and panels["low-stock"].figures and panels["reminders"].figures
    assert str(response.context["site_header"]) == "FlowerCRM · Ромашка"
    # The reports' charts under the panels (issue 16): the demo's month has sales, payments
    # and products to draw.
    charts = response.context["dashboard_charts"]
    drawn = {item["table"].key for item in charts["tables"] if item["chart"]}
    assert drawn == {"revenue", "payments", "products", "write-offs"}
    assert charts["dashboard"].receivables_total > 0


def test_finds_the_demo_shop_whatever_its_case_and_touches_no_other(shop_a: Shop) -> None:
    demo = ShopFactory(name="РОМАШКА")
    run()
    assert Shop.objects.count() == 2
    assert set(Membership.objects.values_list("shop_id", flat=True)) == {demo.pk}
    assert Order.objects.filter(shop=demo).exists()
    assert not Order.objects.filter(shop=shop_a).exists()
    assert not StockItem.objects.filter(shop=shop_a).exists()


def test_refused_in_production(settings: Any) -> None:
    settings.PRODUCTION = True
    with pytest.raises(CommandError):
        run()
    assert not Shop.objects.exists()
