"""Every registered admin, swept as the back office of one shop: no page (changelist with its
filters, add form with its dropdowns, change form with its inlines) shows another shop's rows
or people."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest
from django.contrib import admin
from django.test import Client, RequestFactory

from apps.accounts.tests.factories import UserFactory
from apps.orders.models import OrderStatus
from apps.orders.services import order_transition
from apps.orders.tests.factories import make_customer, make_order, make_product, make_stock
from apps.shops.models import Membership, Shop
from apps.shops.tests.factories import MembershipFactory
from apps.supplies.tests.factories import SupplierFactory, SupplyFactory, SupplyLineFactory
from flowercrm.admin import ShopScopedAdmin
from flowercrm.models import UploadedImage
from flowercrm.roles import Role

pytestmark = pytest.mark.django_db

# Strings that name shop B's rows and people; none may appear on shop A's admin pages.
FOREIGN = "Чужестранец"


def _populate(shop: Shop, admin_member: Membership, tag: str) -> None:
    """One row of every kind in ``shop``, named with ``tag``."""
    florist = MembershipFactory(shop=shop, role=Role.FLORIST, user=UserFactory(name=f"{tag} флорист"))
    stem = make_stock(shop, name=f"{tag} роза")
    product = make_product(shop, recipe={stem: 1})
    product.name = f"{tag} букет"
    product.save()
    customer = make_customer(shop, name=f"{tag} покупатель")
    order = make_order(shop, admin_member.user, product, customer=customer, florist=florist.user)
    order_transition(order=order, to=OrderStatus.CONFIRMED, actor=admin_member.user, role=Role.ADMIN)
    supplier = SupplierFactory(shop=shop, name=f"{tag} поставщик")
    SupplyLineFactory(supply=SupplyFactory(shop=shop, supplier=supplier, date=dt.date(2026, 11, 20)))
    UploadedImage.objects.create(
        shop=shop,
        uploaded_by=admin_member.user,
        file=f"shops/{shop.pk}/images/{tag}.jpg",
        thumbnail=f"shops/{shop.pk}/images/{tag}_thumb.jpg",
        original_name=f"{tag}.jpg",
        size=1,
        content_type="image/jpeg",
        width=1,
        height=1,
    )


@pytest.fixture
def two_shops(shop: Shop, other_shop: Shop) -> dict[str, Any]:
    mine = MembershipFactory(shop=shop, role=Role.ADMIN, user=UserFactory(name="Своя Админ"))
    foreign_admin = MembershipFactory(shop=other_shop, role=Role.ADMIN, user=UserFactory(name=f"{FOREIGN} админ"))
    _populate(shop, mine, "Свой")
    _populate(other_shop, foreign_admin, FOREIGN)
    return {"mine": mine, "foreign": foreign_admin}


def _client_for(membership: Membership) -> Client:
    membership.user.is_staff = True  # what user_sync_staff sets for admins and managers
    membership.user.save()
    client = Client()
    client.force_login(membership.user)
    return client


def _pages(client: Client, user: Any) -> list[str]:
    """Every changelist, add form and the change form of the first visible row of each
    registered admin."""
    request = RequestFactory().get("/admin/")
    request.user = user
    urls = []
    for model, model_admin in admin.site._registry.items():
        if not isinstance(model_admin, ShopScopedAdmin):
            continue
        base = f"/admin/{model._meta.app_label}/{model._meta.model_name}/"
        urls.append(base)
        if model_admin.has_add_permission(request):
            urls.append(f"{base}add/")
        first = model_admin.get_queryset(request).order_by("pk").first()
        if first is not None:
            urls.append(f"{base}{first.pk}/change/")
    return urls


@pytest.mark.parametrize("role", [Role.ADMIN, Role.MANAGER])
def test_no_admin_page_shows_another_shops_rows_or_people(two_shops, shop, role) -> None:
    me = two_shops["mine"] if role == Role.ADMIN else MembershipFactory(shop=shop, role=Role.MANAGER)
    client = _client_for(me)
    pages = _pages(client, me.user)
    assert len(pages) > 20  # every app's admin took part
    for url in pages:
        response = client.get(url)
        assert response.status_code == 200, url
        assert FOREIGN not in response.content.decode(), url


@pytest.mark.parametrize("role", [Role.ADMIN, Role.MANAGER])
def test_admin_autocomplete_offers_no_other_shops_rows(two_shops, shop, role) -> None:
    """``/admin/autocomplete/`` answers for any relation of a registered model whose target
    has a searchable admin (whether or not a form uses it): it must stay scoped too."""
    me = two_shops["mine"] if role == Role.ADMIN else MembershipFactory(shop=shop, role=Role.MANAGER)
    client = _client_for(me)
    asked = 0
    for model, model_admin in admin.site._registry.items():
        if not isinstance(model_admin, ShopScopedAdmin):
            continue
        for field in model._meta.get_fields():
            if not (field.is_relation and field.concrete and field.related_model in admin.site._registry):
                continue
            query = f"app_label={model._meta.app_label}&model_name={model._meta.model_name}&field_name={field.name}"
            response = client.get(f"/admin/autocomplete/?{query}&term=")
            assert response.status_code in (200, 403, 404), query
            assert FOREIGN not in response.content.decode(), query
            asked += response.status_code == 200
    assert asked >= 5
