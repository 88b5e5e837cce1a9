"""Language (ARCHITECTURE §11.1): the order API answers in Russian by default and in English for
``Accept-Language: en`` — validation errors, refused transitions and warnings alike — and one
response never mixes the two. The data here is Latin, so any Cyrillic in an English answer is
text the server failed to translate."""

from __future__ import annotations

import datetime as dt
import json
import re
from typing import Any

import pytest
from django.utils import timezone, translation

from apps.orders.models import EventType, Order, OrderStatus
from apps.orders.tests.factories import make_customer, make_product, make_stock, order_body

pytestmark = pytest.mark.django_db
EN = {"HTTP_ACCEPT_LANGUAGE": "en"}
RU = {"HTTP_ACCEPT_LANGUAGE": "ru"}
CYRILLIC = re.compile(r"[А-Яа-яЁё]")


@pytest.fixture(autouse=True)
def _default_language_after_each_test():
    """The test client leaves the last request's language active in the thread."""
    yield
    translation.deactivate()


@pytest.fixture
def shop(shop):
    shop.name = "Daisy test"
    shop.save(update_fields=["name"])
    return shop


@pytest.fixture
def office(office):
    office.user.name = "Office Manager"
    office.user.save(update_fields=["name"])
    return office


def latin_body(product: Any, **overrides: Any) -> dict[str, Any]:
    return order_body(
        product,
        customer={"phone": "+7 701 123 45 67", "name": "Aigerim"},
        recipient_name="Dana Seitova",
        delivery_address="Abay street 10, flat 5",
        card_text="Happy birthday!",
        **overrides,
    )


def texts(body: Any) -> list[str]:
    """Every string of a JSON body."""
    if isinstance(body, dict):
        return [text for value in body.values() for text in texts(value)]
    if isinstance(body, list):
        return [text for value in body for text in texts(value)]
    return [body] if isinstance(body, str) else []


def assert_english(body: Any) -> None:
    russian = [text for text in texts(body) if CYRILLIC.search(text)]
    assert russian == [], json.dumps(body, ensure_ascii=False)


def shop_today(shop) -> dt.date:
    return timezone.now().astimezone(shop.zoneinfo).date()


def product(shop, **kwargs: Any) -> Any:
    item = make_product(shop, **kwargs)
    item.name = "Bouquet of roses"
    item.save(update_fields=["name"])
    return item


def latin_order(shop, client: Any, item: Any = None, days: int = 1) -> Order:
    """An order with Latin data only, taken through the API in the default language."""
    future = (shop_today(shop) + dt.timedelta(days=days)).isoformat()
    response = client.post("/api/orders/", latin_body(item or product(shop), delivery_date=future), format="json")
    assert response.status_code == 201, response.json()
    return Order.objects.get(pk=response.json()["id"])


# --- a validation error -------------------------------------------------------------------


def bad_window(shop) -> dict[str, Any]:
    future = (shop_today(shop) + dt.timedelta(days=2)).isoformat()
    return latin_body(product(shop), delivery_date=future, delivery_time_from="12:00", delivery_time_to="10:00")


def test_a_validation_error_is_russian_by_default(shop, office, api_as) -> None:
    response = api_as(office).post("/api/orders/", bad_window(shop), format="json")
    assert response.status_code == 400
    assert response.json()["errors"]["delivery_time_to"] == ["Окно доставки заканчивается раньше, чем начинается."]


def test_a_validation_error_is_english_on_request(shop, office, api_as) -> None:
    response = api_as(office).post("/api/orders/", bad_window(shop), format="json", **EN)
    assert response.status_code == 400
    body = response.json()
    assert body["errors"]["delivery_time_to"] == ["The delivery window ends before it starts."]
    assert_english(body)


def test_a_serializer_error_is_english_on_request(shop, office, api_as) -> None:
    buyer = make_customer(shop, name="Aigerim")
    body = latin_body(product(shop), customer_id=buyer.id)  # customer and customer_id at once
    response = api_as(office).post("/api/orders/", body, format="json", **EN)
    assert response.status_code == 400
    assert response.json()["errors"]["customer"] == ["Give customer or customer_id, not both."]
    assert_english(response.json())
    response = api_as(office).post("/api/orders/", body, format="json", **RU)
    assert response.json()["errors"]["customer"] == ["Укажите customer или customer_id, не оба."]


# --- a refused transition -----------------------------------------------------------------


