"""``/api/orders/``: intake, edits, payments, comments, issues, roles and isolation."""

from __future__ import annotations

from decimal import Decimal

import pytest

from apps.customers.models import Customer
from apps.orders.models import Order, OrderEvent, OrderItem, OrderStatus, Payment
from apps.orders.services import order_transition
from apps.orders.tests.factories import make_customer, make_order, make_product, order_body
from apps.shops.models import DeliveryZone, MembershipStatus
from flowercrm.roles import Role
from flowercrm.testing import assert_error

pytestmark = pytest.mark.django_db


def counts() -> tuple[int, int, int, int]:
    return Order.objects.count(), OrderItem.objects.count(), Customer.objects.count(), OrderEvent.objects.count()


def test_create_prices_from_the_catalog_and_ignores_client_money(office, api_as, bouquet, shop) -> None:
    sale = make_product(shop, price="20000", sale_price="17000")
    body = order_body(
        bouquet,
        items=[
            {"product_id": bouquet.id, "quantity": 2, "unit_price": "1.00", "price": "1"},
            {"product_id": sale.id, "quantity": 1},
        ],
        subtotal="1.00",
        total="1.00",
    )
    response = api_as(office).post("/api/orders/", body, format="json")
    assert response.status_code == 201, response.json()
    data = response.json()
    assert data["subtotal"] == "47000.00"
    assert data["delivery_fee"] == "1500.00"
    assert data["total"] == "48500.00"
    assert [i["unit_price"] for i in data["items"]] == ["15000.00", "17000.00"]
    assert data["number"] == 1
    assert data["customer"] == {"id": data["customer"]["id"], "name": "Айгерим", "phone": "+77011234567"}
    assert data["recipient_phone"] == "+77017654321"
    assert data["delivery_time_from"] == "10:00"
    assert data["payment_status"] == "unpaid"
    assert data["allowed_transitions"] == ["confirmed", "cancelled"]
    assert [e["type"] for e in data["events"]] == ["created"]
    assert len(data["tracking_token"]) >= 32
    second = api_as(office).post("/api/orders/", order_body(bouquet), format="json")
    assert second.json()["number"] == 2


def test_create_finds_the_buyer_by_phone_and_only_fills_blanks(office, api_as, bouquet, shop) -> None:
    known = make_customer(shop, phone="+77011234567", name="Айгерим Известная")
    Customer.objects.filter(pk=known.pk).update(email="")
    body = order_body(bouquet, customer={"phone": "8 (701) 123-45-67", "name": "Другое имя", "email": "a@b.kz"})
    response = api_as(office).post("/api/orders/", body, format="json")
    assert response.status_code == 201
    known.refresh_from_db()
    assert response.json()["customer"]["id"] == known.id
    assert known.name == "Айгерим Известная" and known.email == "a@b.kz"


def test_delivery_fee_defaults(office, api_as, bouquet, shop) -> None:
    shop.default_delivery_fee = Decimal("2000")
    shop.save()
    zone = DeliveryZone.objects.create(shop=shop, name="Алатау", fee=Decimal("3500"))
    client = api_as(office)
    body = order_body(bouquet)
    del body["delivery_fee"]
    assert client.post("/api/orders/", body, format="json").json()["delivery_fee"] == "2000.00"
    assert (
        client.post("/api/orders/", {**body, "delivery_zone_id": zone.id}, format="json").json()["delivery_fee"]
        == "3500.00"
    )
    pickup = {**body, "delivery_method": "pickup", "delivery_address": ""}
    assert client.post("/api/orders/", pickup, format="json").json()["delivery_fee"] == "0.00"


