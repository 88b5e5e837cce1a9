"""The admin site (ARCHITECTURE §11.2): the header names the user's shop, ``/`` opens the
admin, the language switch, and the index as the day's dashboard — its figures match the data,
link to the filtered lists (the lists' query parameters are a contract), stay within the
user's shops and cost a fixed number of queries."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Any

import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from apps.accounts.models import User
from apps.accounts.tests.factories import PASSWORD, UserFactory
from apps.customers.models import DateReminder
from apps.customers.reminders import date_reminders_pending
from apps.customers.selectors import important_dates_pending
from apps.customers.tests.factories import CustomerFactory, ImportantDateFactory
from apps.orders.models import Order, OrderStatus
from apps.orders.services import order_transition, payment_record
from apps.orders.tests.factories import make_order
from apps.shops import services as shop_services
from apps.shops.models import Membership, Shop
from apps.shops.tests.factories import ShopFactory
from apps.warehouse.tests.factories import StockItemFactory
from flowercrm.roles import Role

pytestmark = pytest.mark.django_db

ORDERS = "/admin/orders/order/"
TASKS = "/admin/production/productiontask/"
STOCK = "/admin/warehouse/stockitem/"


def staff(shop: Shop, role: str, phone: str) -> Membership:
    """A member added the way the API adds one (``is_staff`` follows the role)."""
    return shop_services.staff_add(
        shop=shop, phone=phone, name=f"{role} {shop.name}", role=role, password=PASSWORD
    ).membership


def browser(user: User, language: str | None = None) -> Client:
    client = Client(**({"HTTP_ACCEPT_LANGUAGE": language} if language else {}))
    client.force_login(user)
    return client


def user_of(membership: Membership) -> User:
    return User.objects.get(pk=membership.user_id)


def today(shop: Shop) -> dt.date:
    return timezone.localdate(timezone=shop.zoneinfo)


def panels(response: Any) -> dict[str, dict[str, str]]:
    """``{panel key: {figure url: figure value}}`` of the dashboard the index rendered."""
    assert response.status_code == 200, response.status_code
    return {
        panel.key: {figure.url: figure.value.replace("\xa0", " ") for figure in panel.figures}
        for panel in response.context["dashboard"]
    }


def header(response: Any) -> str:
    return str(response.context["site_header"])


# --- header, root, language ------------------------------------------------------------------


def test_header_names_the_managers_shop(shop_a: Shop) -> None:
    manager = staff(shop_a, Role.MANAGER, "+77010000102")
    response = browser(user_of(manager)).get("/admin/")
    assert header(response) == "FlowerCRM · Магазин А"
    assert "FlowerCRM · Магазин А</a>" in response.content.decode()


def test_header_names_two_shops_and_counts_more(shop_a: Shop, shop_b: Shop) -> None:
    user = user_of(staff(shop_a, Role.ADMIN, "+77010000101"))
    Membership.objects.create(user=user, shop=shop_b, role=Role.MANAGER)
    assert header(browser(user).get("/admin/")) == "FlowerCRM · Магазин А, Магазин Б"
    Membership.objects.create(user=user, shop=ShopFactory(name="Магазин В"), role=Role.MANAGER)
    # Neither a florist's membership nor a switched-off one is a back office: they do not count.
    Membership.objects.create(user=user, shop=ShopFactory(name="Магазин Г"), role=Role.FLORIST)
    Membership.objects.create(user=user, shop=ShopFactory(name="Магазин Д"), role=Role.ADMIN, is_active=False)
    client = browser(user)
    assert header(client.get("/admin/")) == "FlowerCRM · магазинов: 3"
    client.post("/i18n/setlang/", {"language": "en", "next": "/admin/"})
    assert header(client.get("/admin/")) == "FlowerCRM · shops: 3"


def test_header_of_a_superuser_is_the_product(shop_a: Shop) -> None:
    root = User.objects.create_superuser(phone="+77010000999", password=PASSWORD)
    Membership.objects.create(user=root, shop=shop_a, role=Role.MANAGER)
    assert header(browser(root).get("/admin/")) == "FlowerCRM"


def test_login_page_has_the_plain_header_and_the_switch() -> None:
    response = Client().get("/admin/login/")
    assert response.status_code == 200
    assert header(response) == "FlowerCRM"
    body = response.content.decode()
    assert 'action="/i18n/setlang/"' in body and 'value="en"' in body and "English" in body and "Русский" in body


def test_login_takes_a_phone_as_people_type_it(shop_a: Shop) -> None:
    user = user_of(staff(shop_a, Role.MANAGER, "+77010000304"))
    page = Client().get("/admin/login/").content.decode()
    assert 'maxlength="32"' in page
    response = Client().post("/admin/login/?next=/admin/", {"username": "+7 (701) 000-03-04", "password": PASSWORD})
    assert response.status_code == 302 and response["Location"] == "/admin/"
    assert Client().post("/admin/login/", {"username": "+7 (701) 000-03-04", "password": "wrong"}).status_code == 200
    assert user.is_staff


def test_root_redirects_to_the_admin() -> None:
    response = Client().get("/")
    assert response.status_code == 302
    assert response["Location"] == "/admin/"
    assert Client().get("/", follow=True).redirect_chain[-1] == ("/admin/login/?next=/admin/", 302)


def test_language_switch_changes_the_admin_and_back(shop_a: Shop) -> None:
    client = browser(user_of(staff(shop_a, Role.MANAGER, "+77010000102")))
    page = f"{ORDERS}?delivery=today"
    russian = client.get("/admin/").content.decode()
    assert "Выйти" in russian and "Заказы на сегодня по статусам" in russian
    assert 'lang="ru"' in russian

    switched = client.post("/i18n/setlang/", {"language": "en", "next": page})
    assert switched.status_code == 302
    assert switched["Location"] == page  # the user stays on the page they were on
    english = client.get("/admin/").content.decode()
    assert "Log out" in english and "Today&#x27;s orders by status" in english and "Выйти" not in english
    assert 'lang="en"' in english

    client.post("/i18n/setlang/", {"language": "ru", "next": "/admin/"})
    assert "Выйти" in client.get("/admin/").content.decode()


def test_language_switch_refuses_a_foreign_next(shop_a: Shop) -> None:
    client = browser(user_of(staff(shop_a, Role.MANAGER, "+77010000102")))
    response = client.post("/i18n/setlang/", {"language": "en", "next": "https://evil.example/"})
    assert response.status_code == 302
    assert "evil" not in response["Location"]


# --- who gets in -------------------------------------------------------------------------------


@pytest.mark.parametrize("role", [Role.FLORIST, Role.COURIER])
def test_florists_and_couriers_cannot_open_the_admin(shop_a: Shop, role: str) -> None:
    member = staff(shop_a, role, "+77010000103")
    response = browser(user_of(member)).get("/admin/")
    assert response.status_code == 302
    assert response["Location"].startswith("/admin/login/")


def test_anonymous_is_sent_to_login() -> None:
    response = Client().get("/admin/")
    assert response.status_code == 302 and response["Location"].startswith("/admin/login/")


def test_staff_without_a_back_office_sees_no_dashboard(shop_a: Shop) -> None:
    user = UserFactory(is_staff=True)
    response = browser(user).get("/admin/")
    assert response.status_code == 200
    assert response.context["dashboard"] == []
    assert header(response) == "FlowerCRM"


# --- the dashboard ------------------------------------------------------------------------------


def fill_shop(shop: Shop, manager: User, *, tag: str) -> dict[str, Any]:
    """A day of ``shop``: orders today in several statuses (one partly paid, one cancelled),
    deliveries tomorrow, an open task queue, low stock and date reminders."""
    day = today(shop)
    tomorrow = day + dt.timedelta(days=1)

    def order(total: str, delivery_date: dt.date = day) -> Order:
        return make_order(shop, manager, total=total, delivery_date=delivery_date)

    new = [order("10000.00"), order("2000.00")]
    confirmed = order("7000.00")
    order_transition(order=confirmed, to=OrderStatus.CONFIRMED, actor=manager, role=Role.MANAGER)
    started = order("5000.00")
    order_transition(order=started, to=OrderStatus.CONFIRMED, actor=manager, role=Role.MANAGER)
    order_transition(order=started, to=OrderStatus.IN_PRODUCTION, actor=manager, role=Role.MANAGER)
    cancelled = order("3000.00")
    order_transition(order=cancelled, to=OrderStatus.CANCELLED, actor=manager, role=Role.MANAGER, reason="передумали")
    payment_record(order=new[0], actor=manager, amount=Decimal("4000"), method="kaspi")
    payment_record(order=new[1], actor=manager, amount=Decimal("2000"), method="cash")
    order("1500.00", tomorrow)
    order("1500.00", tomorrow)
    order("1500.00", tomorrow)
    order("900.00", day - dt.timedelta(days=1))  # yesterday: owing, but not today's

    low = StockItemFactory(shop=shop, name=f"Эвкалипт {tag}", min_quantity=20, stock=5)
    StockItemFactory(shop=shop, name=f"Роза {tag}", min_quantity=5, stock=50)
    customer = CustomerFactory(shop=shop, name=f"Айгерим {tag}")
    soon = day + dt.timedelta(days=2)
    due = ImportantDateFactory(customer=customer, day=soon.day, month=soon.month, title="День рождения")
    ImportantDateFactory(customer=customer, day=soon.day, month=soon.month, title="Годовщина", remind_days_before=1)
    reminded = ImportantDateFactory(customer=customer, day=day.day, month=day.month, title="Уже напомнили")
    DateReminder.objects.create(important_date=reminded, occurrence=day)
    return {"low": low, "customer": customer, "due": due}


@pytest.fixture
def manager_a(shop_a: Shop, shop_b: Shop) -> User:
    manager = user_of(staff(shop_a, Role.MANAGER, "+77010000102"))
    other = user_of(staff(shop_b, Role.MANAGER, "+77010000202"))
    fill_shop(shop_b, other, tag="Б")
    # Shop B has more of everything than A, so a leak shows in every number.
    make_order(shop_b, other, total="99999.00", delivery_date=today(shop_b))
    return manager


def test_dashboard_numbers_match_the_data_and_link_to_the_lists(manager_a: User, shop_a: Shop) -> None:
    data = fill_shop(shop_a, manager_a, tag="А")
    response = browser(manager_a).get("/admin/")
    got = panels(response)
    assert got["orders-today"] == {
        f"{ORDERS}?delivery=today&status__exact=new": "2",
        f"{ORDERS}?delivery=today&status__exact=confirmed": "1",
        f"{ORDERS}?delivery=today&status__exact=in_production": "1",
        f"{ORDERS}?delivery=today&status__exact=cancelled": "1",
    }
    assert got["deliveries"] == {f"{ORDERS}?delivery=today": "5", f"{ORDERS}?delivery=tomorrow": "3"}
    # Owing: 6 000 + 0 + 7 000 + 5 000 today, 4 500 tomorrow, 900 yesterday; not the cancelled one.
    assert got["owing"] == {f"{ORDERS}?payment=owing": "23 400 KZT"}
    assert got["production"] == {
        f"{TASKS}?status__exact=pending": "1",
        f"{TASKS}?status__exact=in_progress": "1",
    }
    assert got["low-stock"] == {f"{STOCK}?low=yes": "1", f"{STOCK}{data['low'].pk}/change/": "5 из 20"}
    assert got["reminders"] == {f"/admin/customers/customer/{data['customer'].pk}/change/": ""}
    body = response.content.decode()
    assert "День рождения" in body and "Годовщина" not in body and "Уже напомнили" not in body
    assert f'href="{ORDERS}?delivery=today&amp;status__exact=new"' in body
    # The app list stays on the index.
    assert 'class="app-orders module' in body


def test_a_manager_of_shop_a_never_sees_shop_b(manager_a: User, shop_a: Shop, shop_b: Shop) -> None:
    response = browser(manager_a).get("/admin/")
    got = panels(response)
    assert got["orders-today"] == {}
    assert got["deliveries"] == {f"{ORDERS}?delivery=today": "0", f"{ORDERS}?delivery=tomorrow": "0"}
    assert got["owing"] == {}
    assert set(got["production"].values()) == {"0"}
    assert got["low-stock"] == {} and got["reminders"] == {}
    body = response.content.decode()
    assert "Эвкалипт Б" not in body and "Айгерим Б" not in body and "Магазин Б" not in body
    assert "Всё оплачено." in body


def test_a_superuser_sees_every_shop(manager_a: User, shop_a: Shop, shop_b: Shop) -> None:
    fill_shop(shop_a, manager_a, tag="А")
    root = User.objects.create_superuser(phone="+77010000999", password=PASSWORD)
    got = panels(browser(root).get("/admin/"))
    assert got["deliveries"] == {f"{ORDERS}?delivery=today": "11", f"{ORDERS}?delivery=tomorrow": "6"}
    assert got["low-stock"][f"{STOCK}?low=yes"] == "2"


def test_days_are_the_shops_local_days(shop_a: Shop, monkeypatch: pytest.MonkeyPatch) -> None:
    """At 12:00 UTC it is 17:00 on the 30th in Almaty and already the 1st on Kiritimati
    (UTC+14): each shop's "today" is its own."""
    monkeypatch.setattr(timezone, "now", lambda: dt.datetime(2026, 11, 30, 12, 0, tzinfo=dt.UTC))
    manager = user_of(staff(shop_a, Role.MANAGER, "+77010000102"))
    far = ShopFactory(name="Магазин Л", time_zone="Pacific/Kiritimati")
    Membership.objects.create(user=manager, shop=far, role=Role.MANAGER)
    assert (today(shop_a), today(far)) == (dt.date(2026, 11, 30), dt.date(2026, 12, 1))
    make_order(shop_a, manager, total="100.00", delivery_date=dt.date(2026, 11, 30))
    make_order(far, manager, total="100.00", delivery_date=dt.date(2026, 12, 1))
    make_order(far, manager, total="100.00", delivery_date=dt.date(2026, 11, 30))  # yesterday there
    got = panels(browser(manager).get("/admin/"))
    assert got["deliveries"] == {f"{ORDERS}?delivery=today": "2", f"{ORDERS}?delivery=tomorrow": "0"}


