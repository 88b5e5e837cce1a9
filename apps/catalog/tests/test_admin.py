"""Products in the Django admin: scoped to the staff user's shops, saved through the services."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

import pytest
from django.contrib.admin.models import LogEntry
from django.core.files.base import ContentFile
from django.core.files.storage import default_storage
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext

from apps.accounts.models import User
from apps.accounts.tests.factories import PASSWORD
from apps.catalog.models import Product, ProductComponent, ProductImage
from apps.catalog.tests.factories import (
    ProductComponentFactory,
    ProductFactory,
    StockItemFactory,
    product_with_images,
)
from apps.shops import services as shop_services
from apps.shops.models import Membership, Shop
from flowercrm.models import UploadedImage
from flowercrm.roles import Role

pytestmark = pytest.mark.django_db

ADD = "/admin/catalog/product/add/"


def staff(shop: Shop, role: str, phone: str) -> Membership:
    return shop_services.staff_add(shop=shop, phone=phone, name=role, role=role, password=PASSWORD).membership


def browser(membership: Membership) -> Client:
    client = Client()
    client.force_login(User.objects.get(pk=membership.user_id))
    return client


def change_url(product: Product) -> str:
    return f"/admin/catalog/product/{product.pk}/change/"


def form_data(shop: Shop, lines: list[dict[str, Any]], initial: int = 0, **fields: Any) -> dict[str, Any]:
    data: dict[str, Any] = {
        "shop": shop.pk,
        "name": "Букет «Утро»",
        "description": "",
        "category": "bouquet",
        "price": "12000.00",
        "sale_price": "",
        "sku": "",
        "is_active": "on",
        "labour": "0.00",
        "components-TOTAL_FORMS": str(len(lines)),
        "components-INITIAL_FORMS": str(initial),
        "components-MIN_NUM_FORMS": "0",
        "components-MAX_NUM_FORMS": "1000",
        "extras-TOTAL_FORMS": "0",
        "extras-INITIAL_FORMS": "0",
        "extras-MIN_NUM_FORMS": "0",
        "extras-MAX_NUM_FORMS": "1000",
        **fields,
    }
    for index, line in enumerate(lines):
        for key, value in line.items():
            data[f"components-{index}-{key}"] = value
    return data


@pytest.fixture
def manager(shop: Shop, shop_b: Shop) -> Membership:
    staff(shop_b, Role.ADMIN, "+77010000201")
    return staff(shop, Role.MANAGER, "+77010000102")


def test_changelist_shows_my_shops_products_with_cost(manager: Membership, shop: Shop, shop_b: Shop) -> None:
    mine = ProductComponentFactory(product__shop=shop, product__name="Роза Фридом микс", quantity=4).product
    ProductComponentFactory(product__shop=shop_b)
    response = browser(manager).get("/admin/catalog/product/")
    assert response.status_code == 200
    assert [p.pk for p in response.context["cl"].result_list] == [mine.pk]
    assert '<td class="field-cost">1000,00</td>' in response.content.decode()
    # Cyrillic search is case-insensitive on every backend.
    found = browser(manager).get("/admin/catalog/product/", {"q": "ФРИДОМ"})
    assert [p.pk for p in found.context["cl"].result_list] == [mine.pk]


def test_add_with_recipe_goes_through_the_service(manager: Membership, shop: Shop) -> None:
    rose = StockItemFactory(shop=shop, unit_cost=Decimal("300.00"))
    green = StockItemFactory(shop=shop, name="Салал")
    data = form_data(shop, [{"stock_item": rose.pk, "quantity": "9"}, {"stock_item": green.pk, "quantity": "2"}])
    response = browser(manager).post(ADD, data)
    assert response.status_code == 302, response.context and response.context["adminform"].form.errors
    product = Product.objects.get()
    assert product.search_text == "букет «утро»"  # saved by the service (SearchableModel.save)
    assert sorted(product.components.values_list("stock_item_id", "quantity")) == sorted([(rose.pk, 9), (green.pk, 2)])
    assert LogEntry.objects.filter(object_id=str(product.pk)).exists()


def test_another_shops_stock_item_cannot_be_picked(manager: Membership, shop: Shop, shop_b: Shop) -> None:
    foreign = StockItemFactory(shop=shop_b)
    response = browser(manager).post(ADD, form_data(shop, [{"stock_item": foreign.pk, "quantity": "1"}]))
    assert response.status_code == 200  # the form is shown again with the error
    assert not Product.objects.exists()


def test_service_rechecks_the_recipe_shop(shop: Shop, shop_b: Shop) -> None:
    # A manager of two shops is offered both shops' stock on a new product; the service refuses a mix.
    staff(shop_b, Role.ADMIN, "+77010000201")
    both = staff(shop, Role.MANAGER, "+77010000102")
    Membership.objects.create(user_id=both.user_id, shop=shop_b, role=Role.MANAGER)
    item_b = StockItemFactory(shop=shop_b)
    response = browser(both).post(ADD, form_data(shop, [{"stock_item": item_b.pk, "quantity": "1"}]))
    assert response.status_code == 302
    assert response.url == ADD  # back to the form, with the reason as a message
    assert not Product.objects.exists()
    assert not ProductComponent.objects.exists()


def test_change_recipe_and_scoped_dropdown(manager: Membership, shop: Shop, shop_b: Shop) -> None:
    keep = ProductComponentFactory(product__shop=shop, quantity=3)
    product = keep.product
    drop = ProductComponentFactory(product=product, quantity=1)
    extra = StockItemFactory(shop=shop, name="Гипсофила")
    StockItemFactory(shop=shop_b, name="Чужая гипсофила")
    client = browser(manager)

    page = client.get(change_url(product))
    assert page.status_code == 200
    field = page.context["inline_admin_formsets"][0].formset.forms[0].fields["stock_item"]
    assert set(field.queryset.values_list("shop_id", flat=True)) == {shop.pk}

    data = form_data(
        shop,
        [
            {"id": keep.pk, "product": product.pk, "stock_item": keep.stock_item_id, "quantity": "7"},
            {"id": drop.pk, "product": product.pk, "stock_item": drop.stock_item_id, "quantity": "1", "DELETE": "on"},
            {"product": product.pk, "stock_item": extra.pk, "quantity": "5"},
        ],
        initial=2,
        name=product.name,
        price="20000.00",
    )
    data.pop("shop")  # read-only on change
    response = client.post(change_url(product), data)
    assert response.status_code == 302
    product.refresh_from_db()
    assert product.price == Decimal("20000.00")
    assert sorted(product.components.values_list("stock_item_id", "quantity")) == sorted(
        [(keep.stock_item_id, 7), (extra.pk, 5)]
    )
    assert ProductComponent.objects.get(stock_item_id=keep.stock_item_id).pk == keep.pk


def test_sale_price_not_below_price_is_refused(manager: Membership, shop: Shop) -> None:
    response = browser(manager).post(ADD, form_data(shop, [], sale_price="12000.00"))
    assert response.status_code == 200
    form = response.context["adminform"].form
    assert set(form.errors) == {"sale_price"}  # named on the field, not a bare constraint message
    assert not Product.objects.exists()


def test_another_shops_product_cannot_be_opened(manager: Membership, shop_b: Shop) -> None:
    foreign = ProductFactory(shop=shop_b, name="Чужой")
    client = browser(manager)
    response = client.get(change_url(foreign))
    assert response.status_code == 302  # "does not exist" redirect
    client.post(change_url(foreign), {"name": "Моё", "price": "1"})
    client.post(f"/admin/catalog/product/{foreign.pk}/delete/", {"post": "yes"})
    foreign.refresh_from_db()
    assert foreign.name == "Чужой"


def test_florists_have_no_admin(shop: Shop) -> None:
    staff(shop, Role.ADMIN, "+77010000101")
    florist = staff(shop, Role.FLORIST, "+77010000103")
    response = browser(florist).get("/admin/catalog/product/")
    assert response.status_code == 302
    assert "/login/" in response.url


def test_delete_through_the_admin(manager: Membership, shop: Shop) -> None:
    product = ProductComponentFactory(product__shop=shop).product
    response = browser(manager).post(f"/admin/catalog/product/{product.pk}/delete/", {"post": "yes"})
    assert response.status_code == 302
    assert not Product.objects.exists()
    assert not ProductComponent.objects.exists()


# --- pictures --------------------------------------------------------------------------------


def test_changelist_shows_the_cover_thumbnail_without_a_query_per_row(manager: Membership, shop: Shop) -> None:
    product = product_with_images(shop=shop, images=2)
    cover, other = (p.image for p in product.images.order_by("position"))
    client = browser(manager)
    page = client.get("/admin/catalog/product/").content.decode()
    assert f'<img src="/media/{cover.thumbnail.name}"' in page
    assert f'href="/media/{cover.file.name}"' in page
    assert other.thumbnail.name not in page  # the list shows the cover only

    def queries() -> int:
        with CaptureQueriesContext(connection) as captured:
            assert client.get("/admin/catalog/product/").status_code == 200
        return len(captured)

    one = queries()
    for _ in range(5):
        product_with_images(shop=shop, images=3)
    assert queries() == one


def test_change_form_shows_every_picture_read_only(manager: Membership, shop: Shop) -> None:
    product = product_with_images(shop=shop, images=2, name="С фото")
    client = browser(manager)
    page = client.get(change_url(product))
    assert page.status_code == 200
    html = page.content.decode()
    for picture in product.images.all():
        assert f'<img src="/media/{picture.image.thumbnail.name}"' in html
    [formset] = [f for f in page.context["inline_admin_formsets"] if f.formset.model is ProductImage]
    assert not formset.has_add_permission and not formset.has_change_permission and not formset.has_delete_permission

    # Saving the product (with or without the pictures' management form) leaves them alone.
    before = sorted(ProductImage.objects.values_list("id", "image_id", "position", "is_primary"))
    data = form_data(shop, [], name="С фото", price="13000.00")
    data.pop("shop")
    assert client.post(change_url(product), data).status_code == 302
    data.update({"images-TOTAL_FORMS": "2", "images-INITIAL_FORMS": "2", "images-0-DELETE": "on"})
    assert client.post(change_url(product), data).status_code == 302
    product.refresh_from_db()
    assert product.price == Decimal("13000.00")
    assert sorted(ProductImage.objects.values_list("id", "image_id", "position", "is_primary")) == before


def test_delete_through_the_admin_removes_the_pictures(
    manager: Membership, shop: Shop, settings: Any, tmp_path: Any, django_capture_on_commit_callbacks: Any
) -> None:
    settings.MEDIA_ROOT = str(tmp_path)
    product = product_with_images(shop=shop, images=2)
    keys = [name for p in product.images.all() for name in (p.image.file.name, p.image.thumbnail.name)]
    for key in keys:
        default_storage.save(key, ContentFile(b"x"))
    with django_capture_on_commit_callbacks(execute=True):
        response = browser(manager).post(f"/admin/catalog/product/{product.pk}/delete/", {"post": "yes"})
    assert response.status_code == 302
    assert not ProductImage.objects.exists()
    assert not UploadedImage.objects.exists()
    assert not any(default_storage.exists(key) for key in keys)
