"""Product pictures under concurrency on PostgreSQL with real threads: an image is attached to
one product only, and concurrent reorders of one product serialise on its row."""

from __future__ import annotations

import itertools
from decimal import Decimal

import pytest

from apps.catalog.models import Product, ProductImage
from apps.catalog.services import product_create, product_update
from apps.catalog.tests.factories import UploadedImageFactory
from apps.shops.models import Shop
from apps.warehouse.services import stock_item_create
from flowercrm.errors import DomainError
from flowercrm.models import UploadedImage
from flowercrm.testing import rows_locked_elsewhere, run_threads

pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.usefixtures("requires_postgres")]


def test_one_image_is_attached_to_one_of_eight_concurrent_products(shop) -> None:
    image = UploadedImageFactory(shop=shop)

    def create(i: int) -> str:
        product_create(shop=shop, data={"name": f"Букет {i}", "price": Decimal("100"), "images": [image.pk]})
        return "ok"

    results = run_threads(8, create)
    assert results.count("ok") == 1, results
    assert all(isinstance(r, DomainError) and r.code == "invalid" for r in results if r != "ok")
    assert Product.objects.count() == 1
    assert ProductImage.objects.get().image_id == image.pk


def test_concurrent_replacements_of_one_product_apply_in_turn(shop) -> None:
    # Each request adds its own new image in front and reorders the three kept ones: unless
    # they serialise on the product's row, two of them put their new image at position 0 (409).
    kept = [UploadedImageFactory(shop=shop).pk for _ in range(3)]
    product = product_create(shop=shop, data={"name": "Букет", "price": Decimal("100"), "images": kept})
    kept_rows = set(ProductImage.objects.values_list("id", flat=True))
    orders = [list(p) for p in itertools.permutations(kept)]
    extras = [UploadedImageFactory(shop=shop).pk for _ in orders]

    def replace(i: int) -> str:
        product_update(product=product, data={"images": [extras[i], *orders[i]], "primary_image_id": orders[i][-1]})
        return "ok"

    results = run_threads(len(orders), replace)
    assert results == ["ok"] * len(orders)
    rows = list(ProductImage.objects.order_by("position").values_list("id", "image_id", "is_primary"))
    [winner] = [i for i, extra in enumerate(extras) if extra == rows[0][1]]  # the last one applied
    assert [image_id for _, image_id, _ in rows] == [extras[winner], *orders[winner]]
    assert [primary for _, _, primary in rows] == [False, False, False, True]
    assert {row_id for row_id, _, _ in rows[1:]} == kept_rows  # kept images keep their rows
    assert not UploadedImage.objects.filter(pk__in=[e for e in extras if e != extras[winner]]).exists()


def test_editing_a_recipe_does_not_lock_the_shop(shop) -> None:
    # product_update locked the product and (through select_related) the shop row; a receipt
    # or write-off locks its stock item and then inserts a movement, which waits for the shop
    # row, while the recipe's new line waits for that stock item: a deadlock, answered 500.
    item = stock_item_create(shop=shop, data={"name": "Роза"})
    product = product_create(shop=shop, data={"name": "Букет", "price": Decimal("100")})
    with rows_locked_elsewhere(Shop.objects.filter(pk=shop.pk)):
        product_update(product=product, data={"components": [{"stock_item": item, "quantity": 3}]})
    assert product.components.get().quantity == 3
