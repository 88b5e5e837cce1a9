"""The product list answers from plain values (``apps.catalog.rows``), not from the product
serializers (issue 17). The serializers stay the one description of each role's shape: here
the list's body, byte for byte, is the body DRF would render from the serializer of the
caller's role, for every role that reads the catalog, on products with every edge the shape
has (no recipe, extras, pictures with and without a cover, a sale price, a zero price, a
negative margin, odd unit costs)."""

from __future__ import annotations

from decimal import Decimal

import pytest
from django.utils import timezone, translation
from rest_framework.renderers import JSONRenderer
from rest_framework.test import APIRequestFactory

from apps.catalog.api.serializers import ProductFloristSerializer, ProductOutputSerializer
from apps.catalog.models import ProductCategory, ProductExtra
from apps.catalog.selectors import product_list
from apps.catalog.tests.factories import (
    ProductComponentFactory,
    ProductFactory,
    ProductImageFactory,
    product_with_images,
)
from flowercrm.roles import Role

pytestmark = pytest.mark.django_db
ROLES = [Role.ADMIN, Role.MANAGER, Role.FLORIST]


@pytest.fixture
def world(shop, member):
    members = {role: member(role) for role in ROLES}
    product_with_images(shop=shop, name="А с картинками", images=3, sale_price=Decimal("9999.99"), sku="A-1")
    ProductFactory(shop=shop, name="Б пустой", description="", is_active=False)  # nothing nested
    free = ProductFactory(shop=shop, name="В бесплатный", price=Decimal("0.00"), category=ProductCategory.OTHER)
    ProductComponentFactory(product=free, quantity=3, stock_item__unit_cost=Decimal("333.33"))
    rich = ProductFactory(shop=shop, name="Г с доплатами", price=Decimal("1000.00"), labour=Decimal("150.50"))
    ProductComponentFactory(product=rich, quantity=7, stock_item__unit_cost=Decimal("0.07"))
    ProductComponentFactory(product=rich, quantity=1, stock_item__unit_cost=Decimal("12.34"))
    ProductExtra.objects.create(product=rich, name="открытка", price=Decimal("500.00"), quantity=2)
    ProductExtra.objects.create(product=rich, name="лента", price=Decimal("0.01"), quantity=3)
    uncovered = ProductFactory(shop=shop, name="Д без обложки", description="многострочное\nописание")
    ProductImageFactory(product=uncovered, position=1)
    ProductImageFactory(product=uncovered, position=0)
    return shop, members


def _serializer_body(shop, role, *, skip: int = 0, limit: int = 100) -> bytes:
    """The page as the role's serializer renders it (DRF's renderer), in the list's order."""
    serializer = ProductFloristSerializer if role == Role.FLORIST else ProductOutputSerializer
    request = APIRequestFactory().get("/api/products/")
    with timezone.override(shop.zoneinfo):
        items = serializer(product_list(shop=shop), many=True, context={"request": request}).data
    return JSONRenderer().render({"items": items[skip : skip + limit], "total": len(items)})


@pytest.mark.parametrize("role", ROLES)
def test_the_list_is_the_serializer_byte_for_byte(world, api_as, role) -> None:
    shop, members = world
    response = api_as(members[role]).get("/api/products/")
    assert response.status_code == 200
    assert response.content == _serializer_body(shop, role)
    assert response.json()["total"] == 5


@pytest.mark.parametrize("role", ROLES)
def test_the_list_in_english_and_paged_is_the_serializer_too(world, api_as, role) -> None:
    shop, members = world
    response = api_as(members[role]).get("/api/products/?skip=2&limit=2", HTTP_ACCEPT_LANGUAGE="en")
    with translation.override("en"):
        expected = _serializer_body(shop, role, skip=2, limit=2)
    assert response.content == expected
    assert len(response.json()["items"]) == 2


def test_the_rows_carry_every_edge(world, api_as) -> None:
    """The comparison above compares something: the edges are there, as the contract writes them."""
    shop, members = world
    pictured, empty, free, rich, uncovered = api_as(members[Role.MANAGER]).get("/api/products/").json()["items"]
    assert pictured["sale_price"] == "9999.99" and pictured["effective_price"] == "9999.99"
    assert pictured["primary_image"] == pictured["images"][0]
    assert pictured["images"][0]["url"].startswith("http://testserver/")
    assert empty["components"] == [] and empty["images"] == [] and empty["primary_image"] is None
    assert empty["sale_price"] is None and empty["is_active"] is False
    assert free["margin_percent"] is None and free["cost"] == "999.99" and free["margin"] == "-999.99"
    assert rich["cost"] == "1163.36" and rich["margin_percent"] == "-16.3"
    assert [extra["line_cost"] for extra in rich["extras"]] == ["1000.00", "0.03"]
    assert [line["line_cost"] for line in rich["components"]] == ["0.49", "12.34"]
    assert [image["position"] for image in uncovered["images"]] == [0, 1] and uncovered["primary_image"] is None
    assert pictured["created_at"][-6:] == "+05:00"  # the shop's zone (Asia/Almaty)
    florist = api_as(members[Role.FLORIST]).get("/api/products/").json()["items"]
    assert "cost" not in florist[3] and "price" not in florist[3]["extras"][0]
    assert "unit_cost" not in florist[3]["components"][0]


def test_the_list_costs_six_queries_whatever_the_page(world, api_as, django_assert_num_queries) -> None:
    """Authentication, the count, the page, and one query per nested table (recipe lines with
    their stock items, extras, pictures with their images) — as with the prefetch before."""
    shop, members = world
    client = api_as(members[Role.MANAGER])
    with django_assert_num_queries(6):
        assert client.get("/api/products/?limit=1").json()["total"] == 5
    for n in range(5):
        product_with_images(shop=shop, name=f"Е {n}", images=2)
    with django_assert_num_queries(6):
        assert len(client.get("/api/products/?limit=100").json()["items"]) == 10
