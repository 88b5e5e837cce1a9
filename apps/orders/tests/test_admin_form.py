"""Taking and editing an order in the admin: through the API's serializers and the services,
prices from the catalog, refusals on the form in words with nothing written."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Any

import pytest
from django.test import Client
from django.utils import timezone

from apps.customers.models import Customer
from apps.orders.models import EventType, Order, OrderEvent, OrderItem, OrderStatus
from apps.orders.tests.factories import make_customer, make_order, make_product
from apps.orders.tests.test_admin_list import staff_client
from apps.shops.models import DeliveryZone, Membership
from flowercrm.roles import Role

pytestmark = pytest.mark.django_db

ADD = "/admin/orders/order/add/"


def change_url(order: Order) -> str:
    return f"/admin/orders/order/{order.pk}/change/"


@pytest.fixture
def manager(member) -> Membership:
    return member(Role.MANAGER)


@pytest.fixture
def client(manager) -> Client:
    return staff_client(manager)


def body(items: list[tuple[Any, Any]], **fields: Any) -> dict[str, Any]:
    """An add form's POST: the details, and ``items`` as (product id, quantity) rows."""
    data: dict[str, Any] = {
        "customer": "",
        "new_customer_phone": "8 (701) 555-44-33",
        "new_customer_name": "Мария",
        "recipient_name": "Дана",
        "recipient_phone": "+7 701 765 43 21",
        "delivery_method": "delivery",
        "delivery_zone": "",
        "delivery_address": "ул. Абая 10, кв 5",
        "delivery_entrance": "",
        "delivery_floor": "",
        "delivery_intercom": "",
        "delivery_date": (timezone.localdate() + dt.timedelta(days=3)).isoformat(),
        "delivery_time_from": "10:00",
        "delivery_time_to": "12:00",
        "card_text": "С днём рождения!",
        "comment": "",
        "source": "phone",
        "delivery_fee": "",
        "discount": "",
        "items-TOTAL_FORMS": str(len(items)),
        "items-INITIAL_FORMS": "0",
        "items-MIN_NUM_FORMS": "0",
        "items-MAX_NUM_FORMS": "1000",
    }
    for index, (product, quantity) in enumerate(items):
        data[f"items-{index}-product"] = str(product)
        data[f"items-{index}-quantity"] = str(quantity)
    data.update(fields)
    return data


def errors_of(response) -> list[str]:
    """Every error the re-shown add/change form carries (fields, the form, the item rows)."""
    assert response.status_code == 200, response.status_code
    form = response.context["adminform"].form
    found = [str(e) for errors in form.errors.values() for e in errors]
    for formset in response.context["inline_admin_formsets"]:
        found += [str(e) for row in formset.formset.errors for errors in row.values() for e in errors]
    return found


def test_add_for_a_new_buyer_with_two_items(client, shop, manager) -> None:
    shop.default_delivery_fee = Decimal("1500.00")
    shop.save()
    bouquet = make_product(shop, price="15000", sale_price="12000")
    box = make_product(shop, price="8000")
    response = client.post(ADD, body([(bouquet.pk, 2), (box.pk, 1)], total="1", subtotal="1"))
    assert response.status_code == 302, errors_of(response)
    order = Order.objects.get()
    assert response["Location"] == change_url(order)  # the prices are shown after the save
    assert order.customer.phone == "+77015554433" and order.customer.name == "Мария"
    assert order.recipient_phone == "+77017654321"
    assert [(i.product_id, i.quantity, i.unit_price, i.line_total) for i in order.items.order_by("id")] == [
        (bouquet.pk, 2, Decimal("12000.00"), Decimal("24000.00")),
        (box.pk, 1, Decimal("8000.00"), Decimal("8000.00")),
    ]
    assert (order.subtotal, order.delivery_fee, order.total) == (Decimal("32000"), Decimal("1500"), Decimal("33500"))
    assert order.status == OrderStatus.NEW and order.source == "phone" and order.created_by == manager.user
    created = OrderEvent.objects.get(order=order, type=EventType.CREATED)
    assert created.actor == manager.user
    page = client.get(change_url(order)).content.decode()
    assert "24000" in page.replace("\xa0", "").replace(" ", "")  # line totals shown, read-only


