from __future__ import annotations

import datetime as dt
import itertools
from decimal import Decimal
from typing import Any

import factory
from django.utils import timezone

from apps.customers.models import Customer, CustomerAddress, CustomerPhone, CustomerTag, ImportantDate
from apps.orders.models import Order, OrderStatus, Payment, PaymentMethod
from apps.shops.tests.factories import ShopFactory


class CustomerFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Customer

    shop = factory.SubFactory(ShopFactory)
    phone = factory.Sequence(lambda n: f"+7702{n:07d}")
    name = factory.Sequence(lambda n: f"Клиент {n}")


class AddressFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = CustomerAddress

    customer = factory.SubFactory(CustomerFactory)
    address = factory.Sequence(lambda n: f"ул. Абая {n}")


class ImportantDateFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = ImportantDate

    customer = factory.SubFactory(CustomerFactory)
    day = 8
    month = 3
    title = "День рождения жены"


class ExtraPhoneFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = CustomerPhone

    customer = factory.SubFactory(CustomerFactory)
    shop = factory.LazyAttribute(lambda o: o.customer.shop)
    phone = factory.Sequence(lambda n: f"+7705{n:07d}")


class TagFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = CustomerTag

    customer = factory.SubFactory(CustomerFactory)
    name = factory.Sequence(lambda n: f"тег {n}")


# Orders belong to apps/orders (built elsewhere); the tests here need only rows with a
# customer, a status, a total and a creation time.
_numbers = itertools.count(1)


def make_order(
    customer: Customer,
    *,
    status: str = OrderStatus.NEW,
    total: Decimal | str = "0.00",
    created_at: dt.datetime | None = None,
    payments: tuple[Decimal | str, ...] = (),
    **extra: Any,
) -> Order:
    """An order row; ``payments`` are amounts received for it (negative: a refund)."""
    order = Order.objects.create(
        shop=customer.shop,
        number=next(_numbers),
        customer=customer,
        delivery_date=dt.date(2026, 12, 1),
        status=status,
        total=Decimal(total),
        subtotal=Decimal(total),
        **extra,
    )
    if created_at is not None:
        Order.objects.filter(pk=order.pk).update(created_at=created_at)
        order.created_at = created_at
    for amount in payments:
        Payment.objects.create(order=order, amount=Decimal(amount), method=PaymentMethod.CASH, paid_at=timezone.now())
    return order
