"""The dispatcher's order list in the admin: columns, filters (the names the dashboard links
with), search in any phone format and any case, shop isolation, roles and query counts."""

from __future__ import annotations

import datetime as dt
import re
from decimal import Decimal

import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from apps.orders import services
from apps.orders.models import Order, OrderStatus, PaymentMethod, PaymentStatus
from apps.orders.tests.factories import make_customer, make_order, make_product
from apps.shops.models import Membership, Shop
from apps.shops.tests.factories import ShopFactory
from flowercrm.roles import Role

pytestmark = pytest.mark.django_db

URL = "/admin/orders/order/"


def staff_client(membership: Membership) -> Client:
    membership.user.is_staff = True  # what user_sync_staff sets for admins and managers
    membership.user.save()
    client = Client()
    client.force_login(membership.user)
    return client


def today_of(shop: Shop) -> dt.date:
    return timezone.now().astimezone(shop.zoneinfo).date()


def listed(response) -> set[int]:
    """The ids of the orders on a changelist page."""
    assert response.status_code == 200, response.status_code
    return {order.pk for order in response.context["cl"].result_list}


def assign(order: Order, *, florist=None, courier=None) -> Order:
    """Test data: the florist and the courier written directly (their service is the desk's)."""
    Order.objects.filter(pk=order.pk).update(florist=florist, courier=courier)
    order.refresh_from_db()
    return order


def shown(response) -> list[str]:
    return [str(m) for m in response.context["messages"]]


@pytest.fixture
def manager(member) -> Membership:
    return member(Role.MANAGER)


@pytest.fixture
def client(manager) -> Client:
    return staff_client(manager)


def test_columns_show_what_a_dispatcher_reads(client, shop, manager, member) -> None:
    florist = member(Role.FLORIST, user__name="Айгерим Флористова")
    courier = member(Role.COURIER, user__name="Ерлан Курьеров")
    address = "ул. Абая 150, кв. 12, подъезд со стороны двора, код домофона 1234"
    order = make_order(
        shop,
        manager.user,
        make_product(shop, price="15000"),
        delivery_date=dt.date(2026, 12, 12),
        delivery_address=address,
    )
    assign(order, florist=florist.user, courier=courier.user)
    pickup = make_order(
        shop, manager.user, make_product(shop), delivery_method="pickup", delivery_time_from=None, delivery_time_to=None
    )
    page = client.get(URL).content.decode()
    assert "12.12 · 10:00–12:00" in re.sub(r"<[^>]+>", "", page)
    assert "Дана" in page and "+77017654321" in page  # the recipient's name and phone
    assert address[:30] in page and f">{address}<" not in page  # shortened, the whole in a tooltip
    assert f'title="{address}"' in page
    assert "Айгерим Флористова" in page and "Ерлан Курьеров" in page
    assert str(OrderStatus.NEW.label) in page and "background:#1f6feb" in page  # a coloured badge
    assert str(PaymentStatus.UNPAID.label) in page
    assert f"/admin/orders/order/{order.pk}/change/" in page
    assert f"/admin/orders/order/{pickup.pk}/change/" in page
    # No long unbreakable cell: the badges and the date stay short, the address is cut.
    assert len(max(re.findall(r"[^\s<>]+", page.split('id="result_list"')[1]), key=len)) < 200


def test_delivery_filters_today_tomorrow_week_and_range(client, shop, manager) -> None:
    today = today_of(shop)
    days = {
        name: today + dt.timedelta(days=shift)
        for name, shift in (("yesterday", -1), ("today", 0), ("tomorrow", 1), ("later", 8))
    }
    orders = {name: make_order(shop, manager.user, delivery_date=day) for name, day in days.items()}
    assert listed(client.get(URL, {"delivery": "today"})) == {orders["today"].pk}
    assert listed(client.get(URL, {"delivery": "tomorrow"})) == {orders["tomorrow"].pk}
    monday = today - dt.timedelta(days=today.weekday())
    this_week = {o.pk for name, o in orders.items() if monday <= days[name] <= monday + dt.timedelta(days=6)}
    assert listed(client.get(URL, {"delivery": "week"})) == this_week
    assert orders["today"].pk in this_week
    in_range = client.get(URL, {"delivery_from": days["today"].isoformat(), "delivery_to": days["later"].isoformat()})
    assert listed(in_range) == {orders["today"].pk, orders["tomorrow"].pk, orders["later"].pk}
    assert listed(client.get(URL, {"delivery_to": days["yesterday"].isoformat()})) == {orders["yesterday"].pk}
    page = in_range.content.decode()
    assert 'type="date"' in page and f'value="{days["later"].isoformat()}"' in page