def test_add_for_a_buyer_found_by_autocomplete(client, shop, manager) -> None:
    buyer = make_customer(shop, phone="+77011234567", name="Айгерим")
    found = client.get(
        "/admin/autocomplete/",
        {"app_label": "orders", "model_name": "order", "field_name": "customer", "term": "8 701 123"},
    ).json()["results"]
    assert [int(row["id"]) for row in found] == [buyer.pk]
    product = make_product(shop, price="5000")
    response = client.post(
        ADD, body([(product.pk, 1)], customer=str(buyer.pk), new_customer_phone="", new_customer_name="")
    )
    assert response.status_code == 302, errors_of(response)
    order = Order.objects.get()
    assert order.customer == buyer and Customer.objects.count() == 1
    # The product search offers active products with their price.
    hits = client.get(
        "/admin/orders/order/product-autocomplete/",
        {"app_label": "orders", "model_name": "orderitem", "field_name": "product", "term": product.name},
    ).json()
    assert hits["results"][0]["id"] == str(product.pk) and "5" in hits["results"][0]["text"]


def test_an_existing_buyers_phone_finds_them_and_fills_only_blanks(client, shop) -> None:
    buyer = make_customer(shop, phone="+77015554433", name="Мария Иванова")
    response = client.post(ADD, body([(make_product(shop).pk, 1)], new_customer_name="Другое имя"))
    assert response.status_code == 302, errors_of(response)
    assert Order.objects.get().customer == buyer
    buyer.refresh_from_db()
    assert buyer.name == "Мария Иванова"


def _nothing_written(customers: int = 0) -> None:
    assert Order.objects.count() == 0 and OrderItem.objects.count() == 0 and OrderEvent.objects.count() == 0
    assert Customer.objects.count() == customers


def test_bad_input_is_an_error_on_the_form_and_writes_nothing(client, shop, other_shop) -> None:
    mine = make_product(shop)
    theirs = make_product(other_shop)
    their_zone = DeliveryZone.objects.create(shop=other_shop, name="Чужая зона", fee=Decimal("500"))
    inactive = make_product(shop)
    inactive.is_active = False
    inactive.save()
    cases = [
        body([]),  # no items
        body([(mine.pk, 0)]),  # quantity 0
        body([(mine.pk, 100_001)]),
        body([(theirs.pk, 1)]),  # another shop's product, posted by id
        body([(mine.pk, 1)], delivery_zone=str(their_zone.pk)),  # another shop's zone
        body([(inactive.pk, 1)]),
        body([(mine.pk, 1)], new_customer_phone="", customer=""),  # no buyer
        body([(mine.pk, 1)], new_customer_phone="12"),  # not a phone
        body([(mine.pk, 1)], delivery_time_from="14:00", delivery_time_to="12:00"),
        body([(mine.pk, 1)], delivery_address=""),
        body([(mine.pk, 1)], discount="999999"),  # more than the order: the service refuses
        body([(mine.pk, 1)], delivery_date="1999-01-01"),
    ]
    for data in cases:
        response = client.post(ADD, data)
        errors = errors_of(response)
        assert errors, data
        assert not any("{" in e or "ErrorDetail" in e for e in errors), errors  # words, never a dict
        # What the manager typed is still on the form.
        assert response.context["adminform"].form["card_text"].value() == "С днём рождения!"
        _nothing_written()


def test_a_service_refusal_keeps_the_input_and_names_the_line(client, shop) -> None:
    mine = make_product(shop)
    inactive = make_product(shop)
    inactive.is_active = False
    inactive.save()
    response = client.post(ADD, body([(mine.pk, 1), (inactive.pk, 2)]))
    errors = errors_of(response)
    assert any(e.startswith(("Строка 2", "Line 2")) for e in errors), errors
    form = response.context["adminform"].form
    assert form["new_customer_phone"].value() == "8 (701) 555-44-33"
    _nothing_written()


