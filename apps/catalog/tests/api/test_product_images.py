"""Product pictures: uploaded through ``/api/upload/image``, attached by id in the product
payload (ordered, one primary), replaced whole, removed with their files."""

from __future__ import annotations

import pytest
from django.core.files.storage import default_storage
from django.core.files.uploadedfile import SimpleUploadedFile

from apps.catalog.models import Product, ProductImage
from apps.catalog.tests.factories import ProductFactory, product_with_images
from flowercrm.errors import Invalid
from flowercrm.models import UploadedImage
from flowercrm.roles import Role
from flowercrm.testing import assert_error
from flowercrm.tests.image_corpus import jpeg

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("media_root")]

URL = "/api/products/"


def detail(product_id: int) -> str:
    return f"{URL}{product_id}/"


def upload(client, size: tuple[int, int] = (64, 48)) -> int:
    response = client.post(
        "/api/upload/image", {"file": SimpleUploadedFile("p.jpg", jpeg(size), "image/jpeg")}, format="multipart"
    )
    assert response.status_code == 201, response.content
    return response.json()["id"]


def payload(**overrides):
    return {"name": "Букет «Нежность»", "price": "15000.00", **overrides}


def files_of(image_id: int) -> list[str]:
    image = UploadedImage.objects.get(pk=image_id)
    return [image.file.name, image.thumbnail.name]


def picture_rows(product_id: int) -> list[tuple[int, int, bool]]:
    """``(image_id, position, is_primary)`` in position order."""
    return list(
        ProductImage.objects.filter(product_id=product_id)
        .order_by("position")
        .values_list("image_id", "position", "is_primary")
    )


def _snapshot():
    return (
        sorted(Product.objects.values_list("id", "name")),
        sorted(ProductImage.objects.values_list("id", "product_id", "image_id", "position", "is_primary")),
        sorted(UploadedImage.objects.values_list("id", "attached_at")),
    )


# --- create and read -------------------------------------------------------------------------


def test_create_with_images_in_order_first_is_primary(manager_api) -> None:
    a, b, c = upload(manager_api), upload(manager_api, (30, 20)), upload(manager_api)
    response = manager_api.post(URL, payload(images=[b, a, c]), format="json")
    assert response.status_code == 201, response.json()
    body = response.json()
    image_b = UploadedImage.objects.get(pk=b)
    assert body["images"][0] == {
        "id": b,
        "url": f"http://testserver/media/{image_b.file.name}",
        "thumbnail_url": f"http://testserver/media/{image_b.thumbnail.name}",
        "width": 30,
        "height": 20,
        "position": 0,
        "is_primary": True,
    }
    assert [(p["id"], p["position"], p["is_primary"]) for p in body["images"]] == [
        (b, 0, True),
        (a, 1, False),
        (c, 2, False),
    ]
    assert body["primary_image"] == body["images"][0]
    assert not UploadedImage.objects.filter(attached_at__isnull=True).exists()
    # The detail is the write answer without its warnings (§11.1).
    assert manager_api.get(detail(body["id"])).json() == {k: v for k, v in body.items() if k != "warnings"}
    # The URL serves the stored file.
    assert default_storage.exists(image_b.file.name) and default_storage.exists(image_b.thumbnail.name)


def test_primary_image_id_names_another_of_the_list(manager_api) -> None:
    a, b = upload(manager_api), upload(manager_api)
    body = manager_api.post(URL, payload(images=[a, b], primary_image_id=b), format="json").json()
    assert [(p["id"], p["is_primary"]) for p in body["images"]] == [(a, False), (b, True)]
    assert body["primary_image"]["id"] == b


def test_primary_outside_the_list_is_400_and_nothing_written(manager_api) -> None:
    a, b = upload(manager_api), upload(manager_api)
    before = _snapshot()
    response = manager_api.post(URL, payload(images=[a], primary_image_id=b), format="json")
    assert set(assert_error(response, 400, "invalid")["errors"]) == {"primary_image_id"}
    assert _snapshot() == before
    # Another shop's id is refused by the input already.
    response = manager_api.post(URL, payload(images=[a], primary_image_id=10**6), format="json")
    assert "primary_image_id" in assert_error(response, 400, "invalid")["errors"]
    assert _snapshot() == before


