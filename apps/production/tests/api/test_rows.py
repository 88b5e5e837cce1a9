"""The queue row on ``/ws`` (``apps.production.events.task_row``, plain data, so production's
events never import the API) is the dict of the API's ``TaskSerializer``; the floor gets it
only for tasks of orders florists may see."""

from __future__ import annotations

import datetime as dt

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import timezone

from apps.orders.models import Order, OrderStatus
from apps.orders.services import order_transition
from apps.orders.tests.factories import make_order, make_product
from apps.production.api.serializers import TaskSerializer
from apps.production.events import _TaskPayload, task_row
from apps.production.models import ProductionTask
from apps.production.selectors import task_list
from flowercrm import events
from flowercrm.roles import Role
from flowercrm.tests.image_corpus import jpeg

pytestmark = pytest.mark.django_db


@pytest.fixture
def done_with_photo(shop, member, api_as, settings, tmp_path):
    """A task started, completed with a photo and notes: every field of the row is set."""
    settings.MEDIA_ROOT = str(tmp_path)
    office, florist = member(Role.MANAGER), member(Role.FLORIST)
    order = make_order(shop, office.user, make_product(shop), quantity=3)
    order_transition(order=order, to=OrderStatus.CONFIRMED, actor=office.user, role=Role.MANAGER)
    task = ProductionTask.objects.get(order=order)
    client = api_as(florist)
    image = client.post(
        "/api/upload/image", {"file": SimpleUploadedFile("b.jpg", jpeg(), "image/jpeg")}, format="multipart"
    ).json()
    client.post(f"/api/production/tasks/{task.id}/take/")
    client.post(f"/api/production/tasks/{task.id}/start/")
    done = client.post(
        f"/api/production/tasks/{task.id}/complete/", {"photo_id": image["id"], "notes": "Без лент"}, format="json"
    )
    assert done.status_code == 200, done.json()
    return shop, order, task


def _rows(shop, task_id: int, now: dt.datetime) -> tuple[dict, dict]:
    task = task_list(shop=shop).get(pk=task_id)
    return task_row(task, now=now), dict(TaskSerializer(task, context={"now": now}).data)


def test_task_row_is_the_task_serializer(done_with_photo, shop) -> None:
    _, _, task = done_with_photo
    now = timezone.now()
    with timezone.override(shop.zoneinfo):
        row, expected = _rows(shop, task.pk, now)
    assert row["result_photo"] is not None and row["florist"] is not None and row["minutes_spent"] is not None
    assert row == expected
    assert list(row) == list(expected)
    with timezone.override(dt.UTC):
        row, expected = _rows(shop, task.pk, now + dt.timedelta(days=3))  # another priority, UTC
    assert row == expected


def test_a_pending_task_without_florist_or_photo(shop, member) -> None:
    office = member(Role.MANAGER)
    order = make_order(shop, office.user, make_product(shop), delivery_time_from=None, delivery_time_to=None)
    order_transition(order=order, to=OrderStatus.CONFIRMED, actor=office.user, role=Role.MANAGER)
    task = ProductionTask.objects.get(order=order)
    with timezone.override(shop.zoneinfo):
        row, expected = _rows(shop, task.pk, timezone.now())
    assert row["florist"] is None and row["result_photo"] is None and row["order"]["delivery_time_from"] is None
    assert row == expected


def test_the_floor_gets_only_tasks_of_orders_florists_may_see(shop, member) -> None:
    office = member(Role.MANAGER)
    order = make_order(shop, office.user, make_product(shop))
    order_transition(order=order, to=OrderStatus.CONFIRMED, actor=office.user, role=Role.MANAGER)
    payload = _TaskPayload(shop_id=shop.id, order_id=order.pk)
    assert payload(events.FLOOR) is not None and payload(events.FLOOR) == payload(events.OFFICE)
    # Sent back to new: the office still sees the (cancelled) task, the floor no longer does.
    order_transition(order=order, to=OrderStatus.NEW, actor=office.user, role=Role.MANAGER, reason="Ошибка")
    assert Order.objects.get(pk=order.pk).status == OrderStatus.NEW
    payload = _TaskPayload(shop_id=shop.id, order_id=order.pk)
    assert payload(events.OFFICE) is not None
    assert payload(events.FLOOR) is None
