"""``/api/customers/``: CRUD with nested lists, search, filters, ordering, the role matrix,
shop isolation, bad input, the orders sub-list and list query counts."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from typing import Any

import pytest
from django.utils import timezone
from rest_framework.test import APIClient

from apps.customers.models import Customer, CustomerAddress, CustomerTag, ImportantDate
from apps.customers.tests.factories import (
    AddressFactory,
    CustomerFactory,
    ExtraPhoneFactory,
    ImportantDateFactory,
    TagFactory,
)
from apps.orders.models import OrderStatus
from apps.orders.tests.factories import make_order
from apps.shops.models import Membership, Shop
from flowercrm.roles import Role
from flowercrm.testing import assert_error

pytestmark = pytest.mark.django_db

URL = "/api/customers/"
PHONE = "+77011234567"
DETAIL_KEYS = {
    "id",
    "phone",
    "name",
    "email",
    "notes",
    "source",
    "extra_phones",
    "tags",
    "addresses",
    "important_dates",
    "orders_count",
    "total_spent",
    "last_order_at",
    "created_at",
    "updated_at",
}


def body(**overrides: Any) -> dict[str, Any]:
    data: dict[str, Any] = {
        "phone": "8 701 123 45 67",
        "name": "Айгерим",
        "email": "aigerim@example.kz",
        "notes": "Любит пионы",
        "source": "instagram",
        "tags": ["VIP", "vip", "Корпоратив"],
        "addresses": [
            {"label": "Дом", "address": "ул. Абая 10, кв 5", "entrance": "2", "floor": "4", "intercom": "5К"},
            {"label": "Офис", "address": "пр. Достык 5", "is_default": True},
        ],
        "important_dates": [{"day": 29, "month": 2, "title": "День рождения мамы", "remind_days_before": 7}],
    }
    data.update(overrides)
    return data


def snapshot() -> tuple[Any, ...]:
    return (
        list(Customer.objects.order_by("id").values()),
        list(CustomerAddress.objects.order_by("id").values()),
        list(ImportantDate.objects.order_by("id").values()),
        list(CustomerTag.objects.order_by("id").values()),
    )


# --- create, read, update, delete ----------------------------------------------------------


def test_create_with_nested_lists(manager: APIClient, shop: Shop) -> None:
    response = manager.post(URL, body(), format="json")
    assert response.status_code == 201, response.json()
    data = response.json()
    assert set(data) == DETAIL_KEYS
    assert data["phone"] == PHONE
    assert data["tags"] == ["VIP", "Корпоратив"]
    assert [a["address"] for a in data["addresses"]] == ["пр. Достык 5", "ул. Абая 10, кв 5"]  # default first
    assert data["addresses"][0]["is_default"] is True and isinstance(data["addresses"][0]["id"], int)
    assert data["important_dates"] == [
        {
            "id": data["important_dates"][0]["id"],
            "day": 29,
            "month": 2,
            "title": "День рождения мамы",
            "remind_days_before": 7,
        }
    ]
    assert (data["orders_count"], data["total_spent"], data["last_order_at"]) == (0, "0.00", None)
    assert data["created_at"].endswith("+05:00")  # the shop's zone (Asia/Almaty)
    assert Customer.objects.get().shop_id == shop.id


def test_retrieve_has_stats_as_strings(manager: APIClient, shop: Shop) -> None:
    customer = CustomerFactory(shop=shop)
    make_order(customer.shop, customer=customer, status=OrderStatus.DELIVERED, total="15000.50", payments=("15000.50",))
    make_order(customer.shop, customer=customer, status=OrderStatus.CANCELLED, total="99.00")
    data = manager.get(f"{URL}{customer.id}/").json()
    assert (data["orders_count"], data["total_spent"]) == (1, "15000.50")
    assert data["last_order_at"].endswith("+05:00")


def test_patch_replaces_given_lists_only(manager: APIClient, shop: Shop) -> None:
    created = manager.post(URL, body(), format="json").json()
    response = manager.patch(
        f"{URL}{created['id']}",  # a trailing slash is optional
        {"name": "Айгерим Б.", "addresses": [{"address": "ул. Сатпаева 1"}], "tags": []},
        format="json",
    )
    assert response.status_code == 200, response.json()
    data = response.json()
    assert data["name"] == "Айгерим Б." and data["email"] == "aigerim@example.kz"
    assert [a["address"] for a in data["addresses"]] == ["ул. Сатпаева 1"]
    assert data["tags"] == [] and len(data["important_dates"]) == 1


def test_put_requires_the_phone(manager: APIClient, shop: Shop) -> None:
    customer = CustomerFactory(shop=shop)
    error = assert_error(manager.put(f"{URL}{customer.id}/", {"name": "x"}, format="json"), 400, "invalid")
    assert "phone" in error["errors"]
    response = manager.put(f"{URL}{customer.id}/", {"phone": "87017654321", "name": "x"}, format="json")
    assert response.status_code == 200 and response.json()["phone"] == "+77017654321"


def test_duplicate_phone_is_400_on_phone(manager: APIClient, shop: Shop) -> None:
    CustomerFactory(shop=shop, phone=PHONE)
    before = snapshot()
    body_ = assert_error(manager.post(URL, body(phone="+7 (701) 123-45-67"), format="json"), 400, "invalid")
    assert list(body_["errors"]) == ["phone"]
    assert snapshot() == before


def test_delete_without_orders(manager: APIClient, shop: Shop) -> None:
    customer = CustomerFactory(shop=shop)
    AddressFactory(customer=customer)
    assert manager.delete(f"{URL}{customer.id}/").status_code == 204
    assert not Customer.objects.exists() and not CustomerAddress.objects.exists()


def test_delete_with_orders_is_409_protected(manager: APIClient, shop: Shop) -> None:
    customer = CustomerFactory(shop=shop)
    make_order(customer.shop, customer=customer, status=OrderStatus.CANCELLED)
    assert_error(manager.delete(f"{URL}{customer.id}/"), 409, "protected")
    assert Customer.objects.filter(pk=customer.pk).exists()


# --- bad input -----------------------------------------------------------------------------

BAD = [
    ("bad phone", {"phone": "12345"}),
    ("phone as a list", {"phone": ["+77011234567"]}),
    ("bad email", {"email": "nope"}),
    ("unknown source", {"source": "pigeon"}),
    ("long name", {"name": "я" * 151}),
    ("long notes", {"notes": "я" * 5001}),
    ("32 February", {"important_dates": [{"day": 32, "month": 2, "title": "x"}]}),
    ("30 February", {"important_dates": [{"day": 30, "month": 2, "title": "x"}]}),
    ("13th month", {"important_dates": [{"day": 1, "month": 13, "title": "x"}]}),
    ("day 0", {"important_dates": [{"day": 0, "month": 1, "title": "x"}]}),
    # Found by fuzzing: a PATCH is partial and DRF passes that on to nested items (a 500).
    ("date without fields", {"important_dates": [{}]}),
    ("date without day", {"important_dates": [{"month": 1, "title": "x"}]}),
    ("remind 61", {"important_dates": [{"day": 1, "month": 1, "title": "x", "remind_days_before": 61}]}),
    ("huge day", {"important_dates": [{"day": 10**30, "month": 1, "title": "x"}]}),
    ("long title", {"important_dates": [{"day": 1, "month": 1, "title": "я" * 201}]}),
    ("51 dates", {"important_dates": [{"day": 1, "month": 1, "title": "x"}] * 51}),
    ("21 addresses", {"addresses": [{"address": "a"}] * 21}),
    ("two defaults", {"addresses": [{"address": "a", "is_default": True}, {"address": "b", "is_default": True}]}),
    ("long address", {"addresses": [{"address": "a" * 501}]}),
    ("address missing", {"addresses": [{"label": "Дом"}]}),
    ("addresses not a list", {"addresses": {"address": "a"}}),
    ("21 tags", {"tags": [f"t{i}" for i in range(21)]}),
    ("long tag", {"tags": ["т" * 51]}),
    ("blank tag", {"tags": [""]}),
    ("NUL in name", {"name": "a\x00b"}),
]


@pytest.mark.parametrize("change", [c for _, c in BAD], ids=[n for n, _ in BAD])
def test_bad_create_is_400_and_writes_nothing(manager: APIClient, shop: Shop, change: dict[str, Any]) -> None:
    before = snapshot()
    assert_error(manager.post(URL, body(**change), format="json"), 400, "invalid")
    assert snapshot() == before


@pytest.mark.parametrize("change", [c for _, c in BAD], ids=[n for n, _ in BAD])
def test_bad_patch_is_400_and_writes_nothing(manager: APIClient, shop: Shop, change: dict[str, Any]) -> None:
    customer_id = manager.post(URL, body(phone="+77017654321"), format="json").json()["id"]
    before = snapshot()
    response = manager.patch(f"{URL}{customer_id}/", {"name": "Новое", **change}, format="json")
    assert_error(response, 400, "invalid")
    assert snapshot() == before


def test_nested_errors_are_shaped_like_the_payload(manager: APIClient, shop: Shop) -> None:
    dates = [{"day": 1, "month": 1, "title": "ok"}, {"day": 31, "month": 6, "title": "x"}]
    errors = assert_error(manager.post(URL, body(important_dates=dates), format="json"), 400, "invalid")["errors"]
    assert errors["important_dates"][0] == {} and list(errors["important_dates"][1]) == ["day"]


# --- list: search, filters, ordering -------------------------------------------------------


def ids(response: Any) -> list[int]:
    assert response.status_code == 200, response.json()
    return [row["id"] for row in response.json()["items"]]


@pytest.fixture
def people(shop: Shop) -> dict[str, Customer]:
    aigerim = CustomerFactory(
        shop=shop, name="Айгерим Сапарова", phone="+77011234567", email="a.sap@mail.kz", source="instagram"
    )
    dana = CustomerFactory(shop=shop, name="Дана", phone="+77077654321", email="dana@example.kz", source="phone")
    pyotr = CustomerFactory(shop=shop, name="Пётр", phone="+79161230000", source="")
    TagFactory(customer=aigerim, name="VIP")
    TagFactory(customer=aigerim, name="Корпоратив")
    TagFactory(customer=dana, name="Корпоратив")
    make_order(aigerim.shop, customer=aigerim, status=OrderStatus.DELIVERED, total="5000.00", payments=("5000.00",))
    make_order(dana.shop, customer=dana, status=OrderStatus.DELIVERED, total="7000.00", payments=("7000.00",))
    make_order(dana.shop, customer=dana, status=OrderStatus.NEW, total="1000.00", payments=("500.00",))
    make_order(
        pyotr.shop, customer=pyotr, status=OrderStatus.CANCELLED, total="90000.00", payments=("90000.00", "-90000.00")
    )
    return {"aigerim": aigerim, "dana": dana, "pyotr": pyotr}


@pytest.mark.parametrize(
    ("query", "expected"),
    [
        ("айгерим", ["aigerim"]),  # Cyrillic, other case
        ("САПАРОВА", ["aigerim"]),
        ("пётр", ["pyotr"]),
        ("mail.kz", ["aigerim"]),  # e-mail
        ("4567", ["aigerim"]),  # any part of the digits
        ("765 43", ["dana"]),
        ("8 701 123", ["aigerim"]),  # a leading 8 is also tried as 7
        ("8 (707) 765-43-21", ["dana"]),
        ("+7 916", ["pyotr"]),
        ("нет такого", []),
    ],
)
def test_search(manager: APIClient, people: dict[str, Customer], query: str, expected: list[str]) -> None:
    assert ids(manager.get(URL, {"search": query})) == sorted(people[k].id for k in expected)


@pytest.mark.parametrize(
    ("params", "expected"),
    [
        ({"tag": "Корпоратив"}, ["aigerim", "dana"]),  # two tags of one customer: still one row
        ({"tag": "VIP,Корпоратив"}, ["aigerim", "dana"]),
        ({"tag": "VIP"}, ["aigerim"]),
        ({"source": "phone"}, ["dana"]),
        ({"source": "phone,instagram"}, ["aigerim", "dana"]),
    ],
)
def test_filters(manager: APIClient, people: dict[str, Customer], params: dict[str, str], expected: list[str]) -> None:
    response = manager.get(URL, params)
    assert sorted(ids(response)) == sorted(people[k].id for k in expected)
    assert response.json()["total"] == len(expected)


def test_unknown_source_filter_is_400(manager: APIClient, people: dict[str, Customer]) -> None:
    assert_error(manager.get(URL, {"source": "pigeon"}), 400, "invalid")


@pytest.mark.parametrize(
    ("ordering", "expected"),
    [
        ("name", ["aigerim", "dana", "pyotr"]),
        ("-total_spent", ["dana", "aigerim", "pyotr"]),  # money received: a refund nets out
        ("orders_count,name", ["pyotr", "aigerim", "dana"]),
        ("-orders_count,name", ["dana", "aigerim", "pyotr"]),
    ],
)
def test_ordering(manager: APIClient, people: dict[str, Customer], ordering: str, expected: list[str]) -> None:
    assert ids(manager.get(URL, {"ordering": ordering})) == [people[k].id for k in expected]


def test_ordering_by_last_order_and_created(manager: APIClient, people: dict[str, Customer]) -> None:
    assert len(ids(manager.get(URL, {"ordering": "-last_order_at"}))) == 3
    assert ids(manager.get(URL, {"ordering": "created_at"})) == [people[k].id for k in ("aigerim", "dana", "pyotr")]


@pytest.mark.parametrize("params", [{"ordering": "phone"}, {"limit": "0"}, {"skip": "-1"}, {"search": "я" * 101}])
def test_bad_list_params_are_400(manager: APIClient, people: dict[str, Customer], params: dict[str, str]) -> None:
    assert_error(manager.get(URL, params), 400, "invalid")


def test_list_total_and_paging(manager: APIClient, people: dict[str, Customer]) -> None:
    data = manager.get(URL, {"limit": 2, "skip": 1, "ordering": "name"}).json()
    assert data["total"] == 3 and [r["id"] for r in data["items"]] == [people["dana"].id, people["pyotr"].id]


@pytest.mark.parametrize("count", [1, 30])
def test_list_query_count_does_not_grow(
    manager: APIClient, shop: Shop, count: int, django_assert_num_queries: Any
) -> None:
    for i in range(count):
        customer = CustomerFactory(shop=shop)
        AddressFactory(customer=customer, is_default=True)
        AddressFactory(customer=customer)
        ImportantDateFactory(customer=customer, day=1 + i % 28, month=5)
        TagFactory(customer=customer, name="VIP")
        TagFactory(customer=customer, name=f"t{i}")
        make_order(
            customer.shop, customer=customer, status=OrderStatus.DELIVERED, total="100.00", payments=("60.00", "40.00")
        )
        make_order(
            customer.shop,
            customer=customer,
            status=OrderStatus.CANCELLED,
            total="100.00",
            payments=("100.00", "-100.00"),
        )
        ExtraPhoneFactory(customer=customer)
    # auth (membership + user + shop), count, page, addresses, dates, tags, extra phones
    with django_assert_num_queries(7):
        response = manager.get(URL, {"ordering": "-total_spent"})
    items = response.json()["items"]
    assert len(items) == count
    assert all(len(r["addresses"]) == 2 and len(r["tags"]) == 2 and r["orders_count"] == 1 for r in items)
    assert all(r["total_spent"] == "100.00" and len(r["extra_phones"]) == 1 for r in items)


# --- the orders sub-list -------------------------------------------------------------------


def test_customer_orders(manager: APIClient, shop: Shop) -> None:
    customer = CustomerFactory(shop=shop)
    old = make_order(
        customer.shop, customer=customer, status=OrderStatus.DELIVERED, total="5000.00", created_at=_aware(2026, 1, 1)
    )
    new = make_order(
        customer.shop, customer=customer, status=OrderStatus.CANCELLED, total="1500.50", created_at=_aware(2026, 2, 1)
    )
    make_order(shop, customer=CustomerFactory(shop=shop))  # someone else's
    data = manager.get(f"{URL}{customer.id}/orders/").json()
    assert data["total"] == 2
    assert [r["id"] for r in data["items"]] == [new.id, old.id]
    assert data["items"][0] == {
        "id": new.id,
        "number": new.number,
        "status": "cancelled",
        "delivery_date": "2026-12-01",
        "total": "1500.50",
        "created_at": "2026-02-01T00:00:00+05:00",
    }
    page = manager.get(f"{URL}{customer.id}/orders", {"skip": 1, "limit": 1}).json()
    assert page == {"items": [data["items"][1]], "total": 2}


def test_customer_orders_query_count_does_not_grow(
    manager: APIClient, shop: Shop, django_assert_num_queries: Any
) -> None:
    customer = CustomerFactory(shop=shop)
    for _ in range(20):
        make_order(customer.shop, customer=customer)
    with django_assert_num_queries(4):  # auth (1), the customer, count, page
        assert len(manager.get(f"{URL}{customer.id}/orders/").json()["items"]) == 20


def _aware(*args: int) -> dt.datetime:
    return timezone.make_aware(dt.datetime(*args))  # in the default zone, Asia/Almaty


# --- shop isolation ------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("method", "suffix", "payload"),
    [
        ("get", "", None),
        ("put", "", {"phone": "+77017654321"}),
        ("patch", "", {"name": "x"}),
        ("delete", "", None),
        ("get", "orders/", None),
    ],
)
def test_another_shops_customer_is_404(
    manager: APIClient, other_shop: Shop, method: str, suffix: str, payload: dict[str, Any] | None
) -> None:
    theirs = CustomerFactory(shop=other_shop, name="Чужой")
    make_order(theirs.shop, customer=theirs)
    before = snapshot()
    response = getattr(manager, method)(f"{URL}{theirs.id}/{suffix}", payload, format="json")
    assert_error(response, 404, "not_found")
    assert snapshot() == before


def test_another_shops_customers_are_not_listed(manager: APIClient, shop: Shop, other_shop: Shop) -> None:
    CustomerFactory(shop=other_shop, name="Чужой", phone=PHONE)
    mine = CustomerFactory(shop=shop)
    assert ids(manager.get(URL, {"search": ""})) == [mine.id]
    assert ids(manager.get(URL, {"search": "чужой"})) == []


@pytest.mark.parametrize("pk", ["0", "999999999999999999", "1234567890123456789", "abc"])
def test_odd_ids_are_404(manager: APIClient, pk: str) -> None:
    assert_error(manager.get(f"{URL}{pk}/"), 404, "not_found")


# --- role matrix ---------------------------------------------------------------------------


@pytest.fixture
def world(shop: Shop) -> dict[str, Customer]:
    """``seen``: a buyer of a confirmed order (a florist may see them); ``spare``: no orders;
    ``hidden``: a buyer of a new order only (a florist may not see them)."""
    seen = CustomerFactory(shop=shop, name="Видимый", email="seen@example.kz")
    make_order(seen.shop, customer=seen, status=OrderStatus.CONFIRMED)
    ImportantDateFactory(customer=seen, day=1, month=1)
    spare = CustomerFactory(shop=shop, name="Запасной")
    hidden = CustomerFactory(shop=shop, name="Скрытый")
    make_order(hidden.shop, customer=hidden, status=OrderStatus.NEW)
    return {"seen": seen, "spare": spare, "hidden": hidden}


ENDPOINTS: dict[str, tuple[str, str, Any]] = {
    # name: (method, path with {seen}/{spare}, body)
    "list": ("get", URL, None),
    "create": ("post", URL, {"phone": "+77017777777", "name": "Новый"}),
    "retrieve": ("get", URL + "{seen}/", None),
    "put": ("put", URL + "{seen}/", {"phone": "+77017777777", "name": "Изменён"}),
    "patch": ("patch", URL + "{seen}/", {"name": "Изменён"}),
    "delete": ("delete", URL + "{spare}/", None),
    "orders": ("get", URL + "{seen}/orders/", None),
    "merge": ("post", URL + "merge/", {"keep_id": "{seen}", "merge_id": "{spare}"}),
    "upcoming": ("get", URL + "upcoming-dates/", None),
}
OFFICE = {
    "list": 200,
    "create": 201,
    "retrieve": 200,
    "put": 200,
    "patch": 200,
    "delete": 204,
    "orders": 200,
    "merge": 200,
    "upcoming": 200,
}
FLORIST = {name: 403 for name in ENDPOINTS} | {"list": 200, "retrieve": 200}
EXPECTED = {
    Role.ADMIN: OFFICE,
    Role.MANAGER: OFFICE,
    Role.FLORIST: FLORIST,
    Role.COURIER: {name: 403 for name in ENDPOINTS},
    None: {name: 401 for name in ENDPOINTS},
}
CASES = [(role, name, status) for role, table in EXPECTED.items() for name, status in table.items()]


def _fill(value: Any, world: dict[str, Customer]) -> Any:
    if isinstance(value, str):
        for key, customer in world.items():
            value = value.replace("{" + key + "}", str(customer.id))
        return int(value) if value.isdigit() else value
    if isinstance(value, dict):
        return {k: _fill(v, world) for k, v in value.items()}
    return value


@pytest.mark.parametrize(("role", "endpoint", "status"), CASES, ids=[f"{r or 'anonymous'}-{e}" for r, e, _ in CASES])
def test_role_matrix(
    role: str | None,
    endpoint: str,
    status: int,
    world: dict[str, Customer],
    member: Callable[..., Membership],
    api_as: Callable[[Membership], APIClient],
    api: APIClient,
) -> None:
    client = api_as(member(role)) if role else api
    method, path, payload = ENDPOINTS[endpoint]
    before = snapshot()
    response = getattr(client, method)(_fill(path, world), _fill(payload, world), format="json")
    assert response.status_code == status, response.content[:300]
    if status >= 400:
        code = {401: "not_authenticated", 403: "permission_denied"}[status]
        assert_error(response, status, code)
        assert snapshot() == before  # a refused call writes nothing


def test_florist_reads_only_name_and_phone_of_visible_buyers(
    world: dict[str, Customer], member: Callable[..., Membership], api_as: Callable[[Membership], APIClient]
) -> None:
    florist = api_as(member(Role.FLORIST))
    seen = world["seen"]
    data = florist.get(URL).json()
    assert data == {"items": [{"id": seen.id, "name": seen.name, "phone": seen.phone}], "total": 1}
    assert florist.get(f"{URL}{seen.id}/").json() == {"id": seen.id, "name": seen.name, "phone": seen.phone}
    for other in ("spare", "hidden"):
        assert_error(florist.get(f"{URL}{world[other].id}/"), 404, "not_found")


def test_florist_cannot_probe_emails_tags_or_money(
    world: dict[str, Customer], member: Callable[..., Membership], api_as: Callable[[Membership], APIClient]
) -> None:
    florist = api_as(member(Role.FLORIST))
    TagFactory(customer=world["seen"], name="VIP")
    # search and filters are not offered to florists (they would answer yes/no about e-mails and tags)
    assert florist.get(URL, {"search": "seen@example"}).json()["total"] == 1
    assert florist.get(URL, {"tag": "nothing"}).json()["total"] == 1
    assert_error(florist.get(URL, {"ordering": "-total_spent"}), 400, "invalid")
    assert florist.get(URL, {"ordering": "-name"}).status_code == 200
