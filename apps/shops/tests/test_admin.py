"""Django admin: a staff user who is not a superuser sees and edits only their shops' rows."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

import pytest
from django.contrib.admin.models import LogEntry
from django.test import Client

from apps.accounts.models import User
from apps.accounts.tests.factories import PASSWORD, UserFactory
from apps.shops import services
from apps.shops.models import DeliveryZone, Membership, Shop
from apps.shops.tests.factories import MembershipFactory, ShopFactory
from flowercrm.roles import Role

pytestmark = pytest.mark.django_db


def staff(shop: Shop, role: str, phone: str) -> Membership:
    """A member added the way the API and the admin add one (so ``is_staff`` is synced)."""
    return services.staff_add(
        shop=shop, phone=phone, name=f"{role} {shop.name}", role=role, password=PASSWORD
    ).membership


def browser(membership: Membership) -> Client:
    client = Client()
    client.force_login(User.objects.get(pk=membership.user_id))
    return client


def changelist_ids(client: Client, path: str) -> set[int]:
    response = client.get(path)
    assert response.status_code == 200, response.status_code
    return {obj.pk for obj in response.context["cl"].result_list}


@pytest.fixture
def manager_a(shop_a: Shop, shop_b: Shop) -> Membership:
    staff(shop_a, Role.ADMIN, "+77010000101")
    staff(shop_b, Role.ADMIN, "+77010000201")
    staff(shop_b, Role.FLORIST, "+77010000202")
    return staff(shop_a, Role.MANAGER, "+77010000102")


@pytest.fixture
def admin_a(manager_a: Membership, shop_a: Shop) -> Membership:
    return Membership.objects.get(shop=shop_a, role=Role.ADMIN)


def test_changelists_show_only_my_shops_rows(manager_a: Membership, shop_a: Shop, shop_b: Shop) -> None:
    client = browser(manager_a)
    assert changelist_ids(client, "/admin/shops/membership/") == set(
        Membership.objects.filter(shop=shop_a).values_list("pk", flat=True)
    )
    assert changelist_ids(client, "/admin/shops/shop/") == {shop_a.pk}
    assert changelist_ids(client, "/admin/accounts/user/") == set(
        Membership.objects.filter(shop=shop_a).values_list("user_id", flat=True)
    )
    # Searching does not reach beyond the scope either.
    assert changelist_ids(client, "/admin/shops/membership/?q=%D0%91") == set()


def test_another_shops_rows_cannot_be_opened(manager_a: Membership, shop_b: Shop) -> None:
    client = browser(manager_a)
    foreign = Membership.objects.filter(shop=shop_b).first()
    assert foreign is not None
    for path in (
        f"/admin/shops/membership/{foreign.pk}/change/",
        f"/admin/shops/shop/{shop_b.pk}/change/",
        f"/admin/accounts/user/{foreign.user_id}/change/",
    ):
        response = client.get(path)
        assert response.status_code == 302, path
        assert response["Location"] == "/admin/"
    response = client.post(f"/admin/shops/membership/{foreign.pk}/change/", {"role": "courier", "is_active": "on"})
    assert response.status_code in (302, 403)
    foreign.refresh_from_db()
    assert foreign.role != Role.COURIER


def test_manager_reads_but_cannot_change_staff_or_settings(manager_a: Membership, shop_a: Shop) -> None:
    client = browser(manager_a)
    florist = staff(shop_a, Role.FLORIST, "+77010000103")
    path = f"/admin/shops/membership/{florist.pk}/change/"
    response = client.get(path)
    assert response.status_code == 200
    assert response.context["has_change_permission"] is False
    assert client.post(path, {"role": "courier", "is_active": "on"}).status_code == 403
    florist.refresh_from_db()
    assert florist.role == Role.FLORIST
    assert client.get("/admin/shops/membership/add/").status_code == 403
    shop_path = f"/admin/shops/shop/{shop_a.pk}/change/"
    assert client.get(shop_path).status_code == 200
    assert client.post(shop_path, {"name": "Моё"}).status_code == 403
    shop_a.refresh_from_db()
    assert shop_a.name == "Магазин А"


def test_users_are_read_only_for_shop_staff(admin_a: Membership, manager_a: Membership) -> None:
    client = browser(admin_a)
    user = manager_a.user
    response = client.get(f"/admin/accounts/user/{user.pk}/change/")
    assert response.status_code == 200
    assert response.context["has_change_permission"] is False
    assert client.get(f"/admin/accounts/user/{user.pk}/password/").status_code == 403
    assert client.get("/admin/accounts/user/add/").status_code == 403


def test_admin_changes_a_membership(admin_a: Membership, manager_a: Membership) -> None:
    client = browser(admin_a)
    response = client.post(f"/admin/shops/membership/{manager_a.pk}/change/", {"role": "florist"})
    assert response.status_code == 302
    manager_a.refresh_from_db()
    assert (manager_a.role, manager_a.is_active) == (Role.FLORIST, False)
    # is_staff follows: no active admin/manager membership left.
    assert not User.objects.get(pk=manager_a.user_id).is_staff
    assert browser(manager_a).get("/admin/").status_code == 302


def test_admin_cannot_demote_the_last_admin(admin_a: Membership) -> None:
    client = browser(admin_a)
    path = f"/admin/shops/membership/{admin_a.pk}/change/"
    response = client.post(path, {"role": "manager", "is_active": "on"}, follow=True)
    assert response.status_code == 200
    assert any("последнего администратора" in str(m) for m in response.context["messages"])
    admin_a.refresh_from_db()
    assert (admin_a.role, admin_a.is_active) == (Role.ADMIN, True)


def test_fk_dropdown_offers_only_shops_i_may_write(admin_a: Membership, shop_a: Shop, shop_b: Shop) -> None:
    # A manager elsewhere: that shop is readable but not offered for new members.
    shop_c = ShopFactory(name="Магазин В")
    MembershipFactory(user=admin_a.user, shop=shop_c, role=Role.MANAGER)
    response = browser(admin_a).get("/admin/shops/membership/add/")
    assert response.status_code == 200
    assert list(response.context["adminform"].form.fields["shop"].queryset) == [shop_a]


def _add(client: Client, shop: Shop, **fields: Any) -> Any:
    data = {
        "shop": shop.pk,
        "phone": "8 701 000 03 01",
        "name": "Новый",
        "password": "admin-added-pass-1",
        "role": "manager",
    }
    return client.post("/admin/shops/membership/add/", {**data, **fields})


def test_admin_adds_a_member_through_the_admin(admin_a: Membership, shop_a: Shop) -> None:
    response = _add(browser(admin_a), shop_a)
    assert response.status_code == 302, response.context["adminform"].form.errors if response.context else ""
    membership = Membership.objects.get(shop=shop_a, user__phone="+77010000301")
    assert membership.role == Role.MANAGER
    assert membership.user.is_staff
    assert membership.user.check_password("admin-added-pass-1")
    assert LogEntry.objects.filter(object_id=str(membership.pk)).exists()


def test_adding_an_existing_user_keeps_their_name_and_password(admin_a: Membership, shop_a: Shop) -> None:
    existing = UserFactory(phone="+77010000301", name="Дана")
    response = _add(browser(admin_a), shop_a, role="florist")
    assert response.status_code == 302
    existing.refresh_from_db()
    assert (existing.name, existing.check_password(PASSWORD), existing.is_staff) == ("Дана", True, False)
    assert Membership.objects.filter(shop=shop_a, user=existing, role=Role.FLORIST).exists()


def test_admin_cannot_add_a_member_to_another_shop(admin_a: Membership, shop_b: Shop) -> None:
    response = _add(browser(admin_a), shop_b)
    assert response.status_code == 200
    assert "shop" in response.context["adminform"].form.errors
    assert not User.objects.filter(phone="+77010000301").exists()


def test_adding_a_bad_phone_or_a_duplicate_is_a_form_error(
    admin_a: Membership, manager_a: Membership, shop_a: Shop
) -> None:
    client = browser(admin_a)
    response = _add(client, shop_a, phone="12345")
    assert response.status_code == 200
    assert "phone" in response.context["adminform"].form.errors
    count = Membership.objects.count()
    response = _add(client, shop_a, phone=manager_a.user.phone, role="florist", follow=True)
    assert Membership.objects.count() == count


def test_is_staff_follows_memberships(shop_a: Shop, shop_b: Shop) -> None:
    staff(shop_a, Role.ADMIN, "+77010000101")
    florist = staff(shop_a, Role.FLORIST, "+77010000401")
    assert not User.objects.get(pk=florist.user_id).is_staff
    manager = staff(shop_b, Role.MANAGER, "+77010000401")
    # An existing account is only invited: no admin access until the person accepts.
    assert manager.status == "invited"
    assert not User.objects.get(pk=florist.user_id).is_staff
    manager = services.invitation_accept(user=florist.user, invitation_id=manager.pk)
    assert User.objects.get(pk=florist.user_id).is_staff
    staff(shop_b, Role.ADMIN, "+77010000201")
    services.membership_update(membership=manager, actor=florist.user, is_active=False)
    assert not User.objects.get(pk=florist.user_id).is_staff
    services.membership_update(membership=florist, actor=florist.user, role=Role.MANAGER)
    assert User.objects.get(pk=florist.user_id).is_staff


def test_florist_and_plain_users_cannot_enter(shop_a: Shop) -> None:
    florist = staff(shop_a, Role.FLORIST, "+77010000401")
    response = browser(florist).get("/admin/shops/membership/")
    assert response.status_code == 302
    assert response["Location"].startswith("/admin/login/")


def test_shop_admin_edits_delivery_zones_inline(admin_a: Membership, shop_a: Shop) -> None:
    zone = DeliveryZone.objects.create(shop=shop_a, name="Центр", fee=Decimal("1000"))
    client = browser(admin_a)
    path = f"/admin/shops/shop/{shop_a.pk}/change/"
    response = client.get(path)
    assert response.status_code == 200
    formsets = response.context["inline_admin_formsets"]
    assert [f.formset.prefix for f in formsets] == ["delivery_zones"]
    data = {
        "name": shop_a.name,
        "time_zone": "Asia/Almaty",
        "default_delivery_fee": "500",
        "markups": '{"default": {"minimum": "50", "recommended": "100", "premium": "150"}}',
        "labour_cost": "0",
        "preparation_minutes": "60",
        "price_rounding_step": "10",
        "low_stock_notify": "on",
        "delivery_zones-TOTAL_FORMS": "2",
        "delivery_zones-INITIAL_FORMS": "1",
        "delivery_zones-MIN_NUM_FORMS": "0",
        "delivery_zones-MAX_NUM_FORMS": "1000",
        "delivery_zones-0-id": str(zone.pk),
        "delivery_zones-0-shop": str(shop_a.pk),
        "delivery_zones-0-name": "Центр",
        "delivery_zones-0-fee": "1200",
        "delivery_zones-1-shop": str(shop_a.pk),
        "delivery_zones-1-name": "Север",
        "delivery_zones-1-fee": "1500",
    }
    response = client.post(path, data)
    assert response.status_code == 302, response.context["adminform"].form.errors if response.context else ""
    assert sorted(DeliveryZone.objects.filter(shop=shop_a).values_list("name", "fee")) == [
        ("Север", Decimal("1500.00")),
        ("Центр", Decimal("1200.00")),
    ]
    shop_a.refresh_from_db()
    assert shop_a.default_delivery_fee == Decimal("500")


def test_superuser_sees_everything(shop_a: Shop, shop_b: Shop, manager_a: Membership) -> None:
    root = User.objects.create_superuser("+77010009999", PASSWORD)
    client = Client()
    client.force_login(root)
    assert changelist_ids(client, "/admin/shops/shop/") == {shop_a.pk, shop_b.pk}
    assert changelist_ids(client, "/admin/shops/membership/") == set(Membership.objects.values_list("pk", flat=True))


def test_deactivating_a_user_in_the_admin_closes_their_sockets(manager_a: Membership, monkeypatch) -> None:
    """A user switched off by a platform operator stops receiving live events at once (the
    API already refuses their token), like a deactivated membership."""
    from flowercrm import events

    closed: list[dict[str, Any]] = []
    monkeypatch.setattr(events, "force_close", lambda **kwargs: closed.append(kwargs))
    root = User.objects.create_superuser("+77010009999", PASSWORD)
    client = Client()
    client.force_login(root)
    user = User.objects.get(pk=manager_a.user_id)
    url = f"/admin/accounts/user/{user.pk}/change/"
    form = client.get(url).context["adminform"].form
    data = {name: form.initial.get(name) or "" for name in form.fields if name != "password"}
    for flag in ("is_active", "is_staff", "is_superuser"):
        if not data.get(flag):
            data.pop(flag, None)
    data["name"] = "Переименован"
    assert client.post(url, data).status_code == 302
    assert closed == []  # a rename keeps the sockets
    data.pop("is_active")
    assert client.post(url, data).status_code == 302
    user.refresh_from_db()
    assert user.is_active is False
    assert closed == [{"user_id": user.pk}]


def _shop_form(shop: Shop, **fields: str) -> dict[str, str]:
    data = {
        "name": shop.name,
        "slug": shop.slug,
        "time_zone": "Asia/Almaty",
        "default_delivery_fee": "0",
        "markups": '{"default": {"minimum": "50", "recommended": "100", "premium": "150"}}',
        "labour_cost": "0",
        "preparation_minutes": "60",
        "price_rounding_step": "10",
        "low_stock_notify": "on",
        "delivery_zones-TOTAL_FORMS": "0",
        "delivery_zones-INITIAL_FORMS": "0",
        "delivery_zones-MIN_NUM_FORMS": "0",
        "delivery_zones-MAX_NUM_FORMS": "1000",
    }
    data.update(fields)
    return data


def test_shop_admin_sets_the_public_profile_and_slug(admin_a: Membership, shop_a: Shop) -> None:
    """Issue 18: the shop's admin switches the storefront on and edits its slug (unique,
    URL-safe); the phone is kept in E.164 like every phone."""
    client = browser(admin_a)
    path = f"/admin/shops/shop/{shop_a.pk}/change/"
    data = _shop_form(
        shop_a,
        slug="romashka-almaty",
        storefront_enabled="on",
        phone="8 727 250 00 00",
        address="Алматы, ул. Абая 10",
        hours="9:00–21:00",
    )
    response = client.post(path, data)
    assert response.status_code == 302, response.context["adminform"].form.errors if response.context else ""
    shop_a.refresh_from_db()
    assert (shop_a.slug, shop_a.storefront_enabled, shop_a.phone, shop_a.hours) == (
        "romashka-almaty",
        True,
        "+77272500000",
        "9:00–21:00",
    )


@pytest.mark.parametrize("fields", [{"slug": "два слова"}, {"slug": "taken-slug"}, {"phone": "12345"}])
def test_shop_admin_bad_profile_is_a_form_error(
    admin_a: Membership, shop_a: Shop, shop_b: Shop, fields: dict[str, str]
) -> None:
    shop_b.slug = "taken-slug"
    shop_b.save()
    before = (shop_a.slug, shop_a.phone)
    response = browser(admin_a).post(f"/admin/shops/shop/{shop_a.pk}/change/", _shop_form(shop_a, **fields))
    assert response.status_code == 200
    assert set(response.context["adminform"].form.errors) == set(fields)
    shop_a.refresh_from_db()
    assert (shop_a.slug, shop_a.phone) == before
