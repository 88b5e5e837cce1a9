"""The status machine: the table of ARCHITECTURE §4 written out here (not read from
``apps.orders.status.TRANSITIONS``), who may make each move, every pair of statuses, and the
stock and the production task that follow the order."""

from __future__ import annotations

import itertools

import pytest

from apps.orders.models import Order, OrderStatus
from apps.orders.services import EFFECTS, order_transition
from apps.orders.status import TRANSITIONS, allowed_transitions
from apps.orders.tests.factories import make_order, make_product, make_stock
from apps.production.models import ProductionTask, TaskStatus
from apps.warehouse.models import MovementKind, StockMovement
from flowercrm.errors import Forbidden, InsufficientStock, Invalid, InvalidTransition
from flowercrm.roles import Role
from flowercrm.testing import assert_error

pytestmark = pytest.mark.django_db
S = OrderStatus
ALL = list(OrderStatus)

# Who, as ARCHITECTURE §4 names them; "courier" is the courier assigned to the order.
OFFICE = {"admin", "manager"}
FLOOR = {"admin", "manager", "florist"}
ROAD = {"admin", "manager", "courier"}
# ARCHITECTURE §4, row by row: (from, to) → (who, reason required, only for this method).
TABLE: dict[tuple[str, str], tuple[set[str], bool, str | None]] = {
    ("new", "confirmed"): (OFFICE, False, None),
    ("confirmed", "in_production"): (FLOOR, False, None),
    ("in_production", "assembled"): (FLOOR, False, None),
    ("assembled", "out_for_delivery"): (ROAD, False, "delivery"),
    ("assembled", "ready_for_pickup"): (FLOOR, False, "pickup"),
    ("out_for_delivery", "delivered"): (ROAD, False, None),
    ("ready_for_pickup", "delivered"): (FLOOR, False, None),
    ("new", "cancelled"): (OFFICE, True, None),
    ("confirmed", "cancelled"): (OFFICE, True, None),
    ("in_production", "cancelled"): (OFFICE, True, None),
    ("assembled", "cancelled"): (OFFICE, True, None),
    ("ready_for_pickup", "cancelled"): (OFFICE, True, None),
    ("out_for_delivery", "cancelled"): (OFFICE, True, None),
    ("confirmed", "new"): (OFFICE, True, None),
    ("in_production", "confirmed"): (FLOOR, True, None),
    ("assembled", "in_production"): (FLOOR, True, None),
    ("out_for_delivery", "assembled"): (ROAD, True, None),
    ("ready_for_pickup", "assembled"): (ROAD, True, None),
}
# What the production task is after each move (§4 "effect"); None: no task yet or unchanged.
TASK_AFTER = {
    ("new", "confirmed"): "pending",
    ("confirmed", "in_production"): "in_progress",
    ("in_production", "assembled"): "done",
    ("confirmed", "new"): "cancelled",
    ("in_production", "confirmed"): "pending",
    ("assembled", "in_production"): "in_progress",
    ("confirmed", "cancelled"): "cancelled",
    ("in_production", "cancelled"): "cancelled",
    ("assembled", "cancelled"): "done",  # after assembly the stems (and the work) stay done
}
# The moves that reach each status from ``new`` (with the method the path needs).
PATH = {
    "new": ([], "delivery"),
    "confirmed": (["confirmed"], "delivery"),
    "in_production": (["confirmed", "in_production"], "delivery"),
    "assembled": (["confirmed", "in_production", "assembled"], "delivery"),
    "out_for_delivery": (["confirmed", "in_production", "assembled", "out_for_delivery"], "delivery"),
    "ready_for_pickup": (["confirmed", "in_production", "assembled", "ready_for_pickup"], "pickup"),
}


def test_the_table_is_architecture_section_4() -> None:
    written = {key: (set(t.roles), t.reason_required, t.method and str(t.method)) for key, t in TRANSITIONS.items()}
    assert written == TABLE


def test_every_row_names_an_effect_that_exists() -> None:
    assert {t.effect for t in TRANSITIONS.values()} - {None} <= set(EFFECTS)
    assert set(EFFECTS) <= {t.effect for t in TRANSITIONS.values()}  # no effect without a row