def test_bad_filter_values_are_ignored_with_a_message_never_a_500(client, shop, manager) -> None:
    order = make_order(shop, manager.user)
    response = client.get(URL, {"delivery_from": "2026-13-45", "delivery": "yesterday"})
    assert listed(response) == {order.pk}
    assert len([m for m in shown(response) if "2026-13-45" in m or "yesterday" in m]) == 2
    for query in (
        {"delivery_to": "99999-01-01"},
        {"florist__id__exact": "abc"},
        {"payment": "??"},
        {"status__exact": "nonsense"},
        {"courier__id__exact": "9" * 30},
    ):
        assert client.get(URL, query).status_code in (200, 302), query


def test_today_is_each_shops_own_day(db) -> None:
    # 25 hours apart: at any moment these two shops live on different dates.
    east = ShopFactory(name="Восток", time_zone="Pacific/Kiritimati")
    west = ShopFactory(name="Запад", time_zone="Pacific/Pago_Pago")
    assert today_of(east) != today_of(west)
    east_today = make_order(east, None, delivery_date=today_of(east))
    west_today = make_order(west, None, delivery_date=today_of(west))
    east_on_west_day = make_order(east, None, delivery_date=today_of(west))
    root = Client()
    from apps.accounts.tests.factories import UserFactory

    superuser = UserFactory(is_staff=True, is_superuser=True)
    root.force_login(superuser)
    assert listed(root.get(URL, {"delivery": "today"})) == {east_today.pk, west_today.pk}
    assert east_on_west_day.pk in listed(root.get(URL))


def test_status_florist_and_courier_filters(client, shop, manager, member) -> None:
    florist, courier = member(Role.FLORIST), member(Role.COURIER)
    plain = make_order(shop, manager.user)
    assigned = assign(make_order(shop, manager.user), florist=florist.user, courier=courier.user)
    Order.objects.filter(pk=assigned.pk).update(status=OrderStatus.CONFIRMED)
    assert listed(client.get(URL, {"status__exact": "confirmed"})) == {assigned.pk}
    assert listed(client.get(URL, {"florist__id__exact": florist.user.pk})) == {assigned.pk}
    assert listed(client.get(URL, {"courier__id__exact": courier.user.pk})) == {assigned.pk}
    assert listed(client.get(URL, {"courier__isnull": "True"})) == {plain.pk}
    # Managers and admins are eligible too (in a small shop the owner does everything).
    filters = {spec.title: spec for spec in client.get(URL).context["cl"].filter_specs}
    florists = {pk for pk, _ in filters[Order._meta.get_field("florist").verbose_name].lookup_choices}
    couriers = {pk for pk, _ in filters[Order._meta.get_field("courier").verbose_name].lookup_choices}
    assert florists == {florist.user.pk, manager.user.pk}
    assert couriers == {courier.user.pk, manager.user.pk}


def test_payment_filter(client, shop, manager) -> None:
    def order(*amounts: str, status: str | None = None) -> Order:
        made = make_order(shop, manager.user, total=Decimal("10000"), status=status)
        for amount in amounts:
            services.payment_record(order=made, actor=manager.user, amount=Decimal(amount), method=PaymentMethod.CASH)
        return made

    unpaid, partial, paid = order(), order("4000"), order("10000")
    refunded = order("10000", "-10000")
    cancelled_unpaid = order(status=OrderStatus.CANCELLED)
    assert listed(client.get(URL, {"payment": "unpaid"})) == {unpaid.pk, cancelled_unpaid.pk}
    assert listed(client.get(URL, {"payment": "partial"})) == {partial.pk}
    assert listed(client.get(URL, {"payment": "paid"})) == {paid.pk}
    assert listed(client.get(URL, {"payment": "refunded"})) == {refunded.pk}
    assert listed(client.get(URL, {"payment": "owing"})) == {unpaid.pk, partial.pk}


def test_filters_combine_with_search_and_each_other(client, shop, manager, member) -> None:
    courier = member(Role.COURIER)
    tomorrow = today_of(shop) + dt.timedelta(days=1)
    mine = assign(make_order(shop, manager.user, delivery_date=tomorrow), courier=courier.user)
    make_order(shop, manager.user, delivery_date=tomorrow)
    assign(make_order(shop, manager.user, delivery_date=tomorrow + dt.timedelta(days=9)), courier=courier.user)
    query = {"delivery": "tomorrow", "courier__id__exact": courier.user.pk}
    assert listed(client.get(URL, query)) == {mine.pk}
    # The range form keeps the other filters of the page.
    page = client.get(URL, query).content.decode()
    assert f'name="courier__id__exact" value="{courier.user.pk}"' in page


