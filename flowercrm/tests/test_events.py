"""``flowercrm.events``: published after commit only, to the right audiences, in the shapes of
the list endpoints; a broken channel layer never fails the request."""

from __future__ import annotations

import asyncio
import json
import logging
from collections import defaultdict
from typing import Any

import pytest
from django.db import transaction

from apps.orders.models import Order, OrderEvent, OrderStatus
from apps.orders.services import order_comment_add, order_transition, order_update, task_take
from apps.orders.tests.factories import make_order, make_product, make_stock
from apps.production.models import ProductionTask
from apps.shops.services import membership_update
from apps.warehouse.services import stock_write_off
from flowercrm import events
from flowercrm.roles import Role

pytestmark = pytest.mark.django_db
S = OrderStatus


def by_group(sent: list[tuple[str, dict[str, Any]]]) -> dict[str, list[dict[str, Any]]]:
    groups: dict[str, list[dict[str, Any]]] = defaultdict(list)
    for group, message in sent:
        groups[group].append(json.loads(message["text"]) if "text" in message else message)
    return groups


@pytest.fixture
def office(member):
    return member(Role.ADMIN)


@pytest.fixture
def rose(shop):
    return make_stock(shop, name="Роза Фридом", quantity=100)


@pytest.fixture
def bouquet(shop, rose):
    return make_product(shop, price="15000", recipe={rose: 5})


def office_group(shop) -> str:
    return f"shop.{shop.id}.office"


def floor_group(shop) -> str:
    return f"shop.{shop.id}.floor"


# --- publish ------------------------------------------------------------------------------


def test_publish_waits_for_the_commit(shop, sent, django_capture_on_commit_callbacks) -> None:
    with django_capture_on_commit_callbacks() as callbacks:
        events.publish(shop_id=shop.id, type=events.STOCK_LOW, data={"id": 1})
        assert sent == []
    assert len(callbacks) == 1
    callbacks[0]()
    assert {group for group, _ in sent} == {office_group(shop), floor_group(shop)}
    assert sent[0][1] == {
        "type": events.LAYER_EVENT,
        "shop_id": shop.id,
        "id": None,
        "text": '{"type":"stock_low","data":{"id":1},"event":null,"id":null}',
    }


def test_rolled_back_work_publishes_nothing(shop, office, bouquet, sent, django_capture_on_commit_callbacks) -> None:
    with django_capture_on_commit_callbacks(execute=True):
        with pytest.raises(RuntimeError), transaction.atomic():
            make_order(shop, office.user, bouquet)
            raise RuntimeError("rolled back")
    assert sent == []
    assert not Order.objects.exists()


def test_a_payload_of_none_skips_that_audience(shop, sent, django_capture_on_commit_callbacks) -> None:
    with django_capture_on_commit_callbacks(execute=True):
        events.publish(
            shop_id=shop.id, type=events.TASK_UPDATE, data=lambda a: {"a": a} if a == events.OFFICE else None
        )
    assert by_group(sent) == {
        office_group(shop): [{"type": "task_update", "data": {"a": "office"}, "event": None, "id": None}]
    }


class BrokenLayer:
    def __init__(self, *, delay: float = 0, error: Exception | None = None) -> None:
        self.delay, self.error = delay, error

    async def group_send(self, group: str, message: dict[str, Any]) -> None:
        await asyncio.sleep(self.delay)
        if self.error:
            raise self.error


@pytest.mark.parametrize("layer", [BrokenLayer(error=ConnectionError("redis down")), BrokenLayer(delay=5)])
def test_a_failing_channel_layer_is_logged_and_never_fails_the_request(
    layer, shop, office, bouquet, monkeypatch, caplog, api_as, django_capture_on_commit_callbacks
) -> None:
    monkeypatch.setattr(events, "get_channel_layer", lambda: layer)
    monkeypatch.setattr(events, "SEND_TIMEOUT", 0.2)
    order = make_order(shop, office.user, bouquet)
    with caplog.at_level(logging.ERROR, logger="flowercrm.events"), django_capture_on_commit_callbacks(execute=True):
        response = api_as(office).post(f"/api/orders/{order.id}/comments/", {"text": "позвонить"}, format="json")
    assert response.status_code == 201
    assert "live events not sent" in caplog.text


# --- orders -------------------------------------------------------------------------------


def test_a_new_order_goes_to_the_office_only(shop, office, bouquet, sent, django_capture_on_commit_callbacks) -> None:
    with django_capture_on_commit_callbacks(execute=True):
        order = make_order(shop, office.user, bouquet)
    event = OrderEvent.objects.get(order=order)
    groups = by_group(sent)
    assert set(groups) == {office_group(shop)}  # florists never see new orders
    [message] = groups[office_group(shop)]
    assert message["type"] == "order_created"
    assert message["event"] is None
    assert message["id"] == event.id
    data = message["data"]
    assert data["id"] == order.id and data["status"] == "new"
    assert data["total"] == "15000.00"  # money as a string, like the list endpoint
    assert data["allowed_transitions"] == ["confirmed", "cancelled"]
    assert data["created_at"].endswith("+05:00")  # the shop's zone


