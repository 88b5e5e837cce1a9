"""Who sees money and which orders (ARCHITECTURE §11.1): florists see no order money and no
payment events — in the API, the event log and the /ws feeds —, couriers only ``amount_due``;
florists see a cancelled order only if it was confirmed when cancelled."""

from __future__ import annotations

import json
from decimal import Decimal
from typing import Any

import pytest

from apps.orders.customers import customer_list_for_florist
from apps.orders.events import order_replay
from apps.orders.models import Order, OrderEvent, OrderStatus
from apps.orders.services import order_transition, order_update, payment_record
from apps.orders.tests.factories import make_order, make_product, make_stock
from apps.production.models import ProductionTask
from flowercrm import events
from flowercrm.roles import Role
from flowercrm.testing import assert_error

pytestmark = pytest.mark.django_db

S = OrderStatus
ORDER_MONEY = {"subtotal", "delivery_fee", "discount", "total", "paid_amount", "amount_due", "payment_status"}
ITEM_MONEY = {"unit_price", "line_total", "unit_cost"}


@pytest.fixture
def bouquet(shop):
    return make_product(shop, price="15000", recipe={make_stock(shop, quantity=50): 3})


def confirmed_order(shop, office, bouquet, **fields: Any) -> Order:
    order = make_order(shop, office.user, bouquet, **fields)
    order_transition(order=order, to=S.CONFIRMED, actor=office.user, role=Role.MANAGER)
    return order


def paid(order: Order, office) -> Order:
    payment_record(order=order, actor=office.user, amount=Decimal("5000"), method="cash")
    order_update(order=order, actor=office.user, data={"delivery_fee": Decimal("900")})
    order_update(order=order, actor=office.user, data={"delivery_fee": Decimal("1000"), "card_text": "Люблю"})
    return order


def money_words(body: Any) -> set[str]:
    """Every key anywhere in ``body`` that names money."""
    found: set[str] = set()

    def walk(node: Any) -> None:
        if isinstance(node, dict):
            found.update(k for k in node if k in ORDER_MONEY | ITEM_MONEY | {"amount", "payments"})
            for value in node.values():
                walk(value)
        elif isinstance(node, list):
            for value in node:
                walk(value)

    walk(body)
    return found


# --- REST ------------------------------------------------------------------------------------


def test_a_florist_sees_no_order_money_nor_payment_events(shop, office, florist, bouquet, api_as) -> None:
    order = paid(confirmed_order(shop, office, bouquet), office)
    client = api_as(florist)
    detail = client.get(f"/api/orders/{order.id}/").json()
    assert money_words(detail) == set(), money_words(detail)
    types = [e["type"] for e in detail["events"]]
    assert "payment" not in types
    # The edit of money alone is gone; the edit with the card keeps the card, not the fee.
    edits = [e["data"] for e in detail["events"] if e["type"] == "edited"]
    assert edits == [{"before": {"card_text": ""}, "after": {"card_text": "Люблю"}}]
    created = next(e for e in detail["events"] if e["type"] == "created")
    assert "total" not in created["data"] and created["data"]["number"] == order.number
    assert not {"15000.00", "5000.00", "1000.00"} & set(json.dumps(detail).replace('"', " ").split())
    row = client.get("/api/orders/").json()["items"][0]
    assert row["id"] == order.id and money_words(row) == set()
    # The office still sees all of it.
    office_detail = api_as(office).get(f"/api/orders/{order.id}/").json()
    assert office_detail["paid_amount"] == "5000.00" and office_detail["payment_status"] == "partially_paid"
    assert [e["type"] for e in office_detail["events"]].count("payment") == 1
    assert office_detail["items"][0]["unit_price"] == "15000.00"


def test_a_courier_sees_only_amount_due(shop, office, member, bouquet, api_as) -> None:
    courier = member(Role.COURIER)
    order = paid(confirmed_order(shop, office, bouquet, courier=courier.user), office)
    for body in (
        api_as(courier).get(f"/api/orders/{order.id}/").json(),
        api_as(courier).get("/api/orders/").json()["items"][0],
    ):
        assert money_words(body) == {"amount_due"}, money_words(body)
        assert body["amount_due"] == "11000.00"  # 15000 + 1000 delivery − 5000 paid


