"""One change, one message (ARCHITECTURE §11.1; issue 11, item 9): a task completed with a
photo is one ``task_update`` and one ``order_update`` per audience, not two of each."""

from __future__ import annotations

import json
from collections import Counter
from typing import Any

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import transaction

from apps.orders.models import OrderEvent, OrderStatus
from apps.orders.services import order_comment_add, order_transition
from apps.orders.tests.factories import make_order, make_product, make_stock
from apps.production.events import publish_task_update
from apps.production.models import ProductionTask
from flowercrm.roles import Role
from flowercrm.tests.image_corpus import jpeg

pytestmark = pytest.mark.django_db
S = OrderStatus


def kinds(sent, group: str) -> Counter[tuple[str, str | None]]:
    decoded = [json.loads(message["text"]) for name, message in sent if name == group]
    return Counter((m["type"], m["event"]) for m in decoded)


def messages(sent, group: str) -> list[dict[str, Any]]:
    return [json.loads(message["text"]) for name, message in sent if name == group]


@pytest.fixture
def started(shop, member):
    office = member(Role.MANAGER)
    rose = make_stock(shop, name="Роза", quantity=20)
    order = make_order(shop, office.user, make_product(shop, recipe={rose: 3}))
    for to in (S.CONFIRMED, S.IN_PRODUCTION):
        order_transition(order=order, to=to, actor=office.user, role=Role.MANAGER)
    return order


def test_completing_a_task_with_a_photo_is_one_task_update_and_one_order_update(
    shop, started, member, api_as, sent, settings, tmp_path, django_capture_on_commit_callbacks
) -> None:
    settings.MEDIA_ROOT = str(tmp_path)
    client = api_as(member(Role.FLORIST))
    task = ProductionTask.objects.get(order=started)
    image = client.post(
        "/api/upload/image", {"file": SimpleUploadedFile("b.jpg", jpeg(), "image/jpeg")}, format="multipart"
    ).json()
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(
            f"/api/production/tasks/{task.id}/complete/", {"photo_id": image["id"], "notes": "готово"}, format="json"
        )
    assert response.status_code == 200, response.json()
    logged = list(OrderEvent.objects.filter(order=started).order_by("-id")[:2].values_list("type", "id"))
    assert [kind for kind, _ in logged] == ["photo", "status_changed"]  # the log keeps both
    for group in (f"shop.{shop.id}.office", f"shop.{shop.id}.floor"):
        assert kinds(sent, group) == Counter({("task_update", None): 1, ("order_update", "status_changed"): 1})
        [order_message] = [m for m in messages(sent, group) if m["type"] == "order_update"]
        assert order_message["id"] == logged[0][1]  # the last log entry of the change
        assert order_message["data"]["status"] == "assembled"
        [task_message] = [m for m in messages(sent, group) if m["type"] == "task_update"]
        assert task_message["data"]["status"] == "done"
        assert task_message["data"]["notes"] == "готово"
        assert task_message["data"]["result_photo"]["kind"] == "bouquet"


def test_separate_changes_are_separate_messages(
    shop, started, member, sent, django_capture_on_commit_callbacks
) -> None:
    office = member(Role.MANAGER)
    with django_capture_on_commit_callbacks(execute=True):
        order_comment_add(order=started, actor=office.user, text="1")
        order_comment_add(order=started, actor=office.user, text="2")
        publish_task_update(shop_id=shop.id, order_id=started.pk)
        publish_task_update(shop_id=shop.id, order_id=started.pk)
    assert kinds(sent, f"shop.{shop.id}.office") == Counter({("order_update", "comment"): 2, ("task_update", None): 2})


def test_a_rolled_back_savepoint_does_not_swallow_the_change_that_commits(
    shop, started, sent, django_capture_on_commit_callbacks
) -> None:
    with django_capture_on_commit_callbacks(execute=True), transaction.atomic():
        try:
            with transaction.atomic():
                publish_task_update(shop_id=shop.id, order_id=started.pk)
                raise RuntimeError
        except RuntimeError:
            pass
        publish_task_update(shop_id=shop.id, order_id=started.pk)
        publish_task_update(shop_id=shop.id, order_id=started.pk)
    assert kinds(sent, f"shop.{shop.id}.office") == Counter({("task_update", None): 1})