@pytest.mark.parametrize(
    ("change", "field"),
    [
        ({"items": []}, "items"),
        ({"items": [{"product_id": 999999, "quantity": 1}]}, "items"),
        ({"items": [{"product_id": "abc", "quantity": 1}]}, "items"),
        ({"items": [{"quantity": 1}]}, "items"),
        ("QTY0", "items"),
        ("QTY_HUGE", "items"),
        ({"delivery_time_from": "12:00", "delivery_time_to": "10:00"}, "delivery_time_to"),
        ({"delivery_time_from": "12:00", "delivery_time_to": None}, "delivery_time_to"),
        ({"delivery_time_from": "25:00"}, "delivery_time_from"),
        ({"customer": {"phone": "12345", "name": "x"}}, "customer"),
        ({"customer": None}, "customer"),
        ("BOTH_CUSTOMERS", "customer"),
        ("NO_CUSTOMER", "customer"),
        ({"delivery_address": ""}, "delivery_address"),
        ({"delivery_date": "2026-13-01"}, "delivery_date"),
        ({"delivery_date": "1900-01-01"}, "delivery_date"),
        ({"delivery_method": "teleport"}, "delivery_method"),
        ({"delivery_fee": "-1"}, "delivery_fee"),
        ({"delivery_fee": "abc"}, "delivery_fee"),
        ({"discount": "999999"}, "discount"),
        ({"card_text": "x" * 1001}, "card_text"),
        ({"recipient_phone": "call me"}, "recipient_phone"),
        ({"delivery_zone_id": 10**20}, "delivery_zone_id"),
        ("OTHER_SHOP_PRODUCT", "items"),
        ("OTHER_SHOP_CUSTOMER", "customer_id"),
        ("INACTIVE_PRODUCT", "items"),
    ],
)
def test_bad_input_is_400_and_writes_nothing(change, field, office, api_as, bouquet, shop, other_shop) -> None:
    body = order_body(bouquet)
    if change == "QTY0":
        body["items"] = [{"product_id": bouquet.id, "quantity": 0}]
    elif change == "QTY_HUGE":
        body["items"] = [{"product_id": bouquet.id, "quantity": 100001}]
    elif change == "BOTH_CUSTOMERS":
        body["customer_id"] = make_customer(shop).id
    elif change == "NO_CUSTOMER":
        del body["customer"]
    elif change == "OTHER_SHOP_PRODUCT":
        body["items"] = [{"product_id": make_product(other_shop).id, "quantity": 1}]
    elif change == "OTHER_SHOP_CUSTOMER":
        del body["customer"]
        body["customer_id"] = make_customer(other_shop).id
    elif change == "INACTIVE_PRODUCT":
        inactive = make_product(shop)
        inactive.is_active = False
        inactive.save()
        body["items"] = [{"product_id": bouquet.id, "quantity": 1}, {"product_id": inactive.id, "quantity": 1}]
    else:
        body.update(change)
    before = counts()
    response = api_as(office).post("/api/orders/", body, format="json")
    errors = assert_error(response, 400, "invalid")["errors"]
    assert field in errors, errors
    assert counts() == before


def test_patch_edits_details_logs_before_after_and_refuses_status(office, api_as, bouquet, shop) -> None:
    order = make_order(shop, office.user, bouquet)
    client = api_as(office)
    response = client.patch(f"/api/orders/{order.id}/", {"card_text": "Люблю", "discount": "500"}, format="json")
    assert response.status_code == 200, response.json()
    assert response.json()["total"] == str(order.total - Decimal(500))
    edited = response.json()["events"][-1]
    assert edited["type"] == "edited"
    assert edited["data"]["after"]["card_text"] == "Люблю"
    assert edited["actor"] == {"id": office.user_id, "name": office.user.name}
    assert_error(client.patch(f"/api/orders/{order.id}/", {"status": "delivered"}, format="json"), 400, "invalid")
    order.refresh_from_db()
    assert order.status == OrderStatus.NEW


def test_patch_items_follows_the_reservation(office, api_as, bouquet, rose, shop) -> None:
    order = make_order(shop, office.user, bouquet)
    order_transition(order=order, to=OrderStatus.CONFIRMED, actor=office.user, role=Role.MANAGER)
    response = api_as(office).patch(
        f"/api/orders/{order.id}/", {"items": [{"product_id": bouquet.id, "quantity": 3}]}, format="json"
    )
    assert response.status_code == 200
    rose.refresh_from_db()
    assert rose.reserved == 15
    for to in (OrderStatus.IN_PRODUCTION,):
        order_transition(order=order, to=to, actor=office.user, role=Role.MANAGER)
    response = api_as(office).patch(
        f"/api/orders/{order.id}/", {"items": [{"product_id": bouquet.id, "quantity": 1}]}, format="json"
    )
    assert_error(response, 409, "conflict")