@pytest.mark.parametrize("frm", ALL)
@pytest.mark.parametrize("who", ["admin", "manager", "florist", "courier", "another courier"])
@pytest.mark.parametrize("method", ["delivery", "pickup"])
def test_role_by_transition_matrix(frm, who, method) -> None:
    """The buttons each role gets in each status (the assigned courier is user 5)."""
    order = Order(status=frm, delivery_method=method, courier_id=5)
    role, user_id = (Role.COURIER, 7) if who == "another courier" else (who, 5)
    expected = [
        to
        for (f, to), (roles, _, only) in TABLE.items()
        if f == frm and who in roles and only in (None, method)  # "another courier" is in no row
    ]
    assert sorted(allowed_transitions(order, role=role, user_id=user_id)) == sorted(expected)


@pytest.mark.parametrize(("frm", "to"), sorted(TABLE))
@pytest.mark.parametrize("role", [Role.ADMIN, Role.MANAGER, Role.FLORIST, Role.COURIER])
def test_each_move_by_each_role(frm, to, role, shop, office, courier, member, bouquet) -> None:
    """The service refuses (403) exactly the roles the table leaves out; the assigned courier
    may make the road's moves."""
    roles = TABLE[(frm, to)][0]
    method = "pickup" if S.READY_FOR_PICKUP in (frm, to) else "delivery"
    order = order_in(frm, shop=shop, office=office, product=bouquet, courier_user=courier.user, method=method)
    actor = courier.user if role == Role.COURIER else member(role).user
    if role not in roles:
        with pytest.raises(Forbidden):
            order_transition(order=order, to=to, actor=actor, role=role, reason="тест")
        return
    assert order_transition(order=order, to=to, actor=actor, role=role, reason="тест").order.status == to


@pytest.mark.parametrize(("frm", "to"), sorted(TABLE))
def test_the_task_follows_each_move(frm, to, shop, office, bouquet) -> None:
    """Reach ``frm`` by real moves (so the task exists), make the move, read the task."""
    moves, method = PATH[frm]
    if to == "ready_for_pickup":
        moves, method = PATH["assembled"][0], "pickup"
    order = make_order(shop, office.user, bouquet, delivery_method=method, courier=office.user)
    for step in moves:
        order_transition(order=order, to=step, actor=office.user, role=Role.ADMIN)
    before = ProductionTask.objects.filter(order=order).values_list("status", flat=True).first()
    order_transition(order=order, to=to, actor=office.user, role=Role.ADMIN, reason="тест")
    after = ProductionTask.objects.filter(order=order).values_list("status", flat=True).first()
    assert after == TASK_AFTER.get((frm, to), before)
    if (frm, to) == ("new", "cancelled"):
        assert after is None  # never confirmed: never queued
    if TASK_AFTER.get((frm, to)) == TaskStatus.IN_PROGRESS:
        assert ProductionTask.objects.get(order=order).started_at is not None


def order_in(status, *, shop, office, product, courier_user=None, method="delivery") -> Order:
    order = make_order(shop, office.user, product, delivery_method=method, courier=courier_user)
    Order.objects.filter(pk=order.pk).update(status=status)
    order.refresh_from_db()
    return order


@pytest.mark.parametrize(("frm", "to"), list(itertools.product(ALL, ALL)))
def test_every_pair_of_statuses(frm, to, shop, office, courier, bouquet, api_as) -> None:
    method = "pickup" if S.READY_FOR_PICKUP in (frm, to) else "delivery"
    order = order_in(frm, shop=shop, office=office, product=bouquet, courier_user=courier.user, method=method)
    response = api_as(office).post(
        f"/api/orders/{order.id}/transition/", {"status": to, "reason": "тест"}, format="json"
    )
    if (frm, to) in TABLE:
        assert response.status_code == 200, response.json()
        assert response.json()["status"] == to
    else:
        assert_error(response, 409, "invalid_transition")
        order.refresh_from_db()
        assert order.status == frm


