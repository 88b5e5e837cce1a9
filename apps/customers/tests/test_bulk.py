"""``customers_import``: many rows with the rules of one customer, batched writes."""

from __future__ import annotations

import pytest

from apps.customers.models import Customer, CustomerPhone
from apps.customers.services import customers_import

pytestmark = pytest.mark.django_db


def test_rows_created_found_and_refused(shop, other_shop, django_assert_max_num_queries) -> None:
    kept = Customer.objects.create(shop=shop, phone="+77011234567", name="")
    CustomerPhone.objects.create(shop=shop, customer=kept, phone="+77021112233")
    Customer.objects.create(shop=other_shop, phone="+77051112233", name="Чужой")
    rows = [
        {"phone": "8 701 123 45 67", "name": "Айгерим", "tags": ["VIP"]},  # fills the blank name
        {"phone": "87021112233", "email": "a@example.com"},  # an extra phone finds the same customer
        {"phone": "87051112233", "name": "Свой", "address": "ул. Абая 10", "date": (8, 3), "date_title": "8 марта"},
        {"phone": "12"},
        {"phone": "87071112233", "email": "bad"},
        {"phone": "87771112233", "date": (31, 2), "date_title": "x"},
        {"phone": "87471112233", "date": (1, 2)},  # a date needs its title
    ]
    with django_assert_max_num_queries(40):  # two rounds (main and extra phone of one customer)
        outcomes = customers_import(shop=shop, rows=rows)
    assert outcomes[:3] == ["updated", "updated", "created"]
    assert set(outcomes[3]) == {"phone"} and set(outcomes[4]) == {"email"}
    assert set(outcomes[5]) == {"important_dates"} and set(outcomes[6]) == {"important_dates"}
    kept.refresh_from_db()
    assert (kept.name, kept.email, list(kept.tags.values_list("name", flat=True))) == (
        "Айгерим",
        "a@example.com",
        ["VIP"],
    )
    assert "айгерим" in kept.search_text
    mine = Customer.objects.get(shop=shop, phone="+77051112233")
    assert mine.addresses.get().is_default and mine.important_dates.get().title == "8 марта"
    assert Customer.objects.get(shop=other_shop).name == "Чужой"
    assert customers_import(shop=shop, rows=rows[:3]) == ["unchanged"] * 3


def test_query_count_does_not_grow_with_rows(shop, django_assert_num_queries) -> None:
    def rows(start: int, count: int) -> list[dict[str, object]]:
        return [
            {"phone": f"+7701{n:07d}", "name": f"К {n}", "tags": ["a"], "address": "x"}
            for n in range(start, start + count)
        ]

    customers_import(shop=shop, rows=rows(0, 2))
    with django_assert_num_queries(9):
        customers_import(shop=shop, rows=rows(100, 3))
    with django_assert_num_queries(9):
        customers_import(shop=shop, rows=rows(200, 50))