def test_no_images(manager_api) -> None:
    body = manager_api.post(URL, payload(), format="json").json()
    assert body["images"] == [] and body["primary_image"] is None


def test_florist_reads_images(shop, member, api_as) -> None:
    product = product_with_images(shop=shop, images=2)
    florist = api_as(member(Role.FLORIST))
    item = florist.get(URL).json()["items"][0]
    assert [p["position"] for p in item["images"]] == [0, 1]
    assert item["primary_image"]["id"] == product.images.get(is_primary=True).image_id
    assert florist.get(detail(product.id)).json()["images"] == item["images"]


# --- replace, reorder, primary ---------------------------------------------------------------


def test_patch_reorders_replaces_and_removes_files(manager_api, django_capture_on_commit_callbacks) -> None:
    a, b, c, d = (upload(manager_api) for _ in range(4))
    product_id = manager_api.post(URL, payload(images=[a, b, c]), format="json").json()["id"]
    kept_rows = dict(ProductImage.objects.filter(image_id__in=[a, c]).values_list("image_id", "id"))
    removed_files = files_of(b)
    assert all(default_storage.exists(name) for name in removed_files)

    with django_capture_on_commit_callbacks(execute=True):
        response = manager_api.patch(detail(product_id), {"images": [c, d, a]}, format="json")
    assert response.status_code == 200, response.json()
    assert [(p["id"], p["position"], p["is_primary"]) for p in response.json()["images"]] == [
        (c, 0, True),
        (d, 1, False),
        (a, 2, False),
    ]
    assert picture_rows(product_id) == [(c, 0, True), (d, 1, False), (a, 2, False)]
    # Kept images keep their rows; the removed one is gone with its files.
    assert dict(ProductImage.objects.filter(image_id__in=[a, c]).values_list("image_id", "id")) == kept_rows
    assert not UploadedImage.objects.filter(pk=b).exists()
    assert not any(default_storage.exists(name) for name in removed_files)
    assert all(default_storage.exists(name) for image_id in (a, c, d) for name in files_of(image_id))


def test_swapping_two_images_and_the_primary(manager_api) -> None:
    # Each position and the primary flag move to another kept row: the constraints must hold
    # after every statement (PostgreSQL checks unique constraints row by row).
    a, b = upload(manager_api), upload(manager_api)
    product_id = manager_api.post(URL, payload(images=[a, b]), format="json").json()["id"]
    response = manager_api.patch(detail(product_id), {"images": [b, a]}, format="json")
    assert response.status_code == 200, response.json()
    assert picture_rows(product_id) == [(b, 0, True), (a, 1, False)]
    response = manager_api.patch(detail(product_id), {"images": [b, a], "primary_image_id": a}, format="json")
    assert picture_rows(product_id) == [(b, 0, False), (a, 1, True)]


def test_images_left_out_of_the_patch_stay(manager_api) -> None:
    a, b = upload(manager_api), upload(manager_api)
    product_id = manager_api.post(URL, payload(images=[a, b], primary_image_id=b), format="json").json()["id"]
    assert manager_api.patch(detail(product_id), {"name": "Новое имя"}, format="json").status_code == 200
    assert manager_api.put(detail(product_id), payload(name="Снова"), format="json").status_code == 200
    assert picture_rows(product_id) == [(a, 0, False), (b, 1, True)]


def test_primary_alone_picks_among_current_images(manager_api) -> None:
    a, b, c = upload(manager_api), upload(manager_api), upload(manager_api)
    product_id = manager_api.post(URL, payload(images=[a, b]), format="json").json()["id"]
    response = manager_api.patch(detail(product_id), {"primary_image_id": b}, format="json")
    assert response.status_code == 200, response.json()
    assert response.json()["primary_image"]["id"] == b
    assert picture_rows(product_id) == [(a, 0, False), (b, 1, True)]
    # An image of the shop that is not one of the product's pictures.
    before = _snapshot()
    response = manager_api.patch(detail(product_id), {"primary_image_id": c}, format="json")
    assert set(assert_error(response, 400, "invalid")["errors"]) == {"primary_image_id"}
    assert _snapshot() == before
    # Resending the list without a primary makes the first one primary again.
    manager_api.patch(detail(product_id), {"images": [a, b]}, format="json")
    assert picture_rows(product_id) == [(a, 0, True), (b, 1, False)]


