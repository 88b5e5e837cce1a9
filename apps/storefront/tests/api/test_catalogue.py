"""The public profile and catalogue: what a buyer may read, and nothing more."""

from __future__ import annotations

import json

import pytest
from django.utils import timezone

from apps.catalog.models import ProductImage
from apps.catalog.tests.factories import UploadedImageFactory
from apps.orders.tests.factories import make_product, make_stock
from apps.shops.tests.factories import ShopFactory
from flowercrm.testing import assert_error

pytestmark = pytest.mark.django_db

# Words that only the back office may read, wherever they would appear in a public answer.
SECRET_KEYS = {"cost", "margin", "margin_percent", "components", "extras", "labour", "unit_cost", "recipe", "sku"}
SECRET_KEYS |= {"quantity", "reserved", "available", "is_active", "stock_item", "search_text"}


def keys_of(data: object) -> set[str]:
    if isinstance(data, dict):
        return set(data) | {k for v in data.values() for k in keys_of(v)}
    if isinstance(data, list):
        return {k for v in data for k in keys_of(v)}
    return set()


def test_the_shop_profile(public, store, zone) -> None:
    response = public.get(f"/api/public/shops/{store.slug}/")
    assert response.status_code == 200, response.content
    assert response.json() == {
        "slug": "romashka",
        "name": "Ромашка",
        "phone": "+77272500000",
        "address": "Алматы, ул. Абая 10",
        "hours": "Ежедневно 9:00–21:00",
        "currency": "KZT",
        "time_zone": "Asia/Almaty",
        "default_delivery_fee": "0.00",
        "delivery_zones": [{"id": zone.id, "name": "Центр", "fee": "1500.00"}],
    }


def test_a_stray_authorization_header_is_ignored(public, store) -> None:
    public.credentials(HTTP_AUTHORIZATION="Bearer not-a-token")
    assert public.get(f"/api/public/shops/{store.slug}/").status_code == 200
    assert public.get(f"/api/public/shops/{store.slug}/products/").status_code == 200


def paths(shop, product_id: int = 1) -> list[str]:
    base = f"/api/public/shops/{shop.slug}"
    return [f"{base}/", f"{base}/products/", f"{base}/products/{product_id}/"]


def test_a_disabled_shop_is_404_everywhere_like_an_unknown_one(public, store, rose, checkout_body) -> None:
    store.storefront_enabled = False
    store.save()
    unknown = ShopFactory.build(slug="no-such-shop")
    for shop in (store, unknown):
        for path in paths(shop, rose.id):
            body = assert_error(public.get(path), 404, "not_found")
        post = public.post(
            f"/api/public/shops/{shop.slug}/orders/", checkout_body(), format="json", HTTP_IDEMPOTENCY_KEY="k-1"
        )
        assert post.json() == body  # the same answer, whatever the reason
        assert post.status_code == 404
    # A slug that is not a slug at all is the same 404 (Django's JSON one).
    assert public.get("/api/public/shops/Romashka/").json() == body


def test_the_products_on_sale_with_pictures_and_effective_price(public, store, rose, tulip) -> None:
    make_product(store, price="999").__class__.objects.filter(price="999").update(is_active=False)
    image = UploadedImageFactory(shop=store, attached_at=timezone.now())
    ProductImage.objects.create(product=rose, image=image, position=0, is_primary=True)
    response = public.get(f"/api/public/shops/{store.slug}/products/")
    assert response.status_code == 200, response.content
    body = response.json()
    assert body["total"] == 2
    by_id = {item["id"]: item for item in body["items"]}
    assert set(by_id) == {rose.id, tulip.id}
    assert by_id[rose.id]["effective_price"] == "12000.00" and by_id[rose.id]["sale_price"] == "12000.00"
    assert by_id[tulip.id]["effective_price"] == "8000.00" and by_id[tulip.id]["sale_price"] is None
    assert by_id[rose.id]["primary_image"]["id"] == image.id
    assert by_id[rose.id]["images"][0]["url"].startswith("http://testserver/")


def test_never_a_cost_or_recipe_in_any_public_answer(public, store, zone) -> None:
    stem = make_stock(store, unit_price="317")
    product = make_product(store, price="15000", recipe={stem: 5})
    answers = [public.get(path).json() for path in paths(store, product.id)]
    assert answers[2]["id"] == product.id
    for answer in answers:
        assert not keys_of(answer) & SECRET_KEYS, keys_of(answer) & SECRET_KEYS
        assert "1585.00" not in json.dumps(answer) and "317.00" not in json.dumps(answer)  # cost 5 × 317


def test_products_of_another_shop_are_never_shown(public, store, rose) -> None:
    other = ShopFactory(name="Чужой", storefront_enabled=True)
    theirs = make_product(other, price="100")
    listed = public.get(f"/api/public/shops/{store.slug}/products/").json()
    assert [item["id"] for item in listed["items"]] == [rose.id]
    assert_error(public.get(f"/api/public/shops/{store.slug}/products/{theirs.id}/"), 404, "not_found")
    assert public.get(f"/api/public/shops/{other.slug}/products/{theirs.id}/").status_code == 200


def test_an_inactive_product_is_404(public, store, rose) -> None:
    rose.is_active = False
    rose.save()
    assert_error(public.get(f"/api/public/shops/{store.slug}/products/{rose.id}/"), 404, "not_found")


def test_category_search_and_pages(public, store) -> None:
    a = make_product(store, price="100")
    a.name, a.category = "Роза Фридом", "bouquet"
    a.save()
    b = make_product(store, price="200")
    b.name, b.category = "Орхидея в горшке", "potted"
    b.save()
    base = f"/api/public/shops/{store.slug}/products/"
    assert [i["id"] for i in public.get(base, {"category": "potted"}).json()["items"]] == [b.id]
    assert [i["id"] for i in public.get(base, {"search": "фридом"}).json()["items"]] == [a.id]
    page = public.get(base, {"limit": 1, "skip": 1, "ordering": "-price"}).json()
    assert page == {"items": [page["items"][0]], "total": 2} and page["items"][0]["id"] == a.id
    assert_error(public.get(base, {"limit": 0}), 400, "invalid")
    assert_error(public.get(base, {"category": "nonsense"}), 400, "invalid")
    assert_error(public.get(base, {"ordering": "cost"}), 400, "invalid")
    # The back office's filters are not public ones: ignored, never a way to see inactive rows.
    assert public.get(base, {"is_active": "false"}).json()["total"] == 2


@pytest.mark.parametrize("count", [1, 30])
def test_the_product_list_query_count_is_pinned(public, store, count, django_assert_num_queries) -> None:
    for _ in range(count):
        product = make_product(store)
        ProductImage.objects.create(
            product=product, image=UploadedImageFactory(shop=store, attached_at=timezone.now()), position=0
        )
    # The shop, the count, the page, the pictures with their images.
    with django_assert_num_queries(4):
        response = public.get(f"/api/public/shops/{store.slug}/products/")
    assert response.json()["total"] == count
