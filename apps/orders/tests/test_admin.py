"""The orders admin: scoped to the staff user's shops (transitions, payments and the timeline are
the order desk's: ``apps/orders/admin_desk.py``; the list and the form: ``test_admin_list.py``,
``test_admin_form.py``)."""

from __future__ import annotations

import pytest
from django.test import Client

from apps.orders.tests.factories import make_order, make_product
from flowercrm.roles import Role

pytestmark = pytest.mark.django_db


@pytest.fixture
def manager_client(member):
    manager = member(Role.MANAGER)
    manager.user.is_staff = True  # what user_sync_staff sets for managers
    manager.user.save()
    client = Client()
    client.force_login(manager.user)
    return manager, client


def test_changelist_shows_only_own_shop(manager_client, shop, other_shop, member) -> None:
    manager, client = manager_client
    mine = make_order(shop, manager.user, make_product(shop))
    foreign_admin = member(Role.ADMIN, shop=other_shop)
    theirs = make_order(other_shop, foreign_admin.user, make_product(other_shop))
    page = client.get("/admin/orders/order/")
    assert page.status_code == 200
    assert f"/admin/orders/order/{mine.pk}/change/" in page.content.decode()
    assert f"/admin/orders/order/{theirs.pk}/change/" not in page.content.decode()
    assert client.get(f"/admin/orders/order/{theirs.pk}/change/").status_code == 302  # "does not exist"


def test_managers_see_the_items(manager_client, shop) -> None:
    manager, client = manager_client
    order = make_order(shop, manager.user, make_product(shop))
    page = client.get(f"/admin/orders/order/{order.pk}/change/").content.decode()
    assert order.items.get().name in page
