"""``ShopScopedReadOnlyInline``: rows a service owns, shown with image previews on a shop-scoped
admin form to the shop's staff, never editable there (here: the orders' photos)."""

from __future__ import annotations

import pytest
from django.test import Client

from apps.catalog.tests.factories import UploadedImageFactory
from apps.orders.models import OrderPhoto
from apps.orders.services import order_photo_add
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


def test_order_photos_are_shown_with_previews_read_only(manager_client, shop) -> None:
    manager, client = manager_client
    order = make_order(shop, manager.user, make_product(shop))
    images = [UploadedImageFactory(shop=shop) for _ in range(2)]
    for image, kind in zip(images, ["bouquet", "delivery_proof"], strict=True):
        order_photo_add(order=order, actor=manager.user, role=Role.MANAGER, image_id=image.pk, kind=kind)

    page = client.get(f"/admin/orders/order/{order.pk}/change/")
    assert page.status_code == 200
    html = page.content.decode()
    for image in images:
        assert f'<a href="/media/{image.file.name}"' in html
        assert f'<img src="/media/{image.thumbnail.name}"' in html
    [photos] = [f for f in page.context["inline_admin_formsets"] if f.formset.model is OrderPhoto]
    assert len(photos.formset.forms) == 2
    assert not photos.has_add_permission and not photos.has_change_permission and not photos.has_delete_permission


def test_another_shops_order_photos_are_not_shown(manager_client, other_shop, member) -> None:
    _, client = manager_client
    owner = member(Role.ADMIN, shop=other_shop)
    order = make_order(other_shop, owner.user, make_product(other_shop))
    image = UploadedImageFactory(shop=other_shop)
    order_photo_add(order=order, actor=owner.user, role=Role.ADMIN, image_id=image.pk, kind="other")
    response = client.get(f"/admin/orders/order/{order.pk}/change/")
    assert response.status_code == 302  # "does not exist"
    assert image.thumbnail.name not in client.get("/admin/orders/order/").content.decode()