def test_a_refused_transition_speaks_the_callers_language(shop, office, api_as) -> None:
    client = api_as(office)
    order = latin_order(shop, client)
    url = f"/api/orders/{order.id}/transition/"

    response = client.post(url, {"status": OrderStatus.DELIVERED}, format="json")
    assert response.status_code == 409
    assert response.json()["code"] == "invalid_transition"
    assert response.json()["detail"] == "Нельзя перевести заказ из «Новый» в «Доставлен»."

    response = client.post(url, {"status": OrderStatus.DELIVERED}, format="json", **EN)
    assert response.status_code == 409
    assert response.json()["detail"] == "An order cannot move from “New” to “Delivered”."
    assert_english(response.json())


def test_a_transition_needing_a_reason_is_refused_in_english(shop, office, api_as) -> None:
    order = latin_order(shop, api_as(office))
    response = api_as(office).post(
        f"/api/orders/{order.id}/transition/", {"status": OrderStatus.CANCELLED}, format="json", **EN
    )
    assert response.status_code == 400
    assert response.json()["errors"]["reason"] == ["Give a reason."]
    assert_english(response.json())


# --- warnings -----------------------------------------------------------------------------


def test_a_warning_speaks_the_callers_language(shop, office, api_as) -> None:
    yesterday = shop_today(shop) - dt.timedelta(days=1)
    body = latin_body(product(shop), delivery_date=yesterday.isoformat())
    client = api_as(office)

    response = client.post("/api/orders/", body, format="json")
    assert response.status_code == 201
    [warning] = response.json()["warnings"]
    assert warning == {
        "code": "past_delivery_date",
        "message": f"Дата доставки {yesterday:%d.%m.%Y} уже прошла.",
    }

    response = client.post("/api/orders/", body, format="json", **EN)
    assert response.status_code == 201
    [warning] = response.json()["warnings"]
    assert warning == {
        "code": "past_delivery_date",
        "message": f"The delivery date {yesterday:%d.%m.%Y} has already passed.",
    }
    assert_english(response.json())


def test_a_confirmation_with_shortages_is_one_language(shop, office, api_as) -> None:
    tulip = make_stock(shop, name="Tulip", quantity=3)
    order = latin_order(shop, api_as(office), product(shop, recipe={tulip: 5}))
    response = api_as(office).post(
        f"/api/orders/{order.id}/transition/", {"status": OrderStatus.CONFIRMED}, format="json", **EN
    )
    assert response.status_code == 200
    body = response.json()
    assert body["warnings"] == [
        {
            "code": "stock_short",
            "message": "Reserved more than on hand: Tulip (reserved 5, on hand 3). A supply is needed before assembly.",
        }
    ]
    assert_english(body)


def test_russian_stock_warning_is_todays_text(shop, office, api_as) -> None:
    tulip = make_stock(shop, name="Tulip", quantity=3)
    order = latin_order(shop, api_as(office), product(shop, recipe={tulip: 5}))
    response = api_as(office).post(
        f"/api/orders/{order.id}/transition/", {"status": OrderStatus.CONFIRMED}, format="json"
    )
    assert response.json()["warnings"][0]["message"] == (
        "Резерв больше остатка: Tulip (в резерве 5, на складе 3). Нужна поставка до сборки."
    )


def test_a_patch_with_a_warning_and_a_later_error_never_mix(shop, office, api_as) -> None:
    """The same caller gets the warning and, on the next write, the refusal in English."""
    client = api_as(office)
    order = latin_order(shop, client, days=2)
    past = (shop_today(shop) - dt.timedelta(days=2)).isoformat()
    response = client.patch(f"/api/orders/{order.id}/", {"delivery_date": past}, format="json", **EN)
    assert response.status_code == 200
    assert [w["code"] for w in response.json()["warnings"]] == ["past_delivery_date"]
    assert_english(response.json())
    response = client.patch(f"/api/orders/{order.id}/", {"discount": "999999.00"}, format="json", **EN)
    assert response.status_code == 400
    assert response.json()["errors"]["discount"] == ["The discount is more than the order total with delivery."]
    assert_english(response.json())


# --- labels for the timeline (the admin's order desk) ---------------------------------------


def test_status_and_event_labels_are_translatable() -> None:
    assert OrderStatus.CONFIRMED.label == "Подтверждён"
    assert EventType.STATUS_CHANGED.label == "Смена статуса"
    with translation.override("en"):
        assert OrderStatus.CONFIRMED.label == "Confirmed"
        assert EventType.STATUS_CHANGED.label == "Status changed"