def test_a_florist_sees_a_cancelled_order_only_if_it_was_confirmed(shop, office, florist, bouquet, api_as) -> None:
    never = make_order(shop, office.user, bouquet)
    order_transition(order=never, to=S.CANCELLED, actor=office.user, role=Role.MANAGER, reason="передумали")
    after_work = confirmed_order(shop, office, bouquet)
    order_transition(order=after_work, to=S.CANCELLED, actor=office.user, role=Role.MANAGER, reason="отмена")
    back = confirmed_order(shop, office, bouquet)
    order_transition(order=back, to=S.NEW, actor=office.user, role=Role.MANAGER, reason="уточнить")
    order_transition(order=back, to=S.CANCELLED, actor=office.user, role=Role.MANAGER, reason="отмена")
    client = api_as(florist)
    assert [o["id"] for o in client.get("/api/orders/").json()["items"]] == [after_work.id]
    assert client.get(f"/api/orders/{after_work.id}/").status_code == 200
    assert_error(client.get(f"/api/orders/{never.id}/"), 404, "not_found")
    assert_error(client.get(f"/api/orders/{back.id}/"), 404, "not_found")
    # Nor the buyer of such an order.
    visible = set(customer_list_for_florist(shop=shop).values_list("id", flat=True))
    assert visible == {after_work.customer_id}
    assert api_as(office).get("/api/orders/").json()["total"] == 3


def test_a_task_of_an_order_sent_back_to_new_leaves_the_florists_queue(shop, office, florist, bouquet, api_as) -> None:
    order = confirmed_order(shop, office, bouquet)
    task = ProductionTask.objects.get(order=order)
    client = api_as(florist)
    assert [t["id"] for t in client.get("/api/production/tasks/").json()["items"]] == [task.id]
    order_transition(order=order, to=S.NEW, actor=office.user, role=Role.MANAGER, reason="уточнить")
    assert client.get("/api/production/tasks/").json() == {"items": [], "total": 0}
    assert_error(client.get(f"/api/production/tasks/{task.id}/"), 404, "not_found")
    assert_error(client.post(f"/api/production/tasks/{task.id}/take/"), 404, "not_found")
    assert api_as(office).get("/api/production/tasks/").json()["total"] == 1
    # Confirmed again: back in the queue.
    order_transition(order=order, to=S.CONFIRMED, actor=office.user, role=Role.MANAGER)
    assert client.get("/api/production/tasks/").json()["total"] == 1


# --- /ws ---------------------------------------------------------------------------------------


@pytest.fixture
def sent(monkeypatch) -> list[tuple[str, dict[str, Any]]]:
    """What the live events would send: ``[(group, client message)]``."""
    out: list[tuple[str, dict[str, Any]]] = []

    def capture(sends: list[tuple[str, dict[str, Any]]]) -> bool:
        out.extend((group, json.loads(message["text"])) for group, message in sends)
        return True

    monkeypatch.setattr(events, "send_to_groups", capture)
    return out


def floor(shop, sent) -> list[dict[str, Any]]:
    group = events.group_name(shop.id, events.FLOOR)
    return [message for name, message in sent if name == group]


def test_the_floor_feed_carries_no_money_and_no_payment_events(
    shop, office, bouquet, sent, django_capture_on_commit_callbacks
) -> None:
    with django_capture_on_commit_callbacks(execute=True):
        order = confirmed_order(shop, office, bouquet)
    with django_capture_on_commit_callbacks(execute=True):
        paid(order, office)
    office_group = events.group_name(shop.id, events.OFFICE)
    assert [m["event"] for g, m in sent if g == office_group and m["type"] == "order_update"] == [
        "status_changed",
        "payment",
        "edited",
        "edited",
    ]
    messages = floor(shop, sent)
    updates = [m for m in messages if m["type"] == "order_update"]
    assert [m["event"] for m in updates] == ["status_changed", "edited"]
    assert all(money_words(m["data"]) == set() for m in messages), [money_words(m["data"]) for m in messages]


