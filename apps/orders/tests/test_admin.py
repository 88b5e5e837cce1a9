"""The orders admin: scoped to the staff user's shops, status changes through the service."""

from __future__ import annotations

import pytest
from django.test import Client

from apps.orders.models import Order, OrderStatus
from apps.orders.tests.factories import make_order, make_product, make_stock
from flowercrm.roles import Role

pytestmark = pytest.mark.django_db


@pytest.fixture
def manager_client(member):
    manager = member(Role.MANAGER)
    manager.user.is_staff = True  # what user_sync_staff sets for managers
    manager.user.save()
    client = Client()
    client.force_login(manager.user)
    return manager, client


def _post_data(client: Client, url: str, **changes: str) -> dict[str, str]:
    form = client.get(url).context["adminform"].form
    data = {name: form.initial.get(name) or "" for name in form.fields}
    for name in ("is_anonymous", "address_needs_clarification", "call_before", "surprise"):
        if not data.get(name):
            data.pop(name, None)
    data.update({"delivery_date": "2026-12-01", "delivery_time_from": "10:00", "delivery_time_to": "12:00"})
    for prefix in ("items", "payments", "events"):
        data.update({f"{prefix}-TOTAL_FORMS": "0", f"{prefix}-INITIAL_FORMS": "0"})
    data.update(changes)
    return data


def test_changelist_shows_only_own_shop(manager_client, shop, other_shop, member) -> None:
    manager, client = manager_client
    mine = make_order(shop, manager.user, make_product(shop))
    foreign_admin = member(Role.ADMIN, shop=other_shop)
    theirs = make_order(other_shop, foreign_admin.user, make_product(other_shop))
    page = client.get("/admin/orders/order/")
    assert page.status_code == 200
    assert f"/admin/orders/order/{mine.pk}/change/" in page.content.decode()
    assert f"/admin/orders/order/{theirs.pk}/change/" not in page.content.decode()
    assert client.get(f"/admin/orders/order/{theirs.pk}/change/").status_code == 302  # "does not exist"


def test_status_changes_through_the_service(manager_client, shop) -> None:
    manager, client = manager_client
    stem = make_stock(shop, quantity=10)
    order = make_order(shop, manager.user, make_product(shop, recipe={stem: 2}))
    url = f"/admin/orders/order/{order.pk}/change/"
    response = client.post(url, _post_data(client, url, transition_to="confirmed"))
    assert response.status_code == 302
    order.refresh_from_db()
    stem.refresh_from_db()
    assert order.status == OrderStatus.CONFIRMED
    assert stem.reserved == 2
    assert order.events.filter(type="status_changed").exists()


def test_transitions_offered_follow_the_table_and_refusals_change_nothing(manager_client, shop) -> None:
    manager, client = manager_client
    order = make_order(shop, manager.user, make_product(shop))
    Order.objects.filter(pk=order.pk).update(status=OrderStatus.CONFIRMED)
    url = f"/admin/orders/order/{order.pk}/change/"
    form = client.get(url).context["adminform"].form
    assert [c for c, _ in form.fields["transition_to"].choices] == ["", "in_production", "new", "cancelled"]
    # Cancelling needs a reason: the service refuses, the card text edit is rolled back too.
    response = client.post(url, _post_data(client, url, transition_to="cancelled", card_text="изменено"))
    assert response.status_code == 302
    order.refresh_from_db()
    assert order.status == OrderStatus.CONFIRMED and order.card_text == ""


def test_managers_see_items_payments_and_the_event_log(manager_client, shop) -> None:
    manager, client = manager_client
    order = make_order(shop, manager.user, make_product(shop))
    page = client.get(f"/admin/orders/order/{order.pk}/change/").content.decode()
    assert order.items.get().name in page
    assert "Создан" in page  # the event log row, by its label


def test_edits_and_transitions_show_the_services_warnings(manager_client, shop) -> None:
    manager, client = manager_client
    stem = make_stock(shop, quantity=1)
    order = make_order(shop, manager.user, make_product(shop, recipe={stem: 3}))
    url = f"/admin/orders/order/{order.pk}/change/"
    data = _post_data(client, url, transition_to="confirmed")
    data["delivery_date"] = "2020-01-10"  # entered after the fact: allowed, but worth a word
    response = client.post(url, data, follow=True)
    shown = [(m.level_tag, str(m)) for m in response.context["messages"]]
    assert ("warning", "Дата доставки 10.01.2020 уже прошла.") in shown
    assert any(tag == "warning" and "Резерв больше остатка" in text for tag, text in shown), shown
    order.refresh_from_db()
    assert order.status == OrderStatus.CONFIRMED
