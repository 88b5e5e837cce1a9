"""``/t/<token>``: the buyer's tracking page shows what the API's tracking shows — masked the
same way, 404 the same way, throttled over the same counter — as a page without JavaScript."""

from __future__ import annotations

import datetime as dt

import pytest
from django.test import Client
from django.utils import timezone

from apps.orders.models import Order, OrderStatus
from apps.orders.tests.factories import make_customer, make_order, make_product
from apps.orders.tracking import tracking_path
from flowercrm.roles import Role

pytestmark = pytest.mark.django_db


@pytest.fixture
def order(shop, member):
    office = member(Role.ADMIN)
    buyer = make_customer(shop, phone="+77019998877", name="Секретный Покупатель")
    order = make_order(
        shop,
        office.user,
        make_product(shop),
        customer=buyer,
        card_text="Тайное послание",
        delivery_address="ул. Абая 10, кв 5, подъезд 2",
    )
    Order.objects.filter(pk=order.pk).update(recipient_phone="+77011234521", recipient_name="Дана Сейтова")
    order.refresh_from_db()
    return order


def page(client: Client, token: str, **headers: str):
    return client.get(f"/t/{token}", **headers)


def test_the_page_shows_status_steps_items_and_the_shop(client, order, api) -> None:
    response = page(client, order.tracking_token)
    assert response.status_code == 200
    assert response["Content-Type"].startswith("text/html")
    html = response.content.decode()
    api_data = api.get(f"/api/tracking/{order.tracking_token}/").json()
    assert api_data["status_label"] in html
    assert order.shop.name in html
    for item in api_data["items"]:
        assert item["name"] in html
    assert 'aria-current="step"' in html
    assert "<script" not in html  # works without JavaScript


def test_the_page_shows_the_shops_phone_when_it_has_one(client, order) -> None:
    """The shop's public phone (issue 18, ``Shop.phone``) as a link to call; none, no link."""
    assert "tel:" not in page(client, order.tracking_token).content.decode()
    order.shop.phone = "+77272500000"
    order.shop.save()
    html = page(client, order.tracking_token).content.decode()
    assert 'href="tel:+77272500000"' in html


def test_the_page_masks_like_the_api_and_says_nothing_of_the_buyer(client, order, api) -> None:
    html = page(client, order.tracking_token).content.decode()
    api_data = api.get(f"/api/tracking/{order.tracking_token}/").json()
    assert api_data["recipient_phone"] == "+7 701 *** ** 21"
    assert api_data["recipient_phone"] in html
    assert "1234521" not in html and "Сейтова" not in html
    assert "Дана" in html
    assert "ул. Абая" in html and "кв 5" not in html and "подъезд" not in html
    for secret in ("Секретный", "9998877", "Тайное послание"):
        assert secret not in html


def test_headers_noindex_and_no_referrer(client, order) -> None:
    response = page(client, order.tracking_token)
    assert response["X-Robots-Tag"] == "noindex"
    assert response["Referrer-Policy"] == "no-referrer"
    assert '<meta name="robots" content="noindex">' in response.content.decode()


@pytest.mark.parametrize("token", ["A" * 32, "short", "x" * 65, "abc%00def1234567890", "../../etc/passwd"])
def test_an_unknown_or_malformed_token_is_a_404_page(client, token) -> None:
    response = client.get(f"/t/{token}")
    # A NUL byte is refused before any view (``RejectNulBytesMiddleware``).
    assert response.status_code == (400 if "%00" in token else 404)
    if response["Content-Type"].startswith("text/html"):
        assert response["X-Robots-Tag"] == "noindex"


def test_a_404_page_is_html_for_a_well_formed_unknown_token(client) -> None:
    response = page(client, "B" * 40)
    assert response.status_code == 404
    assert response["Content-Type"].startswith("text/html")
    assert response["Referrer-Policy"] == "no-referrer"


def test_the_page_closes_30_days_after_delivery_like_the_api(client, order) -> None:
    Order.objects.filter(pk=order.pk).update(
        status=OrderStatus.DELIVERED, closed_at=timezone.now() - dt.timedelta(days=29)
    )
    assert page(client, order.tracking_token).status_code == 200
    Order.objects.filter(pk=order.pk).update(closed_at=timezone.now() - dt.timedelta(days=31))
    assert page(client, order.tracking_token).status_code == 404


