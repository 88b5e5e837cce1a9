"""The florists' queue in the admin: order links, priority, the delivery, and the filters the
dashboard links to (``?status__exact=``), by florist (the shop's own) and by priority."""

from __future__ import annotations

import datetime as dt

import pytest
from django.test import Client
from django.utils import timezone

from apps.orders.models import OrderStatus
from apps.orders.services import order_transition
from apps.orders.tests.factories import make_order
from apps.production.models import ProductionTask, TaskStatus
from apps.shops.models import Membership, Shop
from apps.shops.tests.factories import MembershipFactory
from flowercrm.roles import Role
from flowercrm.tests.admin_data import admin_browser

pytestmark = pytest.mark.django_db

TASKS = "/admin/production/productiontask/"


@pytest.fixture
def boss(shop: Shop) -> Membership:
    return MembershipFactory(shop=shop, role=Role.ADMIN)


def _task(shop: Shop, actor: Membership, *, when: dt.datetime, florist: object = None) -> ProductionTask:
    local = timezone.localtime(when, shop.zoneinfo)
    at = local.time().replace(second=0, microsecond=0)
    order = make_order(shop, actor.user, delivery_date=local.date(), delivery_time_from=at, delivery_time_to=at)
    order_transition(order=order, to=OrderStatus.CONFIRMED, actor=actor.user, role=Role.ADMIN)
    if florist is not None:  # assigned (the service's work is not the subject here)
        ProductionTask.objects.filter(order=order).update(florist=florist)
    return ProductionTask.objects.get(order=order)


def _ids(client: Client, **params: str) -> set[int]:
    response = client.get(TASKS, params)
    assert response.status_code == 200
    return {t.pk for t in response.context["cl"].result_list}


def test_the_list_links_the_order_and_shows_priority_and_delivery(boss: Membership, shop: Shop) -> None:
    task = _task(shop, boss, when=timezone.now() + dt.timedelta(hours=1))
    html = admin_browser(boss).get(TASKS).content.decode()
    assert f'href="/admin/orders/order/{task.order_id}/change/"' in html
    assert f"Заказ {task.order.number}" in html
    assert '<strong class="fc-negative">Срочно</strong>' in html


def test_status_filter_as_the_dashboard_links_it(boss: Membership, shop: Shop) -> None:
    pending = _task(shop, boss, when=timezone.now() + dt.timedelta(days=1))
    done = _task(shop, boss, when=timezone.now() + dt.timedelta(days=2))
    ProductionTask.objects.filter(pk=done.pk).update(status=TaskStatus.DONE)
    client = admin_browser(boss)
    assert _ids(client, status__exact="pending") == {pending.pk}
    assert _ids(client, status__exact="done") == {done.pk}


def test_priority_filter(boss: Membership, shop: Shop) -> None:
    now = timezone.now()
    urgent = _task(shop, boss, when=now + dt.timedelta(hours=1))
    high = _task(shop, boss, when=now + dt.timedelta(hours=3))
    normal = _task(shop, boss, when=now + dt.timedelta(days=1))
    client = admin_browser(boss)
    assert _ids(client, priority="urgent") == {urgent.pk}
    assert _ids(client, priority="high") == {high.pk}
    assert _ids(client, priority="normal") == {normal.pk}
    assert _ids(client, priority="nonsense") == {urgent.pk, high.pk, normal.pk}


def test_florist_filter_is_the_shops_own(boss: Membership, shop: Shop, other_shop: Shop) -> None:
    mine = MembershipFactory(shop=shop, role=Role.FLORIST, user__name="Дана Флористова")
    foreign = MembershipFactory(shop=other_shop, role=Role.FLORIST, user__name="Чужая Флористка")
    other_boss = MembershipFactory(shop=other_shop, role=Role.ADMIN)
    assigned = _task(shop, boss, when=timezone.now() + dt.timedelta(days=1), florist=mine.user)
    free = _task(shop, boss, when=timezone.now() + dt.timedelta(days=1))
    _task(other_shop, other_boss, when=timezone.now() + dt.timedelta(days=1), florist=foreign.user)
    client = admin_browser(boss)
    assert _ids(client, florist__id__exact=str(mine.user_id)) == {assigned.pk}
    assert _ids(client, florist__isnull="True") == {free.pk}
    assert _ids(client, florist__id__exact=str(foreign.user_id)) == set()
    html = client.get(TASKS).content.decode()
    assert "Дана Флористова" in html and "Чужая Флористка" not in html


def test_requeue_says_how_many(boss: Membership, shop: Shop) -> None:
    florist = MembershipFactory(shop=shop, role=Role.FLORIST)
    task = _task(shop, boss, when=timezone.now() + dt.timedelta(days=1), florist=florist.user)
    response = admin_browser(boss).post(TASKS, {"action": "requeue", "_selected_action": [task.pk]}, follow=True)
    assert [str(m) for m in response.context["messages"]] == ["Возвращено в очередь: 1."]
    task.refresh_from_db()
    assert task.florist_id is None