@pytest.mark.parametrize("items", [[{}], [{"quantity": 1}], [{"product_id": 1}]])
def test_patch_items_are_sent_whole(office, api_as, bouquet, shop, items) -> None:
    # Found by fuzzing: a PATCH is partial and DRF passes that on to nested items, so an item
    # without a product reached the service (a 500).
    order = make_order(shop, office.user, bouquet)
    before = counts()
    response = api_as(office).patch(f"/api/orders/{order.id}/", {"items": items}, format="json")
    errors = assert_error(response, 400, "invalid")["errors"]
    assert set(errors["items"][0]) <= {"product_id", "quantity"} and errors["items"][0], errors
    assert counts() == before


def test_assign_courier_must_be_an_eligible_member(office, api_as, member, bouquet, shop, other_shop) -> None:
    order = make_order(shop, office.user, bouquet)
    courier = member(Role.COURIER)
    florist = member(Role.FLORIST)
    foreign = member(Role.COURIER, shop=other_shop)
    # An invitation not yet accepted gives no right to act in the shop (§11.1).
    invited = member(Role.COURIER, is_active=False, status=MembershipStatus.INVITED)
    client = api_as(office)
    for bad in (florist.user_id, foreign.user_id, invited.user_id, 10**15):
        assert_error(client.patch(f"/api/orders/{order.id}/", {"courier_id": bad}, format="json"), 400, "invalid")
    response = client.patch(f"/api/orders/{order.id}/", {"courier_id": courier.user_id}, format="json")
    assert response.json()["courier"] == {"id": courier.user_id, "name": courier.user.name}
    assert response.json()["events"][-1]["type"] == "assigned"


def test_payments_and_payment_status(office, api_as, bouquet, shop) -> None:
    order = make_order(shop, office.user, bouquet)  # total 15000
    client = api_as(office)
    url = f"/api/orders/{order.id}/payments/"
    r = client.post(url, {"amount": "5000", "method": "kaspi"}, format="json")
    assert r.status_code == 201 and r.json()["payment_status"] == "partially_paid"
    assert r.json()["amount_due"] == "10000.00"
    assert_error(client.post(url, {"amount": "10000.01", "method": "cash"}, format="json"), 400, "invalid")
    assert_error(client.post(url, {"amount": "0", "method": "cash"}, format="json"), 400, "invalid")
    assert_error(client.post(url, {"amount": "10", "method": "bitcoin"}, format="json"), 400, "invalid")
    r = client.post(url, {"amount": 10000, "method": "cash"}, format="json")
    assert r.json()["payment_status"] == "paid"
    assert_error(client.post(url, {"amount": "-15000.01", "method": "cash"}, format="json"), 400, "invalid")
    r = client.post(url, {"amount": "-15000", "method": "cash"}, format="json")
    assert r.json()["payment_status"] == "refunded"
    assert [p["amount"] for p in r.json()["payments"]] == ["5000.00", "10000.00", "-15000.00"]
    assert Payment.objects.filter(order=order).count() == 3


def test_idempotency_key_replays_and_refuses_another_body(office, api_as, bouquet) -> None:
    client = api_as(office)
    body = order_body(bouquet)
    first = client.post("/api/orders/", body, format="json", HTTP_IDEMPOTENCY_KEY="abc-1")
    again = client.post("/api/orders/", body, format="json", HTTP_IDEMPOTENCY_KEY="abc-1")
    assert first.status_code == again.status_code == 201
    assert first.json() == again.json()
    assert Order.objects.count() == 1
    other = client.post("/api/orders/", {**body, "card_text": "другое"}, format="json", HTTP_IDEMPOTENCY_KEY="abc-1")
    assert_error(other, 422, "idempotency_mismatch")
    assert Order.objects.count() == 1