def test_delivery_only_and_pickup_only_moves(shop, office, bouquet) -> None:
    pickup = order_in(S.ASSEMBLED, shop=shop, office=office, product=bouquet, method="pickup")
    with pytest.raises(InvalidTransition):
        order_transition(order=pickup, to=S.OUT_FOR_DELIVERY, actor=office.user, role=Role.ADMIN)
    delivery = order_in(S.ASSEMBLED, shop=shop, office=office, product=bouquet)
    with pytest.raises(InvalidTransition):
        order_transition(order=delivery, to=S.READY_FOR_PICKUP, actor=office.user, role=Role.ADMIN)


def test_confirm_reserves_the_recipe_and_assembly_consumes_it(shop, office, bouquet, rose) -> None:
    order = make_order(shop, office.user, bouquet, quantity=2)
    order_transition(order=order, to=S.CONFIRMED, actor=office.user, role=Role.ADMIN)
    rose.refresh_from_db()
    assert (rose.quantity, rose.reserved) == (100, 10)
    assert list(order.reservations.values_list("stock_item_id", "quantity")) == [(rose.id, 10)]

    order_transition(order=order, to=S.IN_PRODUCTION, actor=office.user, role=Role.ADMIN)
    order_transition(order=order, to=S.ASSEMBLED, actor=office.user, role=Role.ADMIN)
    rose.refresh_from_db()
    assert (rose.quantity, rose.reserved) == (90, 0)
    movement = StockMovement.objects.get(order=order)
    assert (movement.kind, movement.delta, movement.balance_after) == (MovementKind.CONSUMPTION, -10, 90)


def test_release_gives_back_what_was_reserved_not_the_recipe_now(shop, office, bouquet, rose) -> None:
    order = make_order(shop, office.user, bouquet, quantity=1)
    order_transition(order=order, to=S.CONFIRMED, actor=office.user, role=Role.ADMIN)
    bouquet.components.update(quantity=9)  # the recipe changes after confirmation
    order_transition(order=order, to=S.CANCELLED, actor=office.user, role=Role.ADMIN, reason="клиент передумал")
    rose.refresh_from_db()
    assert (rose.quantity, rose.reserved) == (100, 0)
    assert not order.reservations.exists()


def test_back_to_new_releases_and_cancel_after_assembly_keeps_stems_consumed(shop, office, bouquet, rose) -> None:
    order = make_order(shop, office.user, bouquet)
    order_transition(order=order, to=S.CONFIRMED, actor=office.user, role=Role.ADMIN)
    order_transition(order=order, to=S.NEW, actor=office.user, role=Role.ADMIN, reason="ошибка")
    rose.refresh_from_db()
    assert rose.reserved == 0
    for to in (S.CONFIRMED, S.IN_PRODUCTION, S.ASSEMBLED):
        order_transition(order=order, to=to, actor=office.user, role=Role.ADMIN)
    order_transition(order=order, to=S.CANCELLED, actor=office.user, role=Role.ADMIN, reason="отказ")
    rose.refresh_from_db()
    assert (rose.quantity, rose.reserved) == (95, 0)


def test_reassembly_consumes_only_the_extra_stems(shop, office, bouquet, rose) -> None:
    order = make_order(shop, office.user, bouquet)
    for to in (S.CONFIRMED, S.IN_PRODUCTION, S.ASSEMBLED):
        order_transition(order=order, to=to, actor=office.user, role=Role.ADMIN)
    order_transition(order=order, to=S.IN_PRODUCTION, actor=office.user, role=Role.ADMIN, reason="переделать")
    order_transition(order=order, to=S.ASSEMBLED, actor=office.user, role=Role.ADMIN)
    rose.refresh_from_db()
    assert rose.quantity == 95  # the recipe is never taken twice
    order_transition(order=order, to=S.IN_PRODUCTION, actor=office.user, role=Role.ADMIN, reason="ещё раз")
    order_transition(order=order, to=S.ASSEMBLED, actor=office.user, role=Role.ADMIN, consumption={rose.id: 2})
    rose.refresh_from_db()
    assert rose.quantity == 93