def test_empty_list_removes_every_image(manager_api, django_capture_on_commit_callbacks) -> None:
    a, b = upload(manager_api), upload(manager_api)
    product_id = manager_api.post(URL, payload(images=[a, b]), format="json").json()["id"]
    names = files_of(a) + files_of(b)
    with django_capture_on_commit_callbacks(execute=True):
        body = manager_api.patch(detail(product_id), {"images": []}, format="json").json()
    assert body["images"] == [] and body["primary_image"] is None
    assert not UploadedImage.objects.exists()
    assert not any(default_storage.exists(name) for name in names)


# --- refused: 400 on the index, nothing written ----------------------------------------------


def test_another_shops_image_is_400_on_its_index_and_nothing_attached(manager_api, other_shop, member, api_as):
    mine = upload(manager_api)
    foreign = upload(api_as(member(Role.ADMIN, shop=other_shop)))
    before = _snapshot()
    response = manager_api.post(URL, payload(images=[mine, foreign]), format="json")
    errors = assert_error(response, 400, "invalid")["errors"]
    assert errors == {"images": [[], [f"Объект с id={foreign} не найден."]]}
    assert _snapshot() == before
    assert not UploadedImage.objects.filter(attached_at__isnull=False).exists()


def test_service_rechecks_the_shop(shop, other_shop) -> None:
    # The service does not trust its caller (the admin, a command) to have scoped the ids.
    from apps.catalog import services
    from apps.catalog.tests.factories import UploadedImageFactory

    mine, foreign = UploadedImageFactory(shop=shop), UploadedImageFactory(shop=other_shop)
    with pytest.raises(Invalid) as caught:
        services.product_create(shop=shop, data=payload(price=1, images=[mine.pk, foreign.pk]))
    assert caught.value.extra["errors"] == {"images": [[], [f"Изображение с id={foreign.pk} не найдено."]]}
    mine.refresh_from_db()
    assert mine.attached_at is None
    assert not Product.objects.exists()


def test_image_of_an_order_photo_is_400(manager_api, shop, member) -> None:
    from apps.orders.services import order_photo_add
    from apps.orders.tests.factories import make_order, make_product

    office = member(Role.ADMIN)
    order = make_order(shop, office.user, make_product(shop))
    used = upload(manager_api)
    order_photo_add(order=order, actor=office.user, role=Role.ADMIN, image_id=used, kind="other")
    free = upload(manager_api)
    before = _snapshot()
    response = manager_api.post(URL, payload(images=[free, used]), format="json")
    assert assert_error(response, 400, "invalid")["errors"] == {"images": [[], ["Это изображение уже используется."]]}
    assert _snapshot() == before


def test_image_of_another_product_is_400_on_patch_and_nothing_changes(manager_api) -> None:
    a, b, c = upload(manager_api), upload(manager_api), upload(manager_api)
    first = manager_api.post(URL, payload(images=[a]), format="json").json()["id"]
    second = manager_api.post(URL, payload(images=[b]), format="json").json()["id"]
    before = _snapshot()
    response = manager_api.patch(detail(second), {"name": "Другое", "images": [c, b, a]}, format="json")
    assert assert_error(response, 400, "invalid")["errors"] == {
        "images": [[], [], ["Это изображение уже используется."]]
    }
    assert _snapshot() == before  # c was not attached, b was not moved, the name is unchanged
    assert picture_rows(first) == [(a, 0, True)]


def test_duplicates_are_400_on_the_repeat(manager_api) -> None:
    a, b = upload(manager_api), upload(manager_api)
    before = _snapshot()
    response = manager_api.post(URL, payload(images=[a, b, a]), format="json")
    errors = assert_error(response, 400, "invalid")["errors"]
    assert errors["images"][:2] == [[], []] and errors["images"][2]
    assert _snapshot() == before


