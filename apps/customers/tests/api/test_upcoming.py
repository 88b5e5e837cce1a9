"""``GET /api/customers/upcoming-dates/?days=7``: counted from today in the shop's zone."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from typing import Any
from unittest import mock

import pytest
from rest_framework.test import APIClient

from apps.customers.tests.factories import CustomerFactory, ExtraPhoneFactory, ImportantDateFactory
from apps.shops.models import Membership, Shop
from flowercrm.roles import Role
from flowercrm.testing import assert_error

pytestmark = pytest.mark.django_db

URL = "/api/customers/upcoming-dates/"


def at(instant: str) -> Any:
    """Freeze ``timezone.now()`` at a UTC instant."""
    return mock.patch("django.utils.timezone.now", return_value=dt.datetime.fromisoformat(instant))


def get(client: APIClient, instant: str, **params: Any) -> Any:
    with at(instant):
        return client.get(URL, params)


def test_year_end_in_the_shops_zone(manager: APIClient, shop: Shop) -> None:
    assert shop.time_zone == "Asia/Almaty"
    customer = CustomerFactory(shop=shop, name="Айгерим", phone="+77011234567")
    new_year = ImportantDateFactory(customer=customer, day=2, month=1, title="Годовщина", remind_days_before=5)
    ImportantDateFactory(customer=customer, day=27, month=12, title="Вчера")  # already past in Almaty
    ImportantDateFactory(customer=customer, day=10, month=1, title="Позже")

    # 20:00 UTC on 27 December is 01:00 on 28 December in Almaty (UTC+5).
    response = get(manager, "2026-12-27T20:00:00+00:00", days=7)

    assert response.status_code == 200, response.json()
    assert response.json() == {
        "items": [
            {
                "id": new_year.id,
                "day": 2,
                "month": 1,
                "title": "Годовщина",
                "remind_days_before": 5,
                "date": "2027-01-02",
                "days_until": 5,
                "customer": {"id": customer.id, "name": "Айгерим", "phone": "+77011234567"},
            }
        ],
        "total": 1,
    }
    # Counted in UTC it would still be 27 December, and "Вчера" would be today.
    assert [r["title"] for r in get(manager, "2026-12-27T18:59:00+00:00", days=0).json()["items"]] == ["Вчера"]


def test_29_february_in_a_non_leap_year(manager: APIClient, shop: Shop) -> None:
    ImportantDateFactory(customer=CustomerFactory(shop=shop), day=29, month=2)
    # 19:30 UTC on 24 February 2027 is already 25 February in Almaty.
    items = get(manager, "2027-02-24T19:30:00+00:00", days=3).json()["items"]
    assert [(r["date"], r["days_until"]) for r in items] == [("2027-02-28", 3)]
    assert get(manager, "2027-02-24T19:30:00+00:00", days=2).json()["items"] == []


def test_default_is_seven_days_and_soonest_first(manager: APIClient, shop: Shop) -> None:
    customer = CustomerFactory(shop=shop)
    for day in (9, 1, 8, 5):
        ImportantDateFactory(customer=customer, day=day, month=7)
    items = get(manager, "2026-06-30T21:00:00+00:00").json()["items"]  # 1 July in Almaty
    assert [(r["day"], r["days_until"]) for r in items] == [(1, 0), (5, 4), (8, 7)]


def test_the_shops_own_zone_is_used(manager: APIClient, shop: Shop) -> None:
    shop.time_zone = "Europe/Moscow"  # UTC+3
    shop.save()
    ImportantDateFactory(customer=CustomerFactory(shop=shop), day=28, month=12)
    # 20:30 UTC on 27 December: 01:30 on the 28th in Almaty, 23:30 on the 27th in Moscow.
    assert get(manager, "2026-12-27T20:30:00+00:00", days=0).json()["items"] == []
    assert get(manager, "2026-12-27T20:30:00+00:00", days=1).json()["items"][0]["days_until"] == 1


def test_other_shops_dates_are_not_listed(manager: APIClient, other_shop: Shop) -> None:
    ImportantDateFactory(customer=CustomerFactory(shop=other_shop), day=1, month=1)
    assert get(manager, "2026-12-31T00:00:00+00:00", days=366).json() == {"items": [], "total": 0}


def test_paging(manager: APIClient, shop: Shop) -> None:
    customer = CustomerFactory(shop=shop)
    for day in range(1, 6):
        ImportantDateFactory(customer=customer, day=day, month=1)
    data = get(manager, "2026-12-31T00:00:00+00:00", days=10, skip=1, limit=2).json()
    assert data["total"] == 5 and [r["day"] for r in data["items"]] == [2, 3]


@pytest.mark.parametrize("days", ["-1", "367", "abc", "", "1.5", "9" * 30])
def test_bad_days_is_400(manager: APIClient, days: str) -> None:
    assert_error(manager.get(URL, {"days": days}), 400, "invalid")


@pytest.mark.parametrize("days", ["0", "366"])
def test_days_bounds_are_accepted(manager: APIClient, days: str) -> None:
    assert manager.get(URL, {"days": days}).status_code == 200


def test_query_count_does_not_grow(manager: APIClient, shop: Shop, django_assert_num_queries: Any) -> None:
    for i in range(30):
        ImportantDateFactory(customer=CustomerFactory(shop=shop), day=1 + i % 28, month=1)
    with django_assert_num_queries(2):  # auth (1), the dates with their customers
        response = get(manager, "2026-12-31T00:00:00+00:00", days=60)
    assert response.json()["total"] == 30


@pytest.mark.parametrize(("role", "status"), [(Role.FLORIST, 403), (Role.COURIER, 403), (None, 401)])
def test_other_roles_are_refused(
    role: str | None,
    status: int,
    member: Callable[..., Membership],
    api_as: Callable[[Membership], APIClient],
    api: APIClient,
) -> None:
    client = api_as(member(role)) if role else api
    assert_error(client.get(URL), status, "permission_denied" if status == 403 else "not_authenticated")


@pytest.fixture
def two_dates(shop: Shop) -> dict[str, Any]:
    aigerim = CustomerFactory(shop=shop, name="Айгерим Сапарова", phone="+77011234567")
    dana = CustomerFactory(shop=shop, name="Дана", phone="+77077654321")
    ExtraPhoneFactory(customer=dana, phone="+77055550000")
    dana.save()  # search_text takes in the extra phone (the services save the customer)
    return {
        "birthday": ImportantDateFactory(customer=aigerim, day=2, month=1, title="День рождения мамы"),
        "anniversary": ImportantDateFactory(customer=dana, day=3, month=1, title="Годовщина свадьбы"),
    }


@pytest.mark.parametrize(
    ("search", "expected"),
    [
        ("САПАРОВА", ["birthday"]),  # the customer's name, any case, Cyrillic
        ("мамы", ["birthday"]),  # the date's title
        ("ГОДОВЩИНА", ["anniversary"]),
        ("8 707 765", ["anniversary"]),  # the phone in any format
        ("8 705 555", ["anniversary"]),  # an extra phone (e.g. of a merged duplicate)
        ("1234567", ["birthday"]),
        ("", ["birthday", "anniversary"]),
        ("нет такого", []),
    ],
)
def test_search(manager: APIClient, two_dates: dict[str, Any], search: str, expected: list[str]) -> None:
    data = get(manager, "2026-12-31T00:00:00+00:00", days=7, search=search).json()
    assert [r["id"] for r in data["items"]] == [two_dates[k].id for k in expected]
    assert data["total"] == len(expected)


def test_too_long_search_is_400(manager: APIClient) -> None:
    assert_error(manager.get(URL, {"search": "я" * 101}), 400, "invalid")
