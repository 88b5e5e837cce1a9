"""A generated shop day-to-day for the report tests: orders on both sides of local midnight
in Asia/Almaty, discounts, delivery fees, partial payments, refunds, cancelled orders,
assembled orders with their consumption, write-offs of every reason, a USD supply, and
another shop whose rows must never count."""

from __future__ import annotations

import datetime as dt
import random
from dataclasses import dataclass, field
from decimal import Decimal
from zoneinfo import ZoneInfo

import pytest
from django.utils import timezone

from apps.catalog.models import Product
from apps.orders.models import Order, OrderStatus, Payment, PaymentMethod
from apps.orders.services import order_transition, payment_record
from apps.orders.tests.factories import make_customer, make_order, make_product, make_stock
from apps.production.models import ProductionTask
from apps.shops.models import Membership, Shop
from apps.shops.tests.factories import MembershipFactory, ShopFactory
from apps.supplies.services import supply_receive
from apps.supplies.tests.factories import SupplyFactory, SupplyLineFactory
from apps.warehouse.models import StockItem, WriteOffReason
from apps.warehouse.services import stock_write_off
from flowercrm.roles import Role

ALMATY = ZoneInfo("Asia/Almaty")


@dataclass
class World:
    """What was generated, for the tests' own (plain Python) computations."""

    shop: Shop
    admin: Membership
    today: dt.date
    date_from: dt.date
    date_to: dt.date
    products: list[Product] = field(default_factory=list)
    stock: list[StockItem] = field(default_factory=list)
    orders: list[Order] = field(default_factory=list)


def local(day: dt.date, hour: int, minute: int = 0) -> dt.datetime:
    return dt.datetime.combine(day, dt.time(hour, minute), tzinfo=ALMATY)


def _populate(shop: Shop, *, seed: int, today: dt.date, small: bool = False) -> World:
    rng = random.Random(seed)
    admin = MembershipFactory(shop=shop, role=Role.ADMIN)
    florist = MembershipFactory(shop=shop, role=Role.FLORIST)
    couriers = [MembershipFactory(shop=shop, role=Role.COURIER) for _ in range(2)]
    actor = admin.user
    world = World(shop=shop, admin=admin, today=today, date_from=today - dt.timedelta(days=9), date_to=today)

    rose = make_stock(shop, name=f"Роза {seed}", quantity=5000, unit_price="250")
    green = make_stock(shop, name=f"Эвкалипт {seed}", quantity=3000, unit_price="120")
    # A USD supply: 50 stems at 1.2345 USD, rate 480.5 → receipt cost 50 × 1.2345 × 480.5.
    supply = SupplyFactory(shop=shop, currency="USD", rate=Decimal("480.5000"))
    SupplyLineFactory(supply=supply, stock_item=green, quantity=50, purchase_price=Decimal("1.2345"))
    SupplyLineFactory(supply=supply, stock_item=rose, quantity=7, purchase_price=Decimal("0.3333"))
    supply_receive(supply=supply, actor=actor)
    world.stock = [rose, green]

    big = make_product(shop, price="15000", recipe={rose: 11, green: 3})
    small_product = make_product(shop, price="4990", sale_price="4500", recipe={rose: 3})
    card = make_product(shop, price="500")  # no recipe
    world.products = [big, small_product, card]

    customer = make_customer(shop)
    count = 6 if small else 24
    days = [world.date_from + dt.timedelta(days=i) for i in range(10)] + [world.date_from - dt.timedelta(days=1)]
    methods = list(PaymentMethod)
    for i in range(count):
        day = days[i % len(days)]
        product = [big, small_product, card][i % 3]
        order = make_order(
            shop,
            actor,
            product,
            quantity=1 + i % 2,
            customer=customer,
            delivery_date=day,
            delivery_fee=Decimal(rng.choice(["0", "1500", "2000.50"])),
            discount=Decimal(rng.choice(["0", "0", "250.25"])),
            source=rng.choice(["", "instagram", "storefront"]),
        )
        if i % 3 != 2:  # not the card: assemble, with extra stems sometimes
            order_transition(order=order, to="confirmed", actor=actor, role=Role.ADMIN)
            order_transition(order=order, to="in_production", actor=florist.user, role=Role.FLORIST)
            extra = {green.id: 2} if i % 4 == 0 else None
            order_transition(
                order=order, to="assembled", actor=florist.user, role=Role.FLORIST, extra_consumption=extra
            )
            task = ProductionTask.objects.get(order=order)
            finished = local(day, 7 + i % 2, 15) if i % 5 else task.deadline + dt.timedelta(minutes=30)
            ProductionTask.objects.filter(pk=task.pk).update(finished_at=finished, minutes_spent=20 + i)
        order.refresh_from_db()
        # Payments: around local midnight (23:30 on the day and 00:30 the next one).
        if i % 6 != 5:
            pay = order.total if i % 2 else (order.total / 2).quantize(Decimal("0.01"))
            if pay > 0:
                when = local(day, 23, 30) if i % 2 else local(day + dt.timedelta(days=1), 0, 30)
                payment_record(order=order, actor=actor, amount=pay, method=methods[i % len(methods)], paid_at=when)
                if i % 7 == 3:
                    payment_record(
                        order=order,
                        actor=actor,
                        amount=-(pay / 3).quantize(Decimal("0.01")),
                        method=methods[i % len(methods)],
                        paid_at=local(day, 12),
                    )
        if i % 8 == 7:
            order_transition(order=order, to="cancelled", actor=actor, role=Role.ADMIN, reason="Клиент передумал")
        elif i % 3 != 2 and i % 2 == 0:
            courier = couriers[i % 2].user
            closed = local(day, 11, 30) if i % 4 else local(day, 13, 0)  # window 10–12
            if i % 10 == 0:
                closed = local(day + dt.timedelta(days=1), 9, 0)
            Order.objects.filter(pk=order.pk).update(
                status=OrderStatus.DELIVERED, courier=courier, closed_at=closed, issue_type="late" if i % 4 == 0 else ""
            )
        order.refresh_from_db()
        world.orders.append(order)

    for n, reason in enumerate(WriteOffReason):
        stock_write_off(item=rose, quantity=n + 1, reason=reason, actor=actor, note="причина")
    stock_write_off(item=green, quantity=4, reason=WriteOffReason.WILTED, actor=actor)
    return world


@pytest.fixture
def world(db: None) -> World:
    today = timezone.localtime(timezone.now(), ALMATY).date()
    theirs = ShopFactory(name="Чужой")
    _populate(theirs, seed=2, today=today, small=True)
    return _populate(ShopFactory(name="Свой"), seed=1, today=today)


@pytest.fixture
def payments_of() -> object:
    def of(shop: Shop) -> list[Payment]:
        return list(Payment.objects.filter(order__shop=shop))

    return of