def test_more_than_ten_images_is_400(manager_api) -> None:
    ids = [upload(manager_api) for _ in range(11)]
    before = _snapshot()
    response = manager_api.post(URL, payload(images=ids), format="json")
    assert assert_error(response, 400, "invalid")["errors"] == {"images": ["Не больше 10 изображений у товара."]}
    assert _snapshot() == before
    response = manager_api.post(URL, payload(images=ids[:10]), format="json")
    assert response.status_code == 201
    assert len(response.json()["images"]) == 10


def test_a_long_list_is_refused_before_its_ids_are_looked_up(manager_api, django_assert_max_num_queries) -> None:
    with django_assert_max_num_queries(3):  # auth and nothing per id
        response = manager_api.post(URL, payload(images=list(range(1, 501))), format="json")
    assert assert_error(response, 400, "invalid")["errors"] == {"images": ["Не больше 10 изображений у товара."]}


@pytest.mark.parametrize("bad", ["abc", None, True, 1.5, 10**30, -1, 0, {"id": 1}, [1]])
def test_a_bad_id_is_400_on_its_index(manager_api, bad) -> None:
    a = upload(manager_api)
    before = _snapshot()
    response = manager_api.post(URL, payload(images=[a, bad]), format="json")
    errors = assert_error(response, 400, "invalid")["errors"]
    assert errors["images"][0] == [] and errors["images"][1], errors
    assert _snapshot() == before


@pytest.mark.parametrize("bad", ["1,2", None, {"0": 1}, 5])
def test_images_must_be_a_list(manager_api, bad) -> None:
    response = manager_api.post(URL, payload(images=bad), format="json")
    assert "images" in assert_error(response, 400, "invalid")["errors"]
    assert not Product.objects.exists()


def test_florist_cannot_change_images(shop, member, api_as) -> None:
    product = ProductFactory(shop=shop)
    florist = api_as(member(Role.FLORIST))
    image_id = upload(florist)  # every member may upload
    before = _snapshot()
    assert_error(florist.patch(detail(product.id), {"images": [image_id]}, format="json"), 403, "permission_denied")
    assert _snapshot() == before


# --- delete ----------------------------------------------------------------------------------


def test_deleting_a_product_removes_its_files(manager_api, django_capture_on_commit_callbacks) -> None:
    a, b = upload(manager_api), upload(manager_api)
    product_id = manager_api.post(URL, payload(images=[a, b]), format="json").json()["id"]
    names = files_of(a) + files_of(b)
    with django_capture_on_commit_callbacks(execute=True):
        assert manager_api.delete(detail(product_id)).status_code == 204
    assert not ProductImage.objects.exists()
    assert not UploadedImage.objects.exists()
    assert not any(default_storage.exists(name) for name in names)


def test_an_ordered_product_keeps_its_images(manager_api, shop, member, django_capture_on_commit_callbacks) -> None:
    from apps.orders.tests.factories import make_order

    a = upload(manager_api)
    product_id = manager_api.post(URL, payload(images=[a]), format="json").json()["id"]
    make_order(shop, member(Role.ADMIN).user, Product.objects.get(pk=product_id))
    before = _snapshot()
    with django_capture_on_commit_callbacks(execute=True):
        assert_error(manager_api.delete(detail(product_id)), 409, "protected")
    assert _snapshot() == before
    assert all(default_storage.exists(name) for name in files_of(a))


# --- the list --------------------------------------------------------------------------------


@pytest.mark.parametrize("count", [1, 20])
def test_list_query_count_with_images_does_not_grow(manager_api, shop, django_assert_num_queries, count) -> None:
    for _ in range(count):
        product_with_images(shop=shop, images=3)
    # auth (membership + user + shop), count, products with cost, components, extras, pictures with images
    with django_assert_num_queries(6):
        response = manager_api.get(URL)
    assert response.status_code == 200
    items = response.json()["items"]
    assert len(items) == count
    assert all([p["position"] for p in item["images"]] == [0, 1, 2] for item in items)
    assert all(item["primary_image"] == item["images"][0] for item in items)