def test_the_floor_feed_never_hears_of_an_order_cancelled_from_new(
    shop, office, bouquet, sent, django_capture_on_commit_callbacks
) -> None:
    with django_capture_on_commit_callbacks(execute=True):
        order = make_order(shop, office.user, bouquet)
        order_transition(order=order, to=S.CANCELLED, actor=office.user, role=Role.MANAGER, reason="дубль")
    assert floor(shop, sent) == []
    # Sent back to new: neither the order nor its task reaches the floor any more.
    with django_capture_on_commit_callbacks(execute=True):
        other = confirmed_order(shop, office, bouquet)
    sent.clear()
    with django_capture_on_commit_callbacks(execute=True):
        order_transition(order=other, to=S.NEW, actor=office.user, role=Role.MANAGER, reason="уточнить")
        order_transition(order=other, to=S.CANCELLED, actor=office.user, role=Role.MANAGER, reason="отмена")
    assert floor(shop, sent) == []
    assert {m["type"] for g, m in sent} >= {"order_update", "task_update"}  # the office got them


def test_a_florists_replay_skips_payments_and_hidden_orders(shop, office, florist, bouquet) -> None:
    seen = confirmed_order(shop, office, bouquet)
    hidden = make_order(shop, office.user, bouquet)
    order_transition(order=hidden, to=S.CANCELLED, actor=office.user, role=Role.MANAGER, reason="дубль")
    paid(seen, office)
    messages = order_replay(shop=shop, role=Role.FLORIST, user=florist.user, since=0)
    assert {m["data"]["id"] for m in messages} == {seen.id}
    assert [(m["type"], m["event"]) for m in messages] == [
        ("order_created", None),
        ("order_update", "status_changed"),
        ("order_update", "edited"),
    ]
    assert all(money_words(m["data"]) == set() for m in messages)
    office_events = order_replay(shop=shop, role=Role.MANAGER, user=office.user, since=0)
    assert "payment" in [m["event"] for m in office_events]


# --- The data migration ------------------------------------------------------------------------


def test_the_migration_fills_confirmed_at_from_the_event_log(shop, office, bouquet) -> None:
    from importlib import import_module

    from django.apps import apps

    fill = import_module("apps.orders.migrations.0005_order_confirmed_at").fill_confirmed_at
    kept = confirmed_order(shop, office, bouquet)
    order_transition(order=kept, to=S.CANCELLED, actor=office.user, role=Role.MANAGER, reason="отмена")
    back = confirmed_order(shop, office, bouquet)
    order_transition(order=back, to=S.NEW, actor=office.user, role=Role.MANAGER, reason="уточнить")
    order_transition(order=back, to=S.CANCELLED, actor=office.user, role=Role.MANAGER, reason="отмена")
    working = confirmed_order(shop, office, bouquet)
    fresh = make_order(shop, office.user, bouquet)
    legacy = make_order(shop, office.user, bouquet)  # moved without a log, as old rows may be
    Order.objects.filter(pk=legacy.pk).update(status=S.IN_PRODUCTION)
    Order.objects.update(confirmed_at=None)
    fill(apps, None)
    confirmed = dict(Order.objects.values_list("id", "confirmed_at"))
    assert confirmed[kept.id] is not None and confirmed[working.id] is not None and confirmed[legacy.id] is not None
    assert confirmed[back.id] is None and confirmed[fresh.id] is None
    first_confirmation = OrderEvent.objects.filter(order=kept, data__after="confirmed").get().created_at
    assert confirmed[kept.id] == first_confirmation


@pytest.mark.parametrize("query", ["payment_status=paid", "ordering=total", "ordering=number,-total"])
def test_florists_and_couriers_cannot_sort_or_filter_by_money(query, shop, office, member, bouquet, api_as) -> None:
    confirmed_order(shop, office, bouquet)
    for role in (Role.FLORIST, Role.COURIER):
        assert_error(api_as(member(role)).get(f"/api/orders/?{query}"), 400, "invalid")
    assert api_as(office).get(f"/api/orders/?{query}").status_code == 200
