"""Order photos: bouquet before delivery (on tracking), the courier's proof, per-role kinds."""

from __future__ import annotations

import pytest
from django.core.files.storage import default_storage
from django.core.files.uploadedfile import SimpleUploadedFile

from apps.orders.models import Order, OrderPhoto, OrderStatus
from apps.orders.tests.factories import make_order, make_product
from flowercrm.models import UploadedImage
from flowercrm.roles import Role
from flowercrm.testing import assert_error
from flowercrm.tests.image_corpus import jpeg

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("media_root")]


def upload(client) -> int:
    response = client.post(
        "/api/upload/image", {"file": SimpleUploadedFile("b.jpg", jpeg(), "image/jpeg")}, format="multipart"
    )
    assert response.status_code == 201, response.content
    return response.json()["id"]


@pytest.fixture
def setup(shop, member, api_as):
    office, florist, courier = member(Role.MANAGER), member(Role.FLORIST), member(Role.COURIER)
    order = make_order(shop, office.user, make_product(shop), courier=courier.user)
    Order.objects.filter(pk=order.pk).update(status=OrderStatus.ASSEMBLED)
    return order, api_as(office), api_as(florist), api_as(courier)


def test_florist_adds_the_bouquet_photo_and_tracking_shows_it(setup, api) -> None:
    order, office, florist, _ = setup
    image_id = upload(florist)
    response = florist.post(f"/api/orders/{order.id}/photos/", {"image_id": image_id, "kind": "bouquet"}, format="json")
    assert response.status_code == 201, response.json()
    photo = response.json()["photos"][0]
    assert photo["kind"] == "bouquet" and photo["image"]["id"] == image_id
    assert response.json()["events"][-1]["type"] == "photo"
    tracking = api.get(f"/api/tracking/{order.tracking_token}/").json()
    assert tracking["photo"]["url"].endswith(UploadedImage.objects.get(pk=image_id).file.name)


def test_kinds_by_role_and_reuse_refused(setup) -> None:
    order, office, florist, courier = setup
    image_id = upload(courier)
    assert_error(
        courier.post(f"/api/orders/{order.id}/photos/", {"image_id": image_id, "kind": "bouquet"}, format="json"),
        403,
        "permission_denied",
    )
    assert (
        courier.post(
            f"/api/orders/{order.id}/photos/", {"image_id": image_id, "kind": "delivery_proof"}, format="json"
        ).status_code
        == 201
    )
    again = office.post(f"/api/orders/{order.id}/photos/", {"image_id": image_id, "kind": "other"}, format="json")
    assert_error(again, 400, "invalid")
    assert OrderPhoto.objects.count() == 1


def test_another_shops_image_is_400_and_nothing_attached(setup, other_shop, member, api_as) -> None:
    order, office, _, _ = setup
    foreign_image = upload(api_as(member(Role.ADMIN, shop=other_shop)))
    response = office.post(
        f"/api/orders/{order.id}/photos/", {"image_id": foreign_image, "kind": "other"}, format="json"
    )
    assert "image_id" in assert_error(response, 400, "invalid")["errors"]
    assert not OrderPhoto.objects.exists()
    assert UploadedImage.objects.get(pk=foreign_image).attached_at is None


def test_courier_delivers_with_a_proof_photo(setup) -> None:
    order, _, _, courier = setup
    Order.objects.filter(pk=order.pk).update(status=OrderStatus.OUT_FOR_DELIVERY)
    image_id = upload(courier)
    response = courier.post(
        f"/api/orders/{order.id}/transition/", {"status": "delivered", "photo_id": image_id}, format="json"
    )
    assert response.status_code == 200, response.json()
    assert OrderPhoto.objects.get(order=order).kind == "delivery_proof"
    order.refresh_from_db()
    assert order.status == OrderStatus.DELIVERED


def test_a_refused_photo_rolls_back_the_transition(setup, other_shop, member, api_as) -> None:
    order, _, _, courier = setup
    Order.objects.filter(pk=order.pk).update(status=OrderStatus.OUT_FOR_DELIVERY)
    image_id = upload(courier)
    UploadedImage.objects.filter(pk=image_id).update(attached_at="2026-01-01T00:00:00Z")  # already used
    response = courier.post(
        f"/api/orders/{order.id}/transition/", {"status": "delivered", "photo_id": image_id}, format="json"
    )
    assert_error(response, 400, "invalid")
    order.refresh_from_db()
    assert order.status == OrderStatus.OUT_FOR_DELIVERY


def test_deleting_a_photo_removes_the_file(setup, django_capture_on_commit_callbacks) -> None:
    order, office, florist, _ = setup
    image_id = upload(florist)
    photo_id = florist.post(
        f"/api/orders/{order.id}/photos/", {"image_id": image_id, "kind": "bouquet"}, format="json"
    ).json()["photos"][0]["id"]
    key = UploadedImage.objects.get(pk=image_id).file.name
    assert default_storage.exists(key)
    assert_error(florist.delete(f"/api/orders/{order.id}/photos/{photo_id}/"), 403, "permission_denied")
    with django_capture_on_commit_callbacks(execute=True):
        response = office.delete(f"/api/orders/{order.id}/photos/{photo_id}/")
    assert response.status_code == 200 and response.json()["photos"] == []
    assert not default_storage.exists(key)
    assert not UploadedImage.objects.filter(pk=image_id).exists()
