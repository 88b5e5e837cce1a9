"""The queue list answers from plain values (``apps.production.rows``), not from
``TaskSerializer`` (issue 17). The serializer stays the one description of the row: here the
list's body, byte for byte, is the body DRF would render from it, for every role that reads
the queue, on tasks with every edge the row has (done with a photo and notes, no florist, no
window, two lines, cancelled with a reason, an order sent back to new)."""

from __future__ import annotations

import datetime as dt

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import timezone, translation
from rest_framework.renderers import JSONRenderer
from rest_framework.test import APIRequestFactory

from apps.orders.models import OrderStatus
from apps.orders.services import order_transition
from apps.orders.tests.factories import make_order, make_product
from apps.orders.visibility import florist_visible_q
from apps.production.api.serializers import TaskSerializer
from apps.production.api.views import OPEN_FIRST
from apps.production.models import ProductionTask
from apps.production.selectors import task_list
from flowercrm.roles import Role
from flowercrm.tests.image_corpus import jpeg

pytestmark = pytest.mark.django_db
ROLES = [Role.ADMIN, Role.MANAGER, Role.FLORIST]


@pytest.fixture
def world(shop, member, api_as, settings, tmp_path):
    settings.MEDIA_ROOT = str(tmp_path)
    members = {role: member(role) for role in ROLES}
    office, florist = members[Role.MANAGER].user, members[Role.FLORIST]
    product = make_product(shop)

    def confirmed(**fields):
        order = make_order(shop, office, product, **fields)
        order_transition(order=order, to=OrderStatus.CONFIRMED, actor=office, role=Role.MANAGER)
        return order, ProductionTask.objects.get(order=order)

    _, done = confirmed(quantity=3, card_text="С днём рождения!", comment="без лент")
    client = api_as(florist)
    image = client.post(
        "/api/upload/image", {"file": SimpleUploadedFile("b.jpg", jpeg(), "image/jpeg")}, format="multipart"
    ).json()
    client.post(f"/api/production/tasks/{done.id}/take/")
    client.post(f"/api/production/tasks/{done.id}/start/")
    answer = client.post(f"/api/production/tasks/{done.id}/complete/", {"photo_id": image["id"], "notes": "ok"})
    assert answer.status_code == 200, answer.content
    two_lines, _ = confirmed(delivery_time_from=None, delivery_time_to=None, delivery_method="pickup")
    second = two_lines.items.get()
    second.pk, second.name, second.quantity = None, "Открытка", 2
    second.save()
    _, taken = confirmed(delivery_date=dt.date(2026, 12, 24))
    client.post(f"/api/production/tasks/{taken.id}/take/")
    back, _ = confirmed()
    order_transition(order=back, to=OrderStatus.NEW, actor=office, role=Role.MANAGER, reason="Ошибка")
    return shop, members


def _serializer_body(shop, role, *, skip: int = 0, limit: int = 100) -> bytes:
    """The page as ``TaskSerializer`` renders it (DRF's renderer), in the queue's order."""
    tasks = task_list(shop=shop)
    if role == Role.FLORIST:
        tasks = tasks.filter(florist_visible_q("order__"))
    tasks = tasks.annotate(open_first=OPEN_FIRST).order_by("open_first", "deadline", "id")
    context = {"request": APIRequestFactory().get("/api/production/tasks/"), "now": timezone.now()}
    with timezone.override(shop.zoneinfo):
        items = TaskSerializer(tasks, many=True, context=context).data
    return JSONRenderer().render({"items": items[skip : skip + limit], "total": len(items)})


@pytest.mark.parametrize("role", ROLES)
def test_the_list_is_the_serializer_byte_for_byte(world, api_as, role) -> None:
    shop, members = world
    response = api_as(members[role]).get("/api/production/tasks/")
    assert response.status_code == 200
    assert response.content == _serializer_body(shop, role)
    assert response.json()["total"] == {Role.FLORIST: 3}.get(role, 4)


@pytest.mark.parametrize("role", ROLES)
def test_the_list_in_english_and_paged_is_the_serializer_too(world, api_as, role) -> None:
    shop, members = world
    response = api_as(members[role]).get("/api/production/tasks/?skip=1&limit=2", HTTP_ACCEPT_LANGUAGE="en")
    with translation.override("en"):
        expected = _serializer_body(shop, role, skip=1, limit=2)
    assert response.content == expected
    assert len(response.json()["items"]) == 2


def test_the_rows_carry_every_edge(world, api_as) -> None:
    """The comparison above compares something: the edges are there, as the contract writes them."""
    shop, members = world
    rows = api_as(members[Role.MANAGER]).get("/api/production/tasks/").json()["items"]
    by_status = {row["status"]: row for row in rows}
    done = by_status["done"]
    assert done["result_photo"]["image"]["url"].startswith("http://testserver/")
    assert done["result_photo"]["created_by"]["id"] == members[Role.FLORIST].user.pk
    assert done["order"]["card_text"] == "С днём рождения!" and done["minutes_spent"] is not None
    assert by_status["cancelled"]["cancel_reason"] and by_status["cancelled"]["order"]["status"] == "new"
    pending = [row for row in rows if row["status"] == "pending"]
    two_lines = next(row for row in pending if len(row["order"]["items"]) == 2)
    assert two_lines["order"]["items"][1] == {"name": "Открытка", "quantity": 2}
    assert two_lines["order"]["delivery_time_from"] is None and two_lines["florist"] is None
    assert any(row["florist"] is not None for row in pending)  # taken, not started
    assert done["created_at"][-6:] == "+05:00"  # the shop's zone (Asia/Almaty)


def test_the_list_costs_four_queries_whatever_the_page(world, api_as, django_assert_num_queries) -> None:
    """Authentication, the count, the page (order, florist and photo joined), the orders'
    lines — one query fewer than the prefetch through the orders before."""
    shop, members = world
    client = api_as(members[Role.MANAGER])
    with django_assert_num_queries(4):
        assert client.get("/api/production/tasks/?limit=1").json()["total"] == 4
    product = make_product(shop)
    for _ in range(5):
        order = make_order(shop, members[Role.MANAGER].user, product, quantity=2)
        order_transition(order=order, to=OrderStatus.CONFIRMED, actor=members[Role.MANAGER].user, role=Role.MANAGER)
    with django_assert_num_queries(4):
        assert len(client.get("/api/production/tasks/?limit=100").json()["items"]) == 9
