"""Two florists tapping «take» at the same moment: one wins, the other gets 409."""

from __future__ import annotations

import pytest

from apps.orders.models import OrderStatus
from apps.orders.services import order_transition, task_take
from apps.orders.tests.factories import make_order, make_product
from apps.production.models import ProductionTask
from apps.shops.models import Shop
from flowercrm.errors import Conflict
from flowercrm.roles import Role
from flowercrm.testing import rows_locked_elsewhere, run_threads

pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.usefixtures("requires_postgres")]


def test_two_florists_take_one_task_at_once(shop, member) -> None:
    office = member(Role.MANAGER)
    florists = [member(Role.FLORIST) for _ in range(2)]
    order = make_order(shop, office.user, make_product(shop))
    order_transition(order=order, to=OrderStatus.CONFIRMED, actor=office.user, role=Role.MANAGER)
    task = ProductionTask.objects.get(order=order)

    results = run_threads(2, lambda i: task_take(task=task, actor=florists[i].user, role=Role.FLORIST).florist_id)
    winners = [r for r in results if isinstance(r, int)]
    assert len(winners) == 1
    assert sum(isinstance(r, Conflict) for r in results) == 1
    task.refresh_from_db()
    order.refresh_from_db()
    assert task.florist_id == winners[0] == order.florist_id


def test_taking_a_task_does_not_lock_the_shop(shop, member, api_as) -> None:
    # A task action locked the order and (through select_related) the shop row, which every
    # insert of the shop's rows (movements, order events) waits for: a florist completing one
    # order while a manager assembles another deadlocked on the shop and the stock rows.
    office, florist = member(Role.MANAGER), member(Role.FLORIST)
    order = make_order(shop, office.user, make_product(shop))
    order_transition(order=order, to=OrderStatus.CONFIRMED, actor=office.user, role=Role.MANAGER)
    task = ProductionTask.objects.get(order=order)
    with rows_locked_elsewhere(Shop.objects.filter(pk=shop.pk)):
        response = api_as(florist).post(f"/api/production/tasks/{task.pk}/take/")
    assert response.status_code == 200, response.content
