"""The order services called directly (the API tests call them through the views)."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest

from apps.orders.models import EventType, Order, OrderStatus, PaymentStatus, PhotoKind
from apps.orders.services import (
    order_comment_add,
    order_create,
    order_issue_report,
    order_issue_resolve,
    order_transition,
    order_update,
    payment_record,
    photo_kind_allowed,
    task_cancel,
)
from apps.orders.tests.factories import make_customer, make_order
from apps.production.models import ProductionTask, TaskStatus
from flowercrm.errors import Conflict, Forbidden, Invalid
from flowercrm.roles import Role

pytestmark = pytest.mark.django_db
S = OrderStatus


def _data(shop, product, **overrides):
    return {
        "customer_obj": make_customer(shop),
        "delivery_method": "delivery",
        "delivery_address": "ул. Абая 10",
        "delivery_date": dt.date(2026, 12, 1),
        "delivery_time_from": dt.time(10),
        "delivery_time_to": dt.time(12),
        "items": [{"product": product, "quantity": 2}],
        **overrides,
    }


def test_create_prices_from_the_catalog_numbers_and_logs(shop, office, bouquet) -> None:
    first = order_create(shop=shop, actor=office.user, data=_data(shop, bouquet, delivery_fee=Decimal("1500")))
    second = order_create(shop=shop, actor=office.user, data=_data(shop, bouquet))
    assert (first.subtotal, first.total) == (Decimal("30000.00"), Decimal("31500.00"))
    assert second.number == first.number + 1
    assert first.events.get().type == EventType.CREATED


@pytest.mark.parametrize(
    ("window", "field"),
    [
        ({"delivery_time_from": dt.time(12), "delivery_time_to": dt.time(10)}, "delivery_time_to"),
        ({"delivery_time_from": dt.time(12), "delivery_time_to": None}, "delivery_time_to"),
        ({"delivery_address": ""}, "delivery_address"),
    ],
)
def test_the_window_and_address_rules_hold_for_create_and_update(window, field, shop, office, bouquet) -> None:
    """One rule (``Order.clean``) for every writer: nothing is written when it fails."""
    with pytest.raises(Invalid) as refused:
        order_create(shop=shop, actor=office.user, data=_data(shop, bouquet, **window))
    assert field in refused.value.extra["errors"]
    assert not Order.objects.filter(shop=shop).exists()

    order = make_order(shop, office.user, bouquet)
    with pytest.raises(Invalid) as refused:
        order_update(order=order, actor=office.user, data=window)
    assert field in refused.value.extra["errors"]
    order.refresh_from_db()
    assert (order.delivery_time_from, order.delivery_address) == (dt.time(10), "ул. Абая 10, кв 5")
    assert not order.events.filter(type=EventType.EDITED).exists()


def test_update_logs_before_and_after_and_pickup_drops_the_fee(shop, office, bouquet) -> None:
    order = make_order(shop, office.user, bouquet, delivery_fee=Decimal("1500"))
    order_update(
        order=order, actor=office.user, data={"delivery_method": "pickup", "delivery_date": dt.date(2026, 12, 2)}
    )
    order.refresh_from_db()
    assert (order.delivery_fee, order.total) == (Decimal("0.00"), Decimal("15000.00"))
    edited = order.events.get(type=EventType.EDITED).data
    assert edited == {
        "before": {"delivery_method": "delivery", "delivery_date": "2026-12-01", "delivery_fee": "1500.00"},
        "after": {"delivery_method": "pickup", "delivery_date": "2026-12-02", "delivery_fee": "0.00"},
    }


def test_update_of_nothing_logs_nothing_and_a_closed_order_is_refused(shop, office, bouquet) -> None:
    order = make_order(shop, office.user, bouquet)
    order_update(order=order, actor=office.user, data={"card_text": ""})
    assert not order.events.filter(type=EventType.EDITED).exists()
    Order.objects.filter(pk=order.pk).update(status=S.DELIVERED)
    with pytest.raises(Conflict):
        order_update(order=order, actor=office.user, data={"card_text": "поздно"})


def test_items_of_a_confirmed_order_move_its_reservation(shop, office, bouquet, rose) -> None:
    order = make_order(shop, office.user, bouquet)
    order_transition(order=order, to=S.CONFIRMED, actor=office.user, role=Role.MANAGER)
    order_update(order=order, actor=office.user, data={"items": [{"product": bouquet, "quantity": 3}]})
    rose.refresh_from_db()
    assert rose.reserved == 15
    assert list(order.reservations.values_list("quantity", flat=True)) == [15]
    order_transition(order=order, to=S.IN_PRODUCTION, actor=office.user, role=Role.MANAGER)
    with pytest.raises(Conflict):
        order_update(order=order, actor=office.user, data={"items": [{"product": bouquet, "quantity": 1}]})


def test_assigning_a_florist_is_one_assignment_for_order_and_task(shop, office, florist, bouquet) -> None:
    order = make_order(shop, office.user, bouquet)
    order_transition(order=order, to=S.CONFIRMED, actor=office.user, role=Role.MANAGER)
    order_update(order=order, actor=office.user, data={"florist": florist.user})
    assert ProductionTask.objects.get(order=order).florist_id == florist.user_id
    assigned = order.events.get(type=EventType.ASSIGNED).data
    assert assigned == {"role": "florist", "before": None, "after": {"id": florist.user_id, "name": florist.user.name}}


def test_payments_move_the_payment_status(shop, office, bouquet) -> None:
    order = make_order(shop, office.user, bouquet)  # 15000
    payment_record(order=order, actor=office.user, amount=Decimal("5000"), method="cash")
    order.refresh_from_db()
    assert order.payment_status == PaymentStatus.PARTIALLY_PAID
    with pytest.raises(Invalid):
        payment_record(order=order, actor=office.user, amount=Decimal("10001"), method="cash")
    payment_record(order=order, actor=office.user, amount=Decimal("10000"), method="card")
    order.refresh_from_db()
    assert order.payment_status == PaymentStatus.PAID
    payment_record(order=order, actor=office.user, amount=Decimal("-15000"), method="card")
    order.refresh_from_db()
    assert (order.paid_amount, order.payment_status) == (Decimal("0.00"), PaymentStatus.REFUNDED)


def test_comments_and_issues(shop, office, courier, bouquet) -> None:
    order = make_order(shop, office.user, bouquet)
    with pytest.raises(Invalid):
        order_comment_add(order=order, actor=office.user, text="  ")
    with pytest.raises(Forbidden):
        order_issue_report(order=order, actor=courier.user, role=Role.COURIER, type="quality")
    order_issue_report(order=order, actor=courier.user, role=Role.COURIER, type="wrong_address", comment=" нет дома ")
    order.refresh_from_db()
    assert (order.issue_type, order.issue_comment) == ("wrong_address", "нет дома")
    order_issue_resolve(order=order, actor=office.user)
    with pytest.raises(Conflict):
        order_issue_resolve(order=order, actor=office.user)


def test_a_proof_photo_only_with_delivered(shop, office, bouquet) -> None:
    order = make_order(shop, office.user, bouquet)
    with pytest.raises(Invalid) as refused:
        order_transition(order=order, to=S.CONFIRMED, actor=office.user, role=Role.MANAGER, proof_photo_id=1)
    assert "photo_id" in refused.value.extra["errors"]
    order.refresh_from_db()
    assert order.status == S.NEW


@pytest.mark.parametrize(
    ("role", "kinds"),
    [
        (Role.ADMIN, set(PhotoKind)),
        (Role.MANAGER, set(PhotoKind)),
        (Role.FLORIST, {PhotoKind.BOUQUET}),
        (Role.COURIER, {PhotoKind.DELIVERY_PROOF}),
    ],
)
def test_photo_kinds_follow_the_role_matrix(role, kinds) -> None:
    assert {kind for kind in PhotoKind if photo_kind_allowed(role=role, kind=kind)} == kinds


def test_requeue_takes_the_order_back_to_confirmed_without_a_florist(shop, office, florist, bouquet) -> None:
    order = make_order(shop, office.user, bouquet)
    order_transition(order=order, to=S.CONFIRMED, actor=office.user, role=Role.MANAGER)
    order_transition(order=order, to=S.IN_PRODUCTION, actor=florist.user, role=Role.FLORIST)
    task = task_cancel(
        task=ProductionTask.objects.get(order=order),
        actor=office.user,
        role=Role.MANAGER,
        reason="заболела",
        requeue=True,
    )
    order.refresh_from_db()
    assert (order.status, order.florist_id) == (S.CONFIRMED, None)
    assert (task.status, task.florist_id, task.started_at) == (TaskStatus.PENDING, None, None)