def test_english_by_accept_language(client, order) -> None:
    ru = page(client, order.tracking_token).content.decode()
    en = page(client, order.tracking_token, HTTP_ACCEPT_LANGUAGE="en").content.decode()
    assert 'lang="ru"' in ru and 'lang="en"' in en
    assert "Order status" in en


@pytest.mark.usefixtures("media_root")
def test_the_photo_is_shown_when_there_is_one(client, order, member, api, api_as) -> None:
    from django.core.files.uploadedfile import SimpleUploadedFile

    from flowercrm.tests.image_corpus import jpeg

    office = api_as(member(Role.MANAGER))
    upload = office.post(
        "/api/upload/image", {"file": SimpleUploadedFile("b.jpg", jpeg(), "image/jpeg")}, format="multipart"
    )
    image_id = upload.json()["id"]
    Order.objects.filter(pk=order.pk).update(status=OrderStatus.ASSEMBLED)
    added = office.post(f"/api/orders/{order.pk}/photos/", {"image_id": image_id, "kind": "bouquet"}, format="json")
    assert added.status_code == 201, added.content
    assert 'class="photo"' not in page(Client(REMOTE_ADDR="10.1.1.1"), "C" * 40).content.decode()
    html = page(client, order.tracking_token).content.decode()
    photo = api.get(f"/api/tracking/{order.tracking_token}/").json()["photo"]
    assert photo is not None
    assert f'<img src="{photo["url"]}"' in html


def test_the_page_is_throttled_over_the_apis_counter(client, order, api, settings) -> None:
    from rest_framework.settings import api_settings

    from apps.orders.api.views import TrackingThrottle

    rates = {**settings.REST_FRAMEWORK["DEFAULT_THROTTLE_RATES"], "tracking": "3/min"}
    settings.REST_FRAMEWORK = {**settings.REST_FRAMEWORK, "DEFAULT_THROTTLE_RATES": rates}
    api_settings.reload()
    TrackingThrottle.THROTTLE_RATES = api_settings.DEFAULT_THROTTLE_RATES
    try:
        assert page(client, order.tracking_token).status_code == 200
        assert api.get(f"/api/tracking/{order.tracking_token}/").status_code == 200
        assert page(client, order.tracking_token).status_code == 200
        response = page(client, order.tracking_token)
        assert response.status_code == 429
        assert int(response["Retry-After"]) > 0
        assert page(client, order.tracking_token, REMOTE_ADDR="10.9.9.9").status_code == 200
    finally:
        settings.REST_FRAMEWORK = settings.REST_FRAMEWORK
        api_settings.reload()
        TrackingThrottle.THROTTLE_RATES = api_settings.DEFAULT_THROTTLE_RATES


def test_the_query_count_does_not_grow_with_the_items(client, shop, member, django_assert_max_num_queries) -> None:
    office = member(Role.ADMIN)
    small = make_order(shop, office.user, make_product(shop))
    big = make_order(shop, office.user, make_product(shop), quantity=3)
    for _ in range(5):
        from apps.orders.models import OrderItem

        OrderItem.objects.create(
            order=big, product=make_product(shop), name="Extra", quantity=1, unit_price=0, line_total=0
        )
    with django_assert_max_num_queries(6) as small_queries:
        page(client, small.tracking_token)
    with django_assert_max_num_queries(len(small_queries.captured_queries)):
        page(client, big.tracking_token)


def test_the_order_detail_answers_the_tracking_url(shop, member, api_as) -> None:
    office = member(Role.MANAGER)
    order = make_order(shop, office.user, make_product(shop))
    body = api_as(office).get(f"/api/orders/{order.pk}/").json()
    assert body["tracking_url"] == f"http://testserver{tracking_path(order.tracking_token)}"
    florist = member(Role.FLORIST)
    Order.objects.filter(pk=order.pk).update(status=OrderStatus.CONFIRMED)
    assert "tracking_url" not in api_as(florist).get(f"/api/orders/{order.pk}/").json()