def test_a_confirmed_order_reaches_the_floor_with_its_task(
    shop, office, bouquet, sent, django_capture_on_commit_callbacks
) -> None:
    order = make_order(shop, office.user, bouquet)
    with django_capture_on_commit_callbacks(execute=True):
        order_transition(order=order, to=S.CONFIRMED, actor=office.user, role=Role.ADMIN)
    groups = by_group(sent)
    event = OrderEvent.objects.filter(order=order).latest("id")
    for group in (office_group(shop), floor_group(shop)):
        kinds = [(m["type"], m["event"]) for m in groups[group]]
        assert ("order_update", "status_changed") in kinds
        assert ("task_update", None) in kinds
    floor_order = next(m for m in groups[floor_group(shop)] if m["type"] == "order_update")
    assert floor_order["id"] == event.id
    assert floor_order["data"]["status"] == "confirmed"
    assert floor_order["data"]["allowed_transitions"] == ["in_production"]  # a florist's buttons
    task = next(m for m in groups[floor_group(shop)] if m["type"] == "task_update")
    assert task["data"]["id"] == ProductionTask.objects.get(order=order).id
    assert task["data"]["status"] == "pending"
    assert task["data"]["order"]["id"] == order.id


def test_a_courier_gets_their_order_and_loses_it(
    shop, office, member, bouquet, sent, django_capture_on_commit_callbacks
) -> None:
    first, second = member(Role.COURIER), member(Role.COURIER)
    order = make_order(shop, office.user, bouquet)
    with django_capture_on_commit_callbacks(execute=True):
        order_update(order=order, actor=office.user, data={"courier": first.user})
    [message] = by_group(sent)[f"courier.{first.user.id}"]
    assert message["type"] == "order_update" and message["event"] == "assigned"
    assert "buyer" in message["data"] and "paid_amount" not in message["data"]  # the courier's serializer
    assert message["data"]["courier"] == {"id": first.user.id, "name": first.user.name}

    sent.clear()
    with django_capture_on_commit_callbacks(execute=True):
        order_update(order=order, actor=office.user, data={"courier": second.user})
    groups = by_group(sent)
    assignment = OrderEvent.objects.filter(order=order).latest("id")
    assert groups[f"courier.{first.user.id}"] == [
        {
            "type": "order_update",
            "event": "unassigned",
            "id": assignment.id,
            "data": {"id": order.id, "number": order.number},
        }
    ]
    assert [m["event"] for m in groups[f"courier.{second.user.id}"]] == ["assigned"]


def test_a_comment_on_a_courier_order_reaches_only_that_courier(
    shop, office, member, bouquet, sent, django_capture_on_commit_callbacks
) -> None:
    courier, other = member(Role.COURIER), member(Role.COURIER)
    order = make_order(shop, office.user, bouquet, courier=courier.user)
    with django_capture_on_commit_callbacks(execute=True):
        order_comment_add(order=order, actor=office.user, text="Домофон не работает")
    groups = by_group(sent)
    assert f"courier.{other.user.id}" not in groups
    assert [m["event"] for m in groups[f"courier.{courier.user.id}"]] == ["comment"]
    assert "Домофон" not in str(groups)  # the summary, not the comment, is sent


def test_events_of_another_shop_go_to_that_shop(
    shop, other_shop, member, office, bouquet, sent, django_capture_on_commit_callbacks
) -> None:
    manager = member(Role.MANAGER, shop=other_shop)
    product = make_product(other_shop, price="100")
    with django_capture_on_commit_callbacks(execute=True):
        make_order(other_shop, manager.user, product)
    assert set(by_group(sent)) == {office_group(other_shop)}
    assert all(m["shop_id"] == other_shop.id for _, m in sent)


def test_an_invalid_transition_publishes_nothing(
    shop, office, bouquet, sent, api_as, django_capture_on_commit_callbacks
) -> None:
    order = make_order(shop, office.user, bouquet)
    with django_capture_on_commit_callbacks(execute=True):
        response = api_as(office).post(f"/api/orders/{order.id}/transition/", {"status": "delivered"}, format="json")
    assert response.status_code == 409
    assert sent == []


def test_insufficient_stock_publishes_nothing(shop, office, sent, api_as, django_capture_on_commit_callbacks) -> None:
    rare = make_stock(shop, name="Пион", quantity=2)
    rare.min_quantity = 1
    rare.save()
    order = make_order(shop, office.user, make_product(shop, recipe={rare: 5}))
    order_transition(order=order, to=S.CONFIRMED, actor=office.user, role=Role.ADMIN)
    order_transition(order=order, to=S.IN_PRODUCTION, actor=office.user, role=Role.ADMIN)
    with django_capture_on_commit_callbacks(execute=True):
        response = api_as(office).post(f"/api/orders/{order.id}/transition/", {"status": "assembled"}, format="json")
    assert response.status_code == 409
    assert response.json()["code"] == "insufficient_stock"
    assert sent == []