def test_comments_and_issues(office, api_as, member, bouquet, shop) -> None:
    order = make_order(shop, office.user, bouquet)
    courier = member(Role.COURIER)
    Order.objects.filter(pk=order.pk).update(courier=courier.user)
    r = api_as(courier).post(f"/api/orders/{order.id}/comments/", {"text": "Домофон не работает"}, format="json")
    assert r.status_code == 201 and r.json()["data"] == {"text": "Домофон не работает"}
    assert_error(api_as(courier).post(f"/api/orders/{order.id}/comments/", {"text": ""}, format="json"), 400, "invalid")
    r = api_as(courier).post(f"/api/orders/{order.id}/issue/", {"type": "quality", "comment": "x"}, format="json")
    assert_error(r, 403, "permission_denied")
    r = api_as(courier).post(
        f"/api/orders/{order.id}/issue/", {"type": "wrong_address", "comment": "нет дома"}, format="json"
    )
    assert r.status_code == 200 and r.json()["issue_type"] == "wrong_address"
    assert_error(api_as(courier).delete(f"/api/orders/{order.id}/issue/"), 403, "permission_denied")
    assert api_as(office).delete(f"/api/orders/{order.id}/issue/").json()["issue_type"] == ""


def test_another_shops_order_is_404_everywhere(office, api_as, other_shop, member) -> None:
    foreign_admin = member(Role.ADMIN, shop=other_shop)
    product = make_product(other_shop)
    foreign = make_order(other_shop, foreign_admin.user, product)
    client = api_as(office)
    for method, suffix, body in [
        ("get", "", None),
        ("patch", "", {"card_text": "x"}),
        ("post", "transition/", {"status": "confirmed"}),
        ("post", "payments/", {"amount": "1", "method": "cash"}),
        ("post", "comments/", {"text": "x"}),
        ("post", "issue/", {"type": "late"}),
    ]:
        response = getattr(client, method)(f"/api/orders/{foreign.id}/{suffix}", body, format="json")
        assert_error(response, 404, "not_found")
    assert client.get("/api/orders/").json()["total"] == 0
    foreign.refresh_from_db()
    assert (foreign.status, foreign.card_text) == (OrderStatus.NEW, "")


ENDPOINTS = [
    ("list", "get", "", None),
    ("create", "post", "CREATE", None),
    ("retrieve", "get", "", None),
    ("patch", "patch", "", {"card_text": "x"}),
    ("pay", "post", "payments/", {"amount": "100", "method": "cash"}),
    ("comment", "post", "comments/", {"text": "x"}),
]
EXPECTED = {
    # role: list, create, retrieve, patch, pay, comment
    Role.ADMIN: (200, 201, 200, 200, 201, 201),
    Role.MANAGER: (200, 201, 200, 200, 201, 201),
    Role.FLORIST: (200, 403, 200, 403, 403, 201),
    Role.COURIER: (200, 403, 200, 403, 403, 201),
}


@pytest.mark.parametrize("role", list(EXPECTED))
def test_role_matrix(role, member, api_as, bouquet, shop, office) -> None:
    caller = member(role)
    order = make_order(shop, office.user, bouquet)
    Order.objects.filter(pk=order.pk).update(status=OrderStatus.CONFIRMED, courier=caller.user)
    client = api_as(caller)
    got = []
    for name, method, suffix, body in ENDPOINTS:
        if suffix == "CREATE":
            response = client.post("/api/orders/", order_body(bouquet), format="json")
        elif name == "list":
            response = client.get("/api/orders/")
        else:
            response = getattr(client, method)(f"/api/orders/{order.id}/{suffix}", body, format="json")
        got.append(response.status_code)
    assert tuple(got) == EXPECTED[role]


