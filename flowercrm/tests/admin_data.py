"""A shop's back office filled as a working day leaves it, for the admin list tests: stock
with long names and a shortage, products with recipes, customers with addresses, dates, tags
and orders, a received and a draft supply, production tasks. ``fill_shop`` builds it through
the services (as the day would), so the lists show what they show in production."""

from __future__ import annotations

import datetime as dt
import itertools
from dataclasses import dataclass, field
from decimal import Decimal

from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext

from apps.accounts.models import User
from apps.catalog.models import Product
from apps.customers.models import Customer
from apps.customers.tests.factories import AddressFactory, ImportantDateFactory, TagFactory
from apps.orders.models import Order, OrderStatus
from apps.orders.services import order_transition
from apps.orders.tests.factories import make_customer, make_order, make_product, make_stock
from apps.shops.models import Membership, Shop
from apps.shops.tests.factories import MembershipFactory
from apps.supplies.models import Supply
from apps.supplies.services import supply_receive
from apps.supplies.tests.factories import SupplierFactory, SupplyFactory, SupplyLineFactory
from apps.warehouse.models import StockItem
from apps.warehouse.services import stock_reserve
from flowercrm.roles import Role

_PHONES = itertools.count(5550000)

LONG_NOTE = (
    "Постоянная клиентка, любит пионы и нежные оттенки; звонить только после 10 утра, "
    "в выходные — на второй номер; открытки подписывать от «мужа и детей». "
) * 3


@dataclass
class ShopDay:
    """What ``fill_shop`` made, for assertions."""

    admin: Membership
    florist: Membership
    stock: list[StockItem] = field(default_factory=list)
    products: list[Product] = field(default_factory=list)
    customers: list[Customer] = field(default_factory=list)
    orders: list[Order] = field(default_factory=list)
    supplies: list[Supply] = field(default_factory=list)


def fill_shop(shop: Shop, *, tag: str, rows: int = 3, admin: Membership | None = None) -> ShopDay:
    """``rows`` of each kind in ``shop`` (names start with ``tag``); one stock item is short
    (negative ``available``), orders are confirmed (each has a production task)."""
    admin = admin or MembershipFactory(shop=shop, role=Role.ADMIN, user__name=f"{tag} Администраторова")
    florist = MembershipFactory(shop=shop, role=Role.FLORIST, user__name=f"{tag} Флористова Дана")
    day = ShopDay(admin=admin, florist=florist)
    actor: User = admin.user
    for n in range(rows):
        item = make_stock(shop, name=f"{tag} Роза Фридом красная премиум {n}", quantity=40 + n, unit_price="350")
        item.min_quantity = 50
        item.height_cm = 60 + n
        item.save()
        day.stock.append(item)
    short = make_stock(shop, name=f"{tag} Эвкалипт цинерея", quantity=5, unit_price="120")
    stock_reserve(shop=shop, lines={short.pk: 8})
    short.refresh_from_db()
    day.stock.append(short)
    for n in range(rows):
        product = make_product(shop, price=str(15000 + n * 1000), recipe={day.stock[n]: 11})
        product.name = f"{tag} Букет «Нежное утро» из 11 роз и эвкалипта {n}"
        product.save()
        day.products.append(product)
        customer = make_customer(shop, name=f"{tag} Айгерим Нурланова {n}", phone=f"+7701{next(_PHONES):07d}")
        customer.notes = LONG_NOTE
        customer.email = f"aigerim.nurlanova.{n}@example-flowers-shop.kz"
        customer.save()
        AddressFactory(
            customer=customer,
            label="Дом",
            address="г. Алматы, мкр. Самал-2, ул. Жолдасбекова 97, ЖК «Нурлы Тау», блок 3Б, кв. 145",
            entrance="3",
            floor="12",
            intercom="145К2038",
            comment="Шлагбаум со стороны Аль-Фараби, охране сказать номер квартиры. " * 2,
            is_default=True,
        )
        ImportantDateFactory(customer=customer, day=1 + n, month=12, title="День рождения жены")
        TagFactory(customer=customer, name="постоянный")
        day.customers.append(customer)
        order = make_order(
            shop,
            actor,
            product,
            customer=customer,
            florist=florist.user,
            delivery_date=dt.date(2026, 12, 1),
            delivery_address="г. Алматы, мкр. Самал-2, ул. Жолдасбекова 97, блок 3Б, кв. 145",
        )
        order_transition(order=order, to=OrderStatus.CONFIRMED, actor=actor, role=Role.ADMIN)
        day.orders.append(order)
        supplier = SupplierFactory(shop=shop, name=f"{tag} ТОО «Голландские цветы Казахстан» {n}")
        supply = SupplyFactory(shop=shop, supplier=supplier, date=dt.date(2026, 11, 20 + n % 5))
        SupplyLineFactory(supply=supply, stock_item=day.stock[n], quantity=25, purchase_price=Decimal("310.5000"))
        SupplyLineFactory(supply=supply, stock_item=short, quantity=10, purchase_price=Decimal("95.0000"))
        if n % 2 == 0:
            supply_receive(supply=supply, actor=actor)
        day.supplies.append(supply)
    return day


def admin_browser(membership: Membership, *, staff: bool = True) -> Client:
    """A logged-in browser of ``membership``'s person; ``staff`` as ``user_sync_staff`` sets it
    for admins and managers (forced on for other roles to prove the admin still refuses them)."""
    membership.user.is_staff = staff
    membership.user.save()
    client = Client()
    client.force_login(membership.user)
    return client


def queries_of(client: Client, url: str) -> int:
    """The number of database queries one GET of ``url`` makes (it must answer 200)."""
    with CaptureQueriesContext(connection) as queries:
        response = client.get(url)
    assert response.status_code == 200, (url, response.status_code)
    return len(queries)