def test_message_ids_are_the_event_log_ids(shop, office, bouquet, sent, django_capture_on_commit_callbacks) -> None:
    with django_capture_on_commit_callbacks(execute=True):
        order = make_order(shop, office.user, bouquet)
        order_comment_add(order=order, actor=office.user, text="1")
        order_comment_add(order=order, actor=office.user, text="2")
    ids = [m["id"] for m in by_group(sent)[office_group(shop)]]
    assert ids == list(OrderEvent.objects.filter(order=order).order_by("id").values_list("id", flat=True))


# --- tasks and stock ----------------------------------------------------------------------


def test_taking_a_task_sends_the_queue_row(
    shop, office, member, bouquet, sent, django_capture_on_commit_callbacks
) -> None:
    florist = member(Role.FLORIST)
    order = make_order(shop, office.user, bouquet)
    order_transition(order=order, to=S.CONFIRMED, actor=office.user, role=Role.ADMIN)
    task = ProductionTask.objects.get(order=order)
    with django_capture_on_commit_callbacks(execute=True):
        task_take(task=task, actor=florist.user, role=Role.FLORIST)
    groups = by_group(sent)
    for group in (office_group(shop), floor_group(shop)):
        [update] = [m for m in groups[group] if m["type"] == "task_update"]
        assert update["data"]["florist"] == {"id": florist.user.id, "name": florist.user.name}
        assert update["data"]["priority"] in ("urgent", "high", "normal")
    assert ("order_update", "assigned") in [(m["type"], m["event"]) for m in groups[floor_group(shop)]]


def test_stock_low_fires_when_an_item_falls_below_its_minimum(
    shop, office, sent, django_capture_on_commit_callbacks
) -> None:
    item = make_stock(shop, name="Эвкалипт", quantity=20)
    item.min_quantity = 10
    item.save()
    with django_capture_on_commit_callbacks(execute=True):
        stock_write_off(item=item, quantity=5, reason="wilted", actor=office.user)  # 15: not low
    assert sent == []
    with django_capture_on_commit_callbacks(execute=True):
        stock_write_off(item=item, quantity=6, reason="wilted", actor=office.user)  # 9: crosses
    groups = by_group(sent)
    assert set(groups) == {office_group(shop), floor_group(shop)}
    [message] = groups[office_group(shop)]
    assert message["type"] == "stock_low"
    assert message["data"]["id"] == item.id
    assert message["data"]["available"] == 9 and message["data"]["is_low"] is True
    sent.clear()
    with django_capture_on_commit_callbacks(execute=True):
        stock_write_off(item=item, quantity=1, reason="wilted", actor=office.user)  # still low: no news
    assert sent == []


def test_stock_low_of_a_rolled_back_write_off_is_not_sent(
    shop, office, sent, django_capture_on_commit_callbacks
) -> None:
    item = make_stock(shop, name="Гипсофила", quantity=20)
    item.min_quantity = 10
    item.save()
    with django_capture_on_commit_callbacks(execute=True):
        with pytest.raises(RuntimeError), transaction.atomic():
            stock_write_off(item=item, quantity=15, reason="wilted", actor=office.user)
            raise RuntimeError("rolled back")
    assert sent == []


# --- force_close --------------------------------------------------------------------------


@pytest.mark.parametrize("change", [{"is_active": False}, {"role": Role.COURIER}])
def test_deactivation_or_a_role_change_closes_the_members_sockets(
    change, shop, office, member, sent, django_capture_on_commit_callbacks
) -> None:
    florist = member(Role.FLORIST)
    with django_capture_on_commit_callbacks(execute=True):
        membership_update(membership=florist, actor=office.user, **change)
    assert sent == [(f"user.{florist.user.id}", {"type": "force.close", "shop_id": shop.id})]


def test_an_unchanged_membership_closes_nothing(shop, office, member, sent, django_capture_on_commit_callbacks) -> None:
    florist = member(Role.FLORIST)
    with django_capture_on_commit_callbacks(execute=True):
        membership_update(membership=florist, actor=office.user, role=Role.FLORIST)
    assert sent == []


# --- audiences ------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("role", "expected"),
    [
        (Role.ADMIN, ["office"]),
        (Role.MANAGER, ["office"]),
        (Role.FLORIST, ["floor"]),
        (Role.COURIER, ["courier.7"]),
        ("stranger", []),
    ],
)
def test_audiences_follow_the_role_matrix(role, expected) -> None:
    assert events.audiences_for(role, 7) == expected


def test_a_changes_payloads_are_read_in_two_queries(shop, office, bouquet, django_assert_num_queries) -> None:
    """At commit, before anyone is told: the order with its shop, buyer and staff, then its
    items — once for every audience."""
    from apps.orders.events import _OrderPayloads

    order = make_order(shop, office.user, bouquet)
    payloads = _OrderPayloads(shop_id=shop.id, order_id=order.id)
    with django_assert_num_queries(2):
        office_row = payloads(events.OFFICE)
        payloads(events.FLOOR)
        payloads(events.courier_audience(office.user.id))
    assert office_row is not None
    assert office_row["id"] == order.id