def test_florist_sees_orders_from_confirmation_on_and_courier_only_their_own(
    member, api_as, bouquet, shop, office
) -> None:
    new = make_order(shop, office.user, bouquet)
    confirmed = make_order(shop, office.user, bouquet)
    Order.objects.filter(pk=confirmed.pk).update(status=OrderStatus.CONFIRMED)
    florist, courier = member(Role.FLORIST), member(Role.COURIER)
    assert [o["id"] for o in api_as(florist).get("/api/orders/").json()["items"]] == [confirmed.id]
    assert_error(api_as(florist).get(f"/api/orders/{new.id}/"), 404, "not_found")
    assert api_as(courier).get("/api/orders/").json()["total"] == 0
    assert_error(api_as(courier).get(f"/api/orders/{confirmed.id}/"), 404, "not_found")
    Order.objects.filter(pk=confirmed.pk).update(courier=courier.user, is_anonymous=True)
    body = api_as(courier).get(f"/api/orders/{confirmed.id}/").json()
    assert body["buyer"] is None
    assert "payments" not in body and "tracking_token" not in body and "customer" not in body
    assert body["amount_due"] == "15000.00"


def test_anonymous_is_401(api, bouquet) -> None:
    assert_error(api.get("/api/orders/"), 401, "not_authenticated")
    assert_error(api.post("/api/orders/", order_body(bouquet), format="json"), 401, "not_authenticated")


def test_search_and_filters(office, api_as, bouquet, shop) -> None:
    aigerim = make_customer(shop, phone="+77015550011", name="Айгерим Нурлановна")
    a = make_order(shop, office.user, bouquet, customer=aigerim)
    b = make_order(shop, office.user, bouquet, delivery_method="pickup", delivery_address="")
    Order.objects.filter(pk=b.pk).update(status=OrderStatus.CONFIRMED)
    client = api_as(office)

    def ids(query: str) -> list[int]:
        response = client.get(f"/api/orders/?{query}")
        assert response.status_code == 200, response.json()
        return sorted(o["id"] for o in response.json()["items"])

    assert ids("search=айгерим нурл") == [a.id]
    assert ids("search=8701555") == [a.id]
    assert ids("status=new,confirmed") == sorted([a.id, b.id])
    assert ids("status=confirmed") == [b.id]
    assert ids("delivery_method=pickup") == [b.id]
    assert ids(f"customer={aigerim.id}") == [a.id]
    assert ids("delivery_date_from=2026-12-02") == []
    assert ids("delivery_date_from=2026-12-01&delivery_date_to=2026-12-01") == sorted([a.id, b.id])
    for bad in ("status=lost", "ordering=secret", "florist=abc", "limit=0", "delivery_date_from=yesterday"):
        assert_error(client.get(f"/api/orders/?{bad}"), 400, "invalid")


@pytest.mark.parametrize("rows", [1, 25])
def test_list_and_detail_query_counts_do_not_grow(
    rows, office, api_as, bouquet, shop, member, django_assert_max_num_queries
) -> None:
    courier = member(Role.COURIER)
    orders = [make_order(shop, office.user, bouquet, quantity=2, courier=courier.user) for _ in range(rows)]
    client = api_as(office)
    for order in orders[:3]:
        client.post(f"/api/orders/{order.id}/comments/", {"text": "x"}, format="json")
        client.post(f"/api/orders/{order.id}/payments/", {"amount": "100", "method": "cash"}, format="json")
    with django_assert_max_num_queries(8):
        assert client.get("/api/orders/?limit=100").json()["total"] == rows
    with django_assert_max_num_queries(12):
        assert client.get(f"/api/orders/{orders[0].id}/").status_code == 200
    with django_assert_max_num_queries(8):
        assert api_as(courier).get("/api/orders/").json()["total"] == rows


def test_dates_in_filters_are_iso_only(office, api_as) -> None:
    assert api_as(office).get("/api/orders/?delivery_date_from=2026-03-10").status_code == 200
    assert_error(api_as(office).get("/api/orders/?delivery_date_from=10.03.2026"), 400, "invalid")


