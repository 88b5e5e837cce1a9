"""The public tracking page leaks nothing about the buyer and closes 30 days after the end."""

from __future__ import annotations

import datetime as dt

import pytest
from django.utils import timezone

from apps.orders.models import Order, OrderStatus
from apps.orders.tests.factories import make_customer, make_order, make_product
from flowercrm.roles import Role
from flowercrm.testing import assert_error

pytestmark = pytest.mark.django_db


@pytest.fixture
def order(shop, member):
    office = member(Role.ADMIN)
    buyer = make_customer(shop, phone="+77019998877", name="Секретный Покупатель")
    order = make_order(shop, office.user, make_product(shop), customer=buyer, card_text="Тайное послание")
    Order.objects.filter(pk=order.pk).update(recipient_phone="+77011234521", recipient_name="Дана Сейтова")
    order.refresh_from_db()
    return order


def test_tracking_shows_progress_and_masks_the_recipient(api, order) -> None:
    response = api.get(f"/api/tracking/{order.tracking_token}/")
    assert response.status_code == 200
    body = response.json()
    assert body["status"] == "new" and body["status_label"] == "Новый"
    assert body["recipient_phone"] == "+7 701 *** ** 21"
    assert body["recipient_name"] == "Дана"
    assert body["address"] == "ул. Абая"
    assert body["items"] == [{"name": order.items.get().name, "quantity": 1}]
    assert body["delivery_time_from"] == "10:00"
    assert body["photo"] is None
    assert body["photo"] is None
    text = response.content.decode()
    for secret in ("Секретный", "9998877", "Тайное", "кв 5", "Сейтова", "15000"):
        assert secret not in text, secret
    assert set(body) == {
        "status",
        "status_label",
        "progress_step",
        "progress_total",
        "delivery_method",
        "delivery_date",
        "delivery_time_from",
        "delivery_time_to",
        "items",
        "recipient_name",
        "recipient_phone",
        "address",
        "shop",
        "photo",
    }


def test_unknown_and_malformed_tokens_are_404(api, order) -> None:
    assert_error(api.get("/api/tracking/" + "A" * 32 + "/"), 404, "not_found")
    assert_error(api.get("/api/tracking/short/"), 404, "not_found")
    assert_error(api.get(f"/api/tracking/{order.tracking_token[:-1]}!/"), 404, "not_found")


def test_tracking_closes_30_days_after_delivery(api, order) -> None:
    Order.objects.filter(pk=order.pk).update(
        status=OrderStatus.DELIVERED, closed_at=timezone.now() - dt.timedelta(days=29)
    )
    assert api.get(f"/api/tracking/{order.tracking_token}").status_code == 200
    Order.objects.filter(pk=order.pk).update(closed_at=timezone.now() - dt.timedelta(days=31))
    assert_error(api.get(f"/api/tracking/{order.tracking_token}"), 404, "not_found")


def test_tracking_is_throttled_per_client_address(api, order, settings) -> None:
    from rest_framework.settings import api_settings

    rates = {**settings.REST_FRAMEWORK["DEFAULT_THROTTLE_RATES"], "tracking": "3/min"}
    settings.REST_FRAMEWORK = {**settings.REST_FRAMEWORK, "DEFAULT_THROTTLE_RATES": rates}
    api_settings.reload()
    try:
        from apps.orders.api.views import TrackingThrottle

        TrackingThrottle.THROTTLE_RATES = api_settings.DEFAULT_THROTTLE_RATES
        for _ in range(3):
            assert api.get(f"/api/tracking/{order.tracking_token}/").status_code == 200
        response = api.get(f"/api/tracking/{order.tracking_token}/")
        assert_error(response, 429, "throttled")
        assert int(response.headers["Retry-After"]) > 0
        other_client = api.get(f"/api/tracking/{order.tracking_token}/", REMOTE_ADDR="10.9.9.9")
        assert other_client.status_code == 200
    finally:
        settings.REST_FRAMEWORK = settings.REST_FRAMEWORK
        api_settings.reload()
        TrackingThrottle.THROTTLE_RATES = api_settings.DEFAULT_THROTTLE_RATES
