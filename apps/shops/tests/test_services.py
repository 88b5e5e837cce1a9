"""Shop, staff and settings services."""

from __future__ import annotations

from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError

from apps.accounts.models import User
from apps.accounts.tests.factories import PASSWORD, UserFactory
from apps.shops import selectors, services
from apps.shops.models import DeliveryZone, Membership, Shop
from apps.shops.tests.factories import MembershipFactory, ShopFactory
from flowercrm.errors import Conflict, Invalid
from flowercrm.roles import Role

pytestmark = pytest.mark.django_db


def test_shop_create() -> None:
    shop, staff = services.shop_create(name=" Лилия ", admin_phone="87015550001", admin_password=PASSWORD)
    assert shop.name == "Лилия"
    assert (staff.membership.role, staff.existing_user, staff.membership.user.is_staff) == (Role.ADMIN, False, True)


@pytest.mark.parametrize("name", ["лилия", "ЛИЛИЯ", "Лилия"])
def test_shop_create_allows_a_taken_name_with_its_own_slug(name: str) -> None:
    first = ShopFactory(name="Лилия")
    shop, _staff = services.shop_create(name=name, admin_phone="87015550001", admin_password=PASSWORD)
    assert (first.slug, shop.slug) == ("liliia", "liliia-2")
    assert Shop.objects.count() == 2


def test_shop_create_with_a_slug() -> None:
    shop, _ = services.shop_create(name="Лилия", slug="Lily-Almaty", admin_phone="87015550001")
    assert shop.slug == "lily-almaty"
    with pytest.raises(Conflict):
        services.shop_create(name="Другая", slug="lily-almaty", admin_phone="87015550002")
    with pytest.raises(Invalid):
        services.shop_create(name="Другая", slug="not a slug!", admin_phone="87015550002")
    assert Shop.objects.count() == 1


def test_shop_create_refuses_a_blank_name() -> None:
    with pytest.raises(Invalid):
        services.shop_create(name="  ", admin_phone="87015550001")
    assert not Shop.objects.exists()


def test_shop_find_by_id_slug_or_unambiguous_name() -> None:
    elka = ShopFactory(name="Ёлка Flowers")
    assert selectors.shop_find(key=str(elka.id)) == elka
    assert selectors.shop_find(key=elka.slug) == elka == selectors.shop_find(key=" ЁЛКА FLOWERS ")
    assert selectors.shop_find(key="Елка Flowers") is None
    twin = ShopFactory(name="ёлка flowers")
    with pytest.raises(Conflict, match=twin.slug):
        selectors.shop_find(key="Ёлка Flowers")
    assert selectors.shop_find(key=twin.slug) == twin


def test_staff_add_refuses_a_second_membership_in_the_same_shop() -> None:
    shop = ShopFactory()
    services.staff_add(shop=shop, phone="87015550001", name="Дана", role=Role.FLORIST)
    with pytest.raises(Conflict):
        services.staff_add(shop=shop, phone="+77015550001", name="Дана", role=Role.ADMIN)
    assert Membership.objects.get().role == Role.FLORIST


def test_staff_add_existing_user_in_another_shop() -> None:
    user = UserFactory(phone="+77015550001", name="Дана")
    result = services.staff_add(
        shop=ShopFactory(), phone="8 701 555 00 01", name="X", role=Role.COURIER, password="p-1234567x"
    )
    assert result.existing_user
    assert result.membership.user == user
    user.refresh_from_db()
    assert user.name == "Дана" and user.check_password(PASSWORD)


def test_membership_update_keeps_one_active_admin() -> None:
    admin = MembershipFactory(role=Role.ADMIN)
    with pytest.raises(Conflict):
        services.membership_update(membership=admin, actor=admin.user, role=Role.MANAGER)
    with pytest.raises(Conflict):
        services.membership_update(membership=admin, actor=admin.user, is_active=False)
    second = MembershipFactory(role=Role.ADMIN, shop=admin.shop)
    services.membership_update(membership=admin, actor=second.user, is_active=False)
    with pytest.raises(Conflict):
        services.membership_update(membership=second, actor=second.user, role=Role.FLORIST)
    # An admin in another shop does not count.
    MembershipFactory(role=Role.ADMIN, user=second.user)
    with pytest.raises(Conflict):
        services.membership_update(membership=second, actor=second.user, role=Role.FLORIST)


def test_membership_update_reads_the_current_row_not_a_stale_instance() -> None:
    admin = MembershipFactory(role=Role.ADMIN)
    stale = Membership.objects.get(pk=admin.pk)
    other = MembershipFactory(role=Role.ADMIN, shop=admin.shop)
    services.membership_update(membership=other, actor=other.user, role=Role.MANAGER)
    with pytest.raises(Conflict):
        services.membership_update(membership=stale, actor=admin.user, role=Role.MANAGER)


def test_staff_update_is_all_or_nothing() -> None:
    admin = MembershipFactory(role=Role.ADMIN, user=UserFactory(name="Алия"))
    with pytest.raises(Conflict):
        services.staff_update(membership=admin, actor=admin.user, name="Другое", role=Role.MANAGER)
    assert User.objects.get(pk=admin.user_id).name == "Алия"
    florist = MembershipFactory(role=Role.FLORIST, shop=admin.shop)
    with pytest.raises(Invalid):
        services.staff_update(membership=florist, actor=admin.user, name="Другое", role=Role.COURIER)
    florist.refresh_from_db()
    assert florist.role == Role.FLORIST
    services.staff_update(membership=admin, actor=admin.user, name=" Алия Б. ")
    assert User.objects.get(pk=admin.user_id).name == "Алия Б."


def test_shop_update_replaces_zones() -> None:
    shop = ShopFactory()
    keep = DeliveryZone.objects.create(shop=shop, name="Центр", fee=Decimal(1))
    drop = DeliveryZone.objects.create(shop=shop, name="Север", fee=Decimal(2))
    services.shop_update(
        shop=shop,
        data={
            "delivery_zones": [{"id": keep.id, "name": "Север", "fee": Decimal(5)}, {"name": "Юг", "fee": Decimal(3)}]
        },
    )
    assert not DeliveryZone.objects.filter(pk=drop.id).exists()
    assert sorted(DeliveryZone.objects.filter(shop=shop).values_list("name", "fee")) == [
        ("Север", Decimal("5.00")),
        ("Юг", Decimal("3.00")),
    ]
    assert DeliveryZone.objects.get(name="Север").id == keep.id


def test_shop_update_validates_the_model() -> None:
    shop = ShopFactory()
    with pytest.raises(ValidationError):
        services.shop_update(shop=shop, data={"time_zone": "Nowhere/City"})
    with pytest.raises(ValidationError):
        services.shop_update(shop=shop, data={"markups": {"default": {"minimum": 1}}})
    shop.refresh_from_db()
    assert shop.time_zone == "Asia/Almaty"


def test_user_sync_staff_follows_active_back_office_memberships() -> None:
    membership = MembershipFactory(role=Role.FLORIST)
    user = membership.user
    services.user_sync_staff(user=user)
    assert not User.objects.get(pk=user.pk).is_staff
    Membership.objects.filter(pk=membership.pk).update(role=Role.MANAGER)
    services.user_sync_staff(user=user)
    assert User.objects.get(pk=user.pk).is_staff
    Membership.objects.filter(pk=membership.pk).update(is_active=False)
    services.user_sync_staff(user=user)
    assert not User.objects.get(pk=user.pk).is_staff
    user.is_superuser = True
    user.save()
    services.user_sync_staff(user=user)
    assert User.objects.get(pk=user.pk).is_staff