def test_both_a_picked_buyer_and_a_new_phone_is_an_error(client, shop) -> None:
    buyer = make_customer(shop)
    response = client.post(ADD, body([(make_product(shop).pk, 1)], customer=str(buyer.pk)))
    assert errors_of(response)
    _nothing_written(customers=1)


def test_warnings_of_the_service_are_shown(client, shop) -> None:
    response = client.post(ADD, body([(make_product(shop).pk, 1)], delivery_date="2020-01-10"), follow=True)
    levels = [m.level_tag for m in response.context["messages"]]
    assert "warning" in levels and Order.objects.count() == 1


def test_the_zone_sets_the_fee_and_a_manager_may_set_it(client, shop) -> None:
    zone = DeliveryZone.objects.create(shop=shop, name="Центр", fee=Decimal("700"))
    product = make_product(shop, price="1000")
    assert client.post(ADD, body([(product.pk, 1)], delivery_zone=str(zone.pk))).status_code == 302
    assert client.post(ADD, body([(product.pk, 1)], delivery_fee="250", discount="100")).status_code == 302
    first, second = Order.objects.order_by("number")
    assert (first.delivery_zone, first.delivery_fee, first.total) == (zone, Decimal("700"), Decimal("1700"))
    assert (second.delivery_fee, second.discount, second.total) == (Decimal("250"), Decimal("100"), Decimal("1150"))


def _change_body(client: Client, order: Order, **changes: Any) -> dict[str, Any]:
    """The change form's POST as the page renders it, with ``changes``."""
    page = client.get(change_url(order))
    assert page.status_code == 200
    form = page.context["adminform"].form
    data: dict[str, Any] = {}
    for name in form.fields:
        value = form[name].value()
        if isinstance(value, bool):
            if value:
                data[name] = "on"
        elif value is not None:
            data[name] = str(value)
    for formset in page.context["inline_admin_formsets"]:
        management = formset.formset.management_form
        for name in management.fields:
            data[f"{formset.formset.prefix}-{name}"] = str(management[name].value())
        for row in formset.formset.forms:
            for name in row.fields:
                value = row[name].value()
                if value not in (None, False):
                    data[row.add_prefix(name)] = "on" if value is True else str(value)
    data.update(changes)
    return data


def test_edit_details_and_items_through_the_service(client, shop, manager) -> None:
    first = make_product(shop, price="1000")
    second = make_product(shop, price="3000")
    order = make_order(shop, manager.user, first, quantity=1, delivery_fee=Decimal("0"))
    data = _change_body(client, order, card_text="Люблю!", **{"items-0-quantity": "3"})
    data.update(
        {
            "items-TOTAL_FORMS": "2",
            "items-1-product": str(second.pk),
            "items-1-quantity": "1",
            "items-1-order": str(order.pk),
        }
    )
    response = client.post(change_url(order), data)
    assert response.status_code == 302, errors_of(response)
    order.refresh_from_db()
    assert order.card_text == "Люблю!"
    assert sorted((i.product_id, i.quantity) for i in order.items.all()) == [(first.pk, 3), (second.pk, 1)]
    assert order.subtotal == Decimal("6000.00") and order.total == Decimal("6000.00")
    edited = OrderEvent.objects.get(order=order, type=EventType.EDITED)
    assert edited.actor == manager.user and "card_text" in edited.data["after"]


def test_an_unchanged_save_writes_nothing(client, shop, manager) -> None:
    order = make_order(shop, manager.user)
    assert client.post(change_url(order), _change_body(client, order)).status_code == 302
    assert not OrderEvent.objects.filter(order=order, type=EventType.EDITED).exists()


def test_an_edit_refused_by_the_service_changes_nothing(client, shop, manager) -> None:
    order = make_order(shop, manager.user, make_product(shop, price="1000"), delivery_fee=Decimal("0"))
    response = client.post(change_url(order), _change_body(client, order, card_text="новое", discount="5000"))
    assert errors_of(response)
    order.refresh_from_db()
    assert (order.card_text, order.discount) == ("", Decimal("0.00"))
    assert not OrderEvent.objects.filter(order=order, type=EventType.EDITED).exists()


