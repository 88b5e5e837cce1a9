from __future__ import annotations

import factory

from apps.accounts.tests.factories import UserFactory
from apps.shops.models import Membership, Shop
from flowercrm.roles import Role


class ShopFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Shop

    name = factory.Sequence(lambda n: f"Магазин {n}")


class MembershipFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Membership

    user = factory.SubFactory(UserFactory)
    shop = factory.SubFactory(ShopFactory)
    role = Role.MANAGER
    is_active = True