def test_the_dashboard_costs_a_fixed_number_of_queries(manager_a: User, shop_a: Shop, shop_b: Shop) -> None:
    root = User.objects.create_superuser(phone="+77010000999", password=PASSWORD)
    client = browser(root)
    client.get("/admin/")  # warm caches (content types)
    with CaptureQueriesContext(connection) as small:
        assert client.get("/admin/").status_code == 200
    fill_shop(shop_a, manager_a, tag="А")
    for n in range(3):
        extra = ShopFactory(name=f"Ещё {n}", time_zone="Europe/Moscow" if n % 2 else "Asia/Almaty")
        fill_shop(extra, manager_a, tag=str(n))
    with CaptureQueriesContext(connection) as large:
        assert client.get("/admin/").status_code == 200
    assert len(large.captured_queries) == len(small.captured_queries), [q["sql"] for q in large.captured_queries]
    # The panels' 14 at most, and the reports' charts under them: one call of each report
    # selector for one shop (apps/reports/tests/test_admin_charts.py pins that part).
    assert len(small.captured_queries) <= 14 + 10


def test_pending_dates_agree_with_the_reminder_command(shop_a: Shop, shop_b: Shop) -> None:
    manager = user_of(staff(shop_a, Role.MANAGER, "+77010000102"))
    fill_shop(shop_a, manager, tag="А")
    fill_shop(shop_b, manager, tag="Б")
    for shop in (shop_a, shop_b):
        expected = [(u.important_date.pk, u.date) for u in date_reminders_pending(shop=shop)]
        assert expected
        assert [(u.important_date.pk, u.date) for u in important_dates_pending(shops=[shop])] == expected
    assert len(important_dates_pending(shops=[shop_a, shop_b])) == 2