def test_items_and_details_are_read_only_when_the_service_would_refuse(client, shop, manager) -> None:
    order = make_order(shop, manager.user, status=OrderStatus.IN_PRODUCTION)
    items = client.get(change_url(order)).context["inline_admin_formsets"][0]
    assert not items.has_change_permission and not items.has_add_permission
    closed = make_order(shop, manager.user, status=OrderStatus.DELIVERED)
    form = client.get(change_url(closed)).context["adminform"].form
    assert "card_text" not in form.fields  # shown read-only
    response = client.post(change_url(closed), {"card_text": "поздно"})
    closed.refresh_from_db()
    assert response.status_code in (200, 302) and closed.card_text != "поздно"


def test_orders_are_not_deleted(client, shop, manager) -> None:
    order = make_order(shop, manager.user)
    assert client.get(f"/admin/orders/order/{order.pk}/delete/").status_code in (302, 403)
    assert client.post(f"/admin/orders/order/{order.pk}/delete/", {"post": "yes"}).status_code in (302, 403)
    assert Order.objects.filter(pk=order.pk).exists()


def test_a_manager_of_several_shops_picks_the_shop(member, shop, other_shop) -> None:
    manager = member(Role.MANAGER)
    member(Role.MANAGER, shop=other_shop, user=manager.user)
    client = staff_client(manager)
    form = client.get(ADD).context["adminform"].form
    assert set(form.fields["shop"].queryset) == {shop, other_shop}
    product = make_product(shop)
    their_customer = make_customer(other_shop)
    # A buyer of the other shop for an order of this one: refused, nothing written.
    response = client.post(
        ADD, body([(product.pk, 1)], shop=str(shop.pk), customer=str(their_customer.pk), new_customer_phone="")
    )
    assert errors_of(response)
    assert Order.objects.count() == 0
    response = client.post(ADD, body([(product.pk, 1)], shop=str(shop.pk)))
    assert response.status_code == 302, errors_of(response)
    assert Order.objects.get().shop == shop


def test_a_manager_of_one_shop_gets_it_implicitly_and_cannot_pick_another(client, shop, other_shop) -> None:
    form = client.get(ADD).context["adminform"].form
    assert "shop" not in form.fields
    response = client.post(ADD, body([(make_product(shop).pk, 1)], shop=str(other_shop.pk)))
    assert response.status_code == 302
    assert Order.objects.get().shop == shop


@pytest.mark.parametrize("role", [Role.FLORIST, Role.COURIER])
def test_florists_and_couriers_cannot_add(member, shop, role) -> None:
    worker = staff_client(member(role))
    product = make_product(shop)
    assert worker.post(ADD, body([(product.pk, 1)])).status_code in (302, 403)
    assert Order.objects.count() == 0


def test_an_edit_shows_the_services_warnings(client, shop, manager) -> None:
    order = make_order(shop, manager.user)
    response = client.post(change_url(order), _change_body(client, order, delivery_date="2020-01-10"), follow=True)
    assert [m.level_tag for m in response.context["messages"]].count("warning") == 1
    order.refresh_from_db()
    assert order.delivery_date == dt.date(2020, 1, 10)


def test_the_product_search_offers_active_products_of_the_users_shops(client, shop, other_shop) -> None:
    active = make_product(shop)
    retired = make_product(shop)
    retired.is_active = False
    retired.save()
    theirs = make_product(other_shop)
    query = {"app_label": "orders", "model_name": "orderitem", "field_name": "product", "term": ""}
    found = client.get("/admin/orders/order/product-autocomplete/", query).json()["results"]
    assert {row["id"] for row in found} == {str(active.pk)}
    # Asking for another shop's products gives nothing more.
    found = client.get("/admin/orders/order/product-autocomplete/", {**query, "shop": other_shop.pk}).json()
    assert str(theirs.pk) not in {row["id"] for row in found["results"]}
