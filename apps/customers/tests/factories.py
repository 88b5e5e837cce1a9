from __future__ import annotations

import factory

from apps.customers.models import Customer, CustomerAddress, CustomerPhone, CustomerTag, ImportantDate
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