def test_shortage_at_assembly_changes_nothing(shop, office, api_as) -> None:
    tulip = make_stock(shop, name="Тюльпан", quantity=3)
    product = make_product(shop, recipe={tulip: 5})
    order = make_order(shop, office.user, product)
    client = api_as(office)
    response = client.post(f"/api/orders/{order.id}/transition/", {"status": "confirmed"}, format="json")
    assert response.status_code == 200
    assert response.json()["shortages"] == [{"stock_item_id": tulip.id, "name": "Тюльпан", "needed": 5, "on_hand": 3}]
    client.post(f"/api/orders/{order.id}/transition/", {"status": "in_production"}, format="json")
    response = client.post(f"/api/orders/{order.id}/transition/", {"status": "assembled"}, format="json")
    body = assert_error(response, 409, "insufficient_stock")
    assert body["missing"] == [{"stock_item_id": tulip.id, "name": "Тюльпан", "needed": 5, "on_hand": 3}]
    order.refresh_from_db()
    tulip.refresh_from_db()
    assert order.status == S.IN_PRODUCTION
    assert (tulip.quantity, tulip.reserved) == (3, 5)
    assert not StockMovement.objects.filter(order=order).exists()
    assert order.events.filter(type="status_changed").count() == 2


def test_reason_is_required_for_steps_back_and_cancel(shop, office, bouquet) -> None:
    order = make_order(shop, office.user, bouquet)
    with pytest.raises(Invalid):
        order_transition(order=order, to=S.CANCELLED, actor=office.user, role=Role.ADMIN)


def test_roles_in_the_table(shop, office, courier, member, bouquet) -> None:
    florist = member(Role.FLORIST)
    order = make_order(shop, office.user, bouquet)
    with pytest.raises(Forbidden):
        order_transition(order=order, to=S.CONFIRMED, actor=florist.user, role=Role.FLORIST)
    order_transition(order=order, to=S.CONFIRMED, actor=office.user, role=Role.ADMIN)
    order_transition(order=order, to=S.IN_PRODUCTION, actor=florist.user, role=Role.FLORIST)
    order.refresh_from_db()
    assert order.florist_id == florist.user_id  # the florist who starts it takes it
    order_transition(order=order, to=S.ASSEMBLED, actor=florist.user, role=Role.FLORIST)
    # Only the assigned courier may take it out.
    with pytest.raises(Forbidden):
        order_transition(order=order, to=S.OUT_FOR_DELIVERY, actor=courier.user, role=Role.COURIER)
    Order.objects.filter(pk=order.pk).update(courier=courier.user)
    order_transition(order=order, to=S.OUT_FOR_DELIVERY, actor=courier.user, role=Role.COURIER)
    order_transition(order=order, to=S.DELIVERED, actor=courier.user, role=Role.COURIER)
    order.refresh_from_db()
    assert order.status == S.DELIVERED and order.closed_at is not None


def test_out_for_delivery_needs_an_address_and_a_courier(shop, office, courier, bouquet, api_as) -> None:
    order = make_order(shop, office.user, bouquet, delivery_address="", address_needs_clarification=True)
    Order.objects.filter(pk=order.pk).update(status=S.ASSEMBLED, courier=courier.user)
    response = api_as(office).post(f"/api/orders/{order.id}/transition/", {"status": "out_for_delivery"}, format="json")
    assert_error(response, 409, "address_required")
    Order.objects.filter(pk=order.pk).update(delivery_address="ул. Абая 1", courier=None)
    response = api_as(office).post(f"/api/orders/{order.id}/transition/", {"status": "out_for_delivery"}, format="json")
    assert_error(response, 409, "conflict")


def test_assembly_shortage_is_all_or_nothing(shop, office) -> None:
    plenty = make_stock(shop, name="Эвкалипт", quantity=50)
    scarce = make_stock(shop, name="Пион", quantity=1)
    product = make_product(shop, recipe={plenty: 3, scarce: 2})
    order = make_order(shop, office.user, product)
    for to in (S.CONFIRMED, S.IN_PRODUCTION):
        order_transition(order=order, to=to, actor=office.user, role=Role.ADMIN)
    with pytest.raises(InsufficientStock):
        order_transition(order=order, to=S.ASSEMBLED, actor=office.user, role=Role.ADMIN)
    plenty.refresh_from_db()
    assert plenty.quantity == 50
