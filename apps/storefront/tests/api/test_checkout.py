"""The storefront's checkout: server prices, idempotency, throttles, bad input writes nothing."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest
from django.utils import timezone
from rest_framework.throttling import SimpleRateThrottle

from apps.customers.models import Customer
from apps.orders.models import EventType, Order, OrderEvent, OrderItem, OrderStatus
from apps.orders.tests.factories import make_customer, make_product
from apps.shops.models import DeliveryZone
from apps.shops.tests.factories import ShopFactory
from apps.storefront.api.serializers import MAX_ITEMS, MAX_QUANTITY
from apps.storefront.services import MAX_DAYS_AHEAD
from apps.storefront.tests.conftest import BUYER_PHONE, checkout
from flowercrm.models import IdempotencyKey
from flowercrm.testing import assert_error

pytestmark = pytest.mark.django_db


def written() -> tuple[int, ...]:
    """Every table a checkout writes to."""
    return (
        Order.objects.count(),
        OrderItem.objects.count(),
        OrderEvent.objects.count(),
        Customer.objects.count(),
        IdempotencyKey.objects.count(),
    )


def test_checkout_places_a_new_storefront_order(public, store, rose, zone, checkout_body) -> None:
    response = checkout(public, store, checkout_body())
    assert response.status_code == 201, response.content
    order = Order.objects.get(shop=store)
    # 2 × the sale price 12000 + the zone's 1500.
    assert response.json() == {
        "number": order.number,
        "total": "25500.00",
        "tracking_url": f"http://testserver/t/{order.tracking_token}",
    }
    assert order.status == OrderStatus.NEW and order.source == "storefront"
    assert (order.subtotal, order.delivery_fee, order.discount) == (Decimal("24000"), Decimal("1500"), Decimal(0))
    assert order.delivery_zone == zone and order.created_by is None
    assert order.customer.phone == BUYER_PHONE and order.customer.source == "storefront"
    assert order.recipient_phone == "+77017654321"
    event = OrderEvent.objects.get(order=order)
    assert event.type == EventType.CREATED and event.actor is None
    assert event.data["payment_method"] == "kaspi" and event.data["source"] == "storefront"


def test_every_price_the_client_sends_is_ignored(public, store, rose, checkout_body) -> None:
    body = checkout_body(
        items=[{"product_id": rose.id, "quantity": 1, "price": "1.00", "unit_price": "1.00", "line_total": "1"}],
        price="1.00",
        total="1.00",
        subtotal="1.00",
        unit_price="1.00",
        delivery_fee="0.00",
        discount="99999.00",
        amount="1",
        paid_amount="13500.00",
        source="phone",
        status="delivered",
    )
    response = checkout(public, store, body)
    assert response.status_code == 201, response.content
    assert response.json()["total"] == "13500.00"
    order = Order.objects.get(shop=store)
    assert (order.total, order.discount, order.delivery_fee) == (Decimal("13500"), Decimal(0), Decimal("1500"))
    assert order.items.get().unit_price == Decimal("12000")
    assert order.paid_amount == 0 and order.status == "new" and order.source == "storefront"


def test_a_known_buyer_is_found_by_phone_and_kept(public, store, checkout_body) -> None:
    known = make_customer(store, phone=BUYER_PHONE, name="Старое имя")
    response = checkout(public, store, checkout_body(customer={"phone": "7 701 123 4567", "name": "Новое имя"}))
    assert response.status_code == 201, response.content
    known.refresh_from_db()
    assert Order.objects.get(shop=store).customer == known and known.name == "Старое имя"


def test_pickup_is_free_and_needs_no_zone_or_address(public, store, checkout_body) -> None:
    body = checkout_body(delivery_method="pickup", delivery_address="", delivery_zone_id=None)
    response = checkout(public, store, body)
    assert response.status_code == 201, response.content
    assert response.json()["total"] == "24000.00"
    assert Order.objects.get(shop=store).delivery_zone is None


def test_without_zones_a_delivery_costs_the_shops_default_fee(public, store, zone, checkout_body) -> None:
    zone.delete()
    store.default_delivery_fee = Decimal("700.00")
    store.save()
    response = checkout(public, store, checkout_body(delivery_zone_id=None))
    assert response.status_code == 201, response.content
    assert response.json()["total"] == "24700.00"


def test_a_double_tap_makes_one_order_and_the_same_answer(public, store, checkout_body) -> None:
    first = checkout(public, store, checkout_body(), key="tap-tap")
    second = checkout(public, store, checkout_body(), key="tap-tap")
    assert first.status_code == second.status_code == 201
    assert first.json() == second.json()
    assert second.headers["Idempotent-Replay"] == "true"
    assert Order.objects.filter(shop=store).count() == 1
    # The same key with another body is refused; another key is another order.
    assert_error(checkout(public, store, checkout_body(card_text="другое"), key="tap-tap"), 422, "idempotency_mismatch")
    assert checkout(public, store, checkout_body(), key="second-order").status_code == 201
    assert Order.objects.filter(shop=store).count() == 2


def test_one_key_of_two_buyers_makes_two_orders(public, store, checkout_body) -> None:
    assert checkout(public, store, checkout_body(), key="1").status_code == 201
    other = checkout_body(customer={"phone": "+77019998877", "name": "Другой"})
    assert checkout(public, store, other, key="1").status_code == 201
    assert Order.objects.filter(shop=store).count() == 2


def test_the_idempotency_key_is_required(public, store, checkout_body) -> None:
    before = written()
    body = assert_error(checkout(public, store, checkout_body(), key=None), 400, "invalid")
    assert "Idempotency-Key" in body["errors"]
    assert_error(checkout(public, store, checkout_body(), key=" "), 400, "invalid")
    assert written() == before


def bad_bodies(store, rose, zone, checkout_body) -> dict[str, dict]:
    other = ShopFactory(name="Чужой", storefront_enabled=True)
    foreign_product = make_product(other)
    foreign_zone = DeliveryZone.objects.create(shop=other, name="Их зона", fee="1")
    inactive = make_product(store)
    inactive.is_active = False
    inactive.save()
    today = timezone.localdate(timezone.now(), store.zoneinfo)
    now = timezone.localtime(timezone.now(), store.zoneinfo)
    return {
        "foreign product": checkout_body(items=[{"product_id": foreign_product.id, "quantity": 1}]),
        "foreign zone": checkout_body(delivery_zone_id=foreign_zone.id),
        "inactive product": checkout_body(items=[{"product_id": inactive.id, "quantity": 1}]),
        "unknown product": checkout_body(items=[{"product_id": 2**62, "quantity": 1}]),
        "no items": checkout_body(items=[]),
        "too many items": checkout_body(items=[{"product_id": rose.id, "quantity": 1}] * (MAX_ITEMS + 1)),
        "zero quantity": checkout_body(items=[{"product_id": rose.id, "quantity": 0}]),
        "huge quantity": checkout_body(items=[{"product_id": rose.id, "quantity": MAX_QUANTITY + 1}]),
        "quantity as text": checkout_body(items=[{"product_id": rose.id, "quantity": "lots"}]),
        "no buyer": checkout_body(customer=None),
        "bad phone": checkout_body(customer={"phone": "12", "name": "А"}),
        "no buyer name": checkout_body(customer={"phone": BUYER_PHONE, "name": ""}),
        "long name": checkout_body(customer={"phone": BUYER_PHONE, "name": "я" * 151}),
        "long card": checkout_body(card_text="я" * 501),
        "long address": checkout_body(delivery_address="я" * 501),
        "no address": checkout_body(delivery_address="  "),
        "no zone": checkout_body(delivery_zone_id=None),
        "bad method": checkout_body(delivery_method="teleport"),
        "bad payment": checkout_body(payment_method="bitcoin"),
        "past date": checkout_body(delivery_date=(today - dt.timedelta(days=1)).isoformat()),
        "too far": checkout_body(delivery_date=(today + dt.timedelta(days=MAX_DAYS_AHEAD + 1)).isoformat()),
        "year 9999": checkout_body(delivery_date="9999-12-31"),
        "window passed": checkout_body(
            delivery_date=today.isoformat(), delivery_time_from="00:00", delivery_time_to="00:00"
        )
        if now.hour or now.minute
        else checkout_body(delivery_date=(today - dt.timedelta(days=1)).isoformat()),
        "window reversed": checkout_body(delivery_time_from="12:00", delivery_time_to="10:00"),
        "half a window": checkout_body(delivery_time_from="12:00", delivery_time_to=None),
        "not an object": ["items"],
        "nul byte": checkout_body(card_text="a\x00b"),
    }


def test_bad_input_is_a_400_that_writes_nothing(public, store, rose, zone, checkout_body, monkeypatch) -> None:
    monkeypatch.setitem(SimpleRateThrottle.THROTTLE_RATES, "storefront_checkout_phone", "1000/hour")
    cases = bad_bodies(store, rose, zone, checkout_body)
    before = written()
    for name, body in cases.items():
        response = checkout(public, store, body, key=f"key-{name}")
        assert response.status_code == 400, (name, response.content)
        assert response.json()["code"] == "invalid", name
        assert written() == before, name


def test_the_edges_of_the_window_are_taken(public, store, checkout_body) -> None:
    today = timezone.localdate(timezone.now(), store.zoneinfo)
    last = today + dt.timedelta(days=MAX_DAYS_AHEAD)
    assert checkout(public, store, checkout_body(delivery_date=last.isoformat()), key="far").status_code == 201
    anytime_today = checkout_body(delivery_date=today.isoformat(), delivery_time_from=None, delivery_time_to=None)
    assert checkout(public, store, anytime_today, key="today").status_code == 201


def test_a_malformed_or_oversized_body(public, store) -> None:
    url = f"/api/public/shops/{store.slug}/orders/"
    before = written()
    response = public.generic("POST", url, "{not json", content_type="application/json", HTTP_IDEMPOTENCY_KEY="k")
    assert_error(response, 400, "invalid")
    huge = '{"card_text": "' + "я" * 70_000 + '"}'
    response = public.generic("POST", url, huge, content_type="application/json", HTTP_IDEMPOTENCY_KEY="k")
    assert_error(response, 413, "too_large")
    assert written() == before


@pytest.fixture
def low_rates(monkeypatch):
    rates = SimpleRateThrottle.THROTTLE_RATES
    monkeypatch.setitem(rates, "storefront_checkout", "3/hour")
    monkeypatch.setitem(rates, "storefront_checkout_phone", "2/hour")
    monkeypatch.setitem(rates, "storefront", "4/min")


def test_checkout_is_throttled_per_phone_in_any_format(public, store, checkout_body, low_rates) -> None:
    formats = ["+77011234567", "8 701 123 45 67", "7 (701) 123-45-67"]
    for n, phone in enumerate(formats[:2]):
        body = checkout_body(customer={"phone": phone, "name": "А"})
        response = checkout(public, store, body, key=f"k{n}", REMOTE_ADDR=f"10.0.0.{n + 1}")
        assert response.status_code == 201, response.content
    body = checkout_body(customer={"phone": formats[2], "name": "А"})
    response = checkout(public, store, body, key="k3", REMOTE_ADDR="10.0.0.9")
    assert_error(response, 429, "throttled")
    assert int(response.headers["Retry-After"]) > 0
    # Another buyer from a fresh address is not held back.
    other = checkout_body(customer={"phone": "+77019998877", "name": "Б"})
    assert checkout(public, store, other, key="k4", REMOTE_ADDR="10.0.0.10").status_code == 201
    assert Order.objects.filter(shop=store).count() == 3


def test_checkout_is_throttled_per_address(public, store, checkout_body, low_rates) -> None:
    phones = ["+77010000001", "+77010000002", "+77010000003", "+77010000004"]
    answers = [
        checkout(public, store, checkout_body(customer={"phone": p, "name": "А"}), key=p, REMOTE_ADDR="10.1.1.1")
        for p in phones
    ]
    assert [a.status_code for a in answers] == [201, 201, 201, 429]
    # Another address is counted apart.
    body = checkout_body(customer={"phone": phones[3], "name": "А"})
    assert checkout(public, store, body, key="x", REMOTE_ADDR="10.1.1.2").status_code == 201


def test_reads_are_throttled_per_address_unknown_slugs_too(public, store, low_rates) -> None:
    for path in ["/api/public/shops/romashka/", "/api/public/shops/nope/", "/api/public/shops/romashka/products/"]:
        assert public.get(path, REMOTE_ADDR="10.2.2.2").status_code in (200, 404)
    public.get("/api/public/shops/nope/", REMOTE_ADDR="10.2.2.2")
    assert_error(public.get("/api/public/shops/romashka/", REMOTE_ADDR="10.2.2.2"), 429, "throttled")
    assert public.get("/api/public/shops/romashka/", REMOTE_ADDR="10.2.2.3").status_code == 200


@pytest.mark.parametrize("lines", [1, MAX_ITEMS])
def test_the_checkout_query_count_is_pinned(public, store, checkout_body, lines, django_assert_num_queries) -> None:
    """The same for 1 line and for the most lines a checkout takes (the rest is savepoints)."""
    products = [make_product(store) for _ in range(lines)]
    body = checkout_body(items=[{"product_id": p.id, "quantity": 1} for p in products])
    with django_assert_num_queries(25):
        response = checkout(public, store, body)
    assert response.status_code == 201, response.content
