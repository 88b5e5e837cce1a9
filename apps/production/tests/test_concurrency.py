"""Two florists tapping «take» at the same moment: one wins, the other gets 409."""

from __future__ import annotations

import pytest

from apps.orders.models import OrderStatus
from apps.orders.services import order_transition
from apps.orders.tests.factories import make_order, make_product
from apps.production.models import ProductionTask
from apps.production.services import task_take
from flowercrm.errors import Conflict
from flowercrm.roles import Role
from flowercrm.testing import run_threads

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