@pytest.mark.parametrize(
    "term",
    [
        "87011234567",
        "+7 (701) 123-45-67",
        "8 701 123 45 67",
        "7011234567",
        "701123",
        "айгерим",
        "АЙГЕРИМ",
        "дана сейтова",
        "77017654321",
        "8 (701) 765",
    ],
)
def test_search_by_any_phone_format_and_any_case(client, shop, manager, term) -> None:
    buyer = make_customer(shop, phone="+77011234567", name="Айгерим Ахметова")
    found = make_order(shop, manager.user, customer=buyer, recipient_name="Дана Сейтова")
    other = make_order(
        shop,
        manager.user,
        customer=make_customer(shop, phone="+77770000000", name="Борис"),
        recipient_name="Пётр",
        recipient_phone="+77770000001",
    )
    result = listed(client.get(URL, {"q": term}))
    assert found.pk in result and other.pk not in result, (connection.vendor, term)


def test_search_by_number(client, shop, manager) -> None:
    orders = [make_order(shop, manager.user) for _ in range(3)]
    assert orders[1].pk in listed(client.get(URL, {"q": str(orders[1].number)}))


def test_a_manager_of_one_shop_never_sees_another(client, shop, other_shop, manager, member) -> None:
    theirs_florist = member(Role.FLORIST, shop=other_shop, user__name="Чужая Флористка")
    theirs_courier = member(Role.COURIER, shop=other_shop, user__name="Чужой Курьер")
    boss = member(Role.ADMIN, shop=other_shop)
    theirs = make_order(
        other_shop, boss.user, customer=make_customer(other_shop, phone="+77015550000", name="Чужой Покупатель")
    )
    assign(theirs, florist=theirs_florist.user, courier=theirs_courier.user)
    mine = make_order(shop, manager.user)
    page = client.get(URL)
    assert listed(page) == {mine.pk}
    text = page.content.decode()
    assert "Чужая Флористка" not in text and "Чужой Курьер" not in text and boss.user.name not in text
    assert listed(client.get(URL, {"florist__id__exact": theirs_florist.user.pk})) == set()
    assert listed(client.get(URL, {"q": "+77015550000"})) == set()
    assert listed(client.get(URL, {"delivery_from": "2000-01-01"})) == {mine.pk}
    assert client.get(f"{URL}{theirs.pk}/change/").status_code == 302  # "does not exist"
    # The autocompletes of the order form: buyers and products of the user's shops only.
    own_buyer = mine.customer
    for term in ("Чужой", "+77015550000", ""):
        found = client.get(
            "/admin/autocomplete/",
            {"app_label": "orders", "model_name": "order", "field_name": "customer", "term": term},
        )
        assert found.status_code == 200
        ids = {int(row["id"]) for row in found.json()["results"]}
        assert theirs.customer_id not in ids
    assert own_buyer.pk in {
        int(r["id"])
        for r in client.get(
            "/admin/autocomplete/",
            {"app_label": "orders", "model_name": "order", "field_name": "customer", "term": own_buyer.name.lower()},
        ).json()["results"]
    }
    their_product = theirs.items.get().product
    for url in ("/admin/autocomplete/", f"{URL}product-autocomplete/"):
        found = client.get(
            url,
            {
                "app_label": "orders",
                "model_name": "orderitem",
                "field_name": "product",
                "term": their_product.name,
                "shop": other_shop.pk,
            },
        )
        assert found.status_code == 200
        assert str(their_product.pk) not in {row["id"] for row in found.json()["results"]}


@pytest.mark.parametrize("role", [Role.FLORIST, Role.COURIER])
def test_florists_and_couriers_cannot_enter(member, shop, role) -> None:
    order = make_order(shop)
    worker = staff_client(member(role))  # even with is_staff set by mistake
    for url in (URL, f"{URL}add/", f"{URL}{order.pk}/change/", f"{URL}product-autocomplete/?term=a"):
        assert worker.get(url).status_code in (302, 403), url
    autocomplete = worker.get(
        "/admin/autocomplete/", {"app_label": "orders", "model_name": "order", "field_name": "customer", "term": ""}
    )
    assert autocomplete.status_code == 403


@pytest.mark.parametrize("role", [Role.ADMIN, Role.MANAGER])
def test_admins_and_managers_enter(member, shop, role) -> None:
    person = member(role)
    order = make_order(shop, person.user)
    client = staff_client(person)
    assert listed(client.get(URL)) == {order.pk}
    assert client.get(f"{URL}add/").status_code == 200


def _queries(client: Client, query: dict[str, str]) -> int:
    with CaptureQueriesContext(connection) as captured:
        assert client.get(URL, query).status_code == 200
    return len(captured)


@pytest.mark.parametrize("query", [{}, {"delivery": "today", "payment": "owing"}, {"q": "8701"}])
def test_a_constant_number_of_queries_per_page(client, shop, manager, member, query) -> None:
    florist, courier = member(Role.FLORIST), member(Role.COURIER)
    today = today_of(shop)

    def add(count: int) -> None:
        for _ in range(count):
            order = make_order(shop, manager.user, delivery_date=today, customer=make_customer(shop))
            assign(order, florist=florist.user, courier=courier.user)

    add(5)
    few = _queries(client, query)
    add(25)
    assert _queries(client, query) == few
    assert few <= 12, few