def test_order_search_follows_the_buyer_after_a_rename_and_a_merge(office, api_as, bouquet, shop) -> None:
    buyer = make_customer(shop, phone="+77015550022", name="Старое Имя")
    other = make_customer(shop, phone="+77015550033", name="Второй Номер")
    order = make_order(shop, office.user, bouquet, customer=buyer)
    moved = make_order(shop, office.user, bouquet, customer=other)
    client = api_as(office)
    assert client.patch(f"/api/customers/{buyer.id}/", {"name": "Жанна Новая"}, format="json").status_code == 200
    assert [o["id"] for o in client.get("/api/orders/?search=жанна").json()["items"]] == [order.id]
    merged = client.post("/api/customers/merge/", {"keep_id": buyer.id, "merge_id": other.id}, format="json")
    assert merged.status_code == 200, merged.json()
    found = sorted(o["id"] for o in client.get("/api/orders/?search=жанна").json()["items"])
    assert found == sorted([order.id, moved.id])


def test_courier_search_and_filters_never_reveal_an_anonymous_buyer(member, api_as, bouquet, shop, office) -> None:
    """A courier's search and ``customer`` filter must not work as an oracle on the buyer of an
    anonymous order (whom the courier never sees)."""
    courier = member(Role.COURIER)
    secret = make_customer(shop, phone="+77015559900", name="Тайный Даритель")
    known = make_customer(shop, phone="+77015558800", name="Открытый Покупатель")
    hidden = make_order(shop, office.user, bouquet, customer=secret, courier=courier.user, is_anonymous=True)
    shown = make_order(shop, office.user, bouquet, customer=known, courier=courier.user)
    client = api_as(courier)

    def ids(query: str) -> list[int]:
        response = client.get(f"/api/orders/?{query}")
        assert response.status_code == 200, response.json()
        return sorted(o["id"] for o in response.json()["items"])

    assert ids("search=тайный") == []
    assert ids("search=87015559900") == []
    assert ids("search=9900") == []
    assert ids(f"customer={secret.id}") == []
    # What the courier does see stays searchable: the recipient of both, the visible buyer.
    assert ids("search=дана") == sorted([hidden.id, shown.id])
    assert ids("search=7654321") == sorted([hidden.id, shown.id])
    assert ids("search=открытый") == [shown.id]
    assert ids("search=8800") == [shown.id]
    assert ids(f"customer={known.id}") == [shown.id]
    assert_error(client.get("/api/orders/?search=" + "x" * 101), 400, "invalid")
    # The office still finds the anonymous order by its buyer.
    assert [o["id"] for o in api_as(office).get("/api/orders/?search=тайный").json()["items"]] == [hidden.id]


def test_a_total_beyond_the_money_range_is_400_not_a_database_error(office, api_as, shop) -> None:
    """Amounts are stored as 12 digits with 2 decimals: a sum the column cannot hold is
    refused before anything is written (PostgreSQL answered it with a 500)."""
    dear = make_product(shop, price="9999999999.99")
    client = api_as(office)
    before = counts()
    body = order_body(dear, items=[{"product_id": dear.id, "quantity": 2}])
    assert "items" in assert_error(client.post("/api/orders/", body, format="json"), 400, "invalid")["errors"]
    body = order_body(dear, items=[{"product_id": dear.id, "quantity": 1}], delivery_fee="1500.00")
    assert "delivery_fee" in assert_error(client.post("/api/orders/", body, format="json"), 400, "invalid")["errors"]
    assert counts() == before
    order = make_order(shop, office.user, dear, delivery_fee=Decimal("0"))
    response = client.patch(f"/api/orders/{order.id}/", {"delivery_fee": "0.01"}, format="json")
    assert "delivery_fee" in assert_error(response, 400, "invalid")["errors"]
    response = client.patch(
        f"/api/orders/{order.id}/", {"items": [{"product_id": dear.id, "quantity": 3}]}, format="json"
    )
    assert "items" in assert_error(response, 400, "invalid")["errors"]
    order.refresh_from_db()
    assert order.total == Decimal("9999999999.99") and order.items.get().quantity == 1
