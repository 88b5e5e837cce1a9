"""The florists' queue and the whole flow from order to delivery through the API."""

from __future__ import annotations

import datetime as dt
import zoneinfo
from unittest import mock

import pytest
from django.db.models import F
from django.utils import timezone

from apps.orders.models import Order, OrderStatus
from apps.orders.services import order_transition
from apps.orders.tests.factories import make_order, make_product, make_stock, order_body
from apps.production.models import ProductionTask, TaskStatus
from apps.production.queue import priority_at, task_schedule
from flowercrm.roles import Role
from flowercrm.testing import assert_error

pytestmark = pytest.mark.django_db
ALMATY = zoneinfo.ZoneInfo("Asia/Almaty")


@pytest.fixture
def rose(shop):
    return make_stock(shop, name="Роза", quantity=50)


@pytest.fixture
def confirmed(shop, office, rose):
    order = make_order(shop, office.user, make_product(shop, recipe={rose: 3}))
    order_transition(order=order, to=OrderStatus.CONFIRMED, actor=office.user, role=Role.MANAGER)
    return order


def test_the_whole_flow_through_the_api(shop, office, florist, member, api_as, rose) -> None:
    courier = member(Role.COURIER)
    product = make_product(shop, recipe={rose: 3})
    manager, flo, cou = api_as(office), api_as(florist), api_as(courier)
    order = manager.post("/api/orders/", order_body(product), format="json").json()
    assert (
        manager.post(f"/api/orders/{order['id']}/transition/", {"status": "confirmed"}, format="json").status_code
        == 200
    )
    queue = flo.get("/api/production/tasks/?status=pending").json()
    assert queue["total"] == 1
    task = queue["items"][0]
    assert task["order"]["number"] == order["number"]
    assert task["order"]["card_text"] == "С днём рождения!"
    assert task["order"]["items"] == [{"name": product.name, "quantity": 1}]
    tid = task["id"]
    assert flo.post(f"/api/production/tasks/{tid}/take/").json()["florist"]["id"] == florist.user_id
    assert flo.get("/api/production/tasks/?florist=me").json()["total"] == 1
    started = flo.post(f"/api/production/tasks/{tid}/start/")
    assert started.json()["status"] == "in_progress"
    assert Order.objects.get(pk=order["id"]).status == OrderStatus.IN_PRODUCTION
    done = flo.post(f"/api/production/tasks/{tid}/complete/", {"notes": "добавила зелени"}, format="json")
    assert done.status_code == 200, done.json()
    assert done.json()["status"] == "done" and done.json()["notes"] == "добавила зелени"
    rose.refresh_from_db()
    assert (rose.quantity, rose.reserved) == (47, 0)
    assert (
        manager.patch(f"/api/orders/{order['id']}/", {"courier_id": courier.user_id}, format="json").status_code == 200
    )
    assert cou.get("/api/orders/").json()["total"] == 1
    assert (
        cou.post(f"/api/orders/{order['id']}/transition/", {"status": "out_for_delivery"}, format="json").status_code
        == 200
    )
    delivered = cou.post(f"/api/orders/{order['id']}/transition/", {"status": "delivered"}, format="json")
    assert delivered.json()["status"] == "delivered"
    detail = manager.get(f"/api/orders/{order['id']}/").json()
    assert detail["florist"]["id"] == florist.user_id
    assert [e["data"].get("after") for e in detail["events"] if e["type"] == "status_changed"] == [
        "confirmed",
        "in_production",
        "assembled",
        "out_for_delivery",
        "delivered",
    ]


def test_a_task_taken_by_someone_else_is_409(confirmed, florist, member, api_as) -> None:
    other = member(Role.FLORIST)
    task = ProductionTask.objects.get(order=confirmed)
    assert api_as(florist).post(f"/api/production/tasks/{task.id}/take/").status_code == 200
    assert_error(api_as(other).post(f"/api/production/tasks/{task.id}/take/"), 409, "conflict")
    assert_error(api_as(other).post(f"/api/production/tasks/{task.id}/start/"), 409, "conflict")
    task.refresh_from_db()
    assert task.florist_id == florist.user_id


def test_manager_assigns_and_cancel_paths(confirmed, office, florist, api_as, rose, member) -> None:
    task = ProductionTask.objects.get(order=confirmed)
    manager = api_as(office)
    courier = member(Role.COURIER)
    assert_error(
        manager.patch(f"/api/production/tasks/{task.id}/", {"florist_id": courier.user_id}, format="json"),
        400,
        "invalid",
    )
    r = manager.patch(f"/api/production/tasks/{task.id}/", {"florist_id": florist.user_id}, format="json")
    assert r.json()["florist"]["id"] == florist.user_id
    confirmed.refresh_from_db()
    assert confirmed.florist_id == florist.user_id  # order.florist mirrors task.florist
    api_as(florist).post(f"/api/production/tasks/{task.id}/start/")
    r = manager.post(
        f"/api/production/tasks/{task.id}/cancel/", {"reason": "переделать", "requeue": True}, format="json"
    )
    assert r.json()["status"] == "pending" and r.json()["florist"] is None
    confirmed.refresh_from_db()
    assert confirmed.status == OrderStatus.CONFIRMED and confirmed.florist_id is None
    assert_error(
        manager.post(f"/api/production/tasks/{task.id}/cancel/", {"requeue": False}, format="json"), 400, "invalid"
    )
    r = manager.post(f"/api/production/tasks/{task.id}/cancel/", {"reason": "отказ", "requeue": False}, format="json")
    assert r.json()["status"] == "cancelled"
    confirmed.refresh_from_db()
    rose.refresh_from_db()
    assert confirmed.status == OrderStatus.CANCELLED and rose.reserved == 0


def test_cancelling_the_order_cancels_the_task_and_back_to_new_too(confirmed, office) -> None:
    task = ProductionTask.objects.get(order=confirmed)
    order_transition(order=confirmed, to=OrderStatus.NEW, actor=office.user, role=Role.MANAGER, reason="ошибка")
    task.refresh_from_db()
    assert task.status == TaskStatus.CANCELLED
    order_transition(order=confirmed, to=OrderStatus.CONFIRMED, actor=office.user, role=Role.MANAGER)
    task.refresh_from_db()
    assert task.status == TaskStatus.PENDING  # one task per order, reopened
    assert ProductionTask.objects.filter(order=confirmed).count() == 1


def test_deadline_and_priority_in_the_shops_zone(shop, office) -> None:
    shop.preparation_minutes = 90
    shop.save()
    order = make_order(
        shop,
        office.user,
        make_product(shop),
        delivery_date=dt.date(2026, 12, 1),
        delivery_time_from=dt.time(10),
        delivery_time_to=dt.time(12),
    )
    window_start, deadline = task_schedule(order)
    assert window_start == dt.datetime(2026, 12, 1, 10, 0, tzinfo=ALMATY)
    assert window_start.astimezone(dt.UTC) == dt.datetime(2026, 12, 1, 5, 0, tzinfo=dt.UTC)  # UTC+5
    assert deadline == dt.datetime(2026, 12, 1, 8, 30, tzinfo=ALMATY)
    assert priority_at(window_start, window_start - dt.timedelta(minutes=119)) == "urgent"
    assert priority_at(window_start, window_start - dt.timedelta(hours=3)) == "high"
    assert priority_at(window_start, window_start - dt.timedelta(hours=4, minutes=1)) == "normal"
    no_window = make_order(shop, office.user, make_product(shop), delivery_time_from=None, delivery_time_to=None)
    assert task_schedule(no_window)[0] == dt.datetime(2026, 12, 1, 9, 0, tzinfo=ALMATY)


def test_queue_order_priority_and_filters(shop, office, florist, api_as) -> None:
    late = make_order(
        shop, office.user, make_product(shop), delivery_time_from=dt.time(16), delivery_time_to=dt.time(18)
    )
    early = make_order(
        shop, office.user, make_product(shop), delivery_time_from=dt.time(9), delivery_time_to=dt.time(10)
    )
    tomorrow = make_order(shop, office.user, make_product(shop), delivery_date=dt.date(2026, 12, 2))
    for order in (late, early, tomorrow):
        order_transition(order=order, to=OrderStatus.CONFIRMED, actor=office.user, role=Role.MANAGER)
    now = dt.datetime(2026, 12, 1, 8, 0, tzinfo=ALMATY)
    with mock.patch("apps.production.api.views.timezone.now", return_value=now):
        queue = api_as(florist).get("/api/production/tasks/").json()["items"]
    assert [t["order"]["id"] for t in queue] == [early.id, late.id, tomorrow.id]
    assert [t["priority"] for t in queue] == ["urgent", "normal", "normal"]
    assert queue[0]["deadline"] == "2026-12-01T08:00:00+05:00"
    dated = api_as(florist).get("/api/production/tasks/?date=2026-12-02").json()["items"]
    assert [t["order"]["id"] for t in dated] == [tomorrow.id]
    assert_error(api_as(florist).get("/api/production/tasks/?status=lost"), 400, "invalid")


def test_stats_per_florist(shop, office, florist, api_as, rose) -> None:
    product = make_product(shop, recipe={rose: 1})
    in_two_days = timezone.localdate(timezone=shop.zoneinfo) + dt.timedelta(days=2)
    for minutes in (30, 50):
        order = make_order(shop, office.user, product, delivery_date=in_two_days)
        order_transition(order=order, to=OrderStatus.CONFIRMED, actor=office.user, role=Role.MANAGER)
        order_transition(order=order, to=OrderStatus.IN_PRODUCTION, actor=florist.user, role=Role.FLORIST)
        started = timezone.now() - dt.timedelta(minutes=minutes)
        # The 50-minute bouquet was due 10 minutes ago: it finishes late.
        deadline = timezone.now() - dt.timedelta(minutes=10) if minutes == 50 else F("window_start")
        ProductionTask.objects.filter(order=order).update(started_at=started, deadline=deadline)
        order_transition(order=order, to=OrderStatus.ASSEMBLED, actor=florist.user, role=Role.FLORIST)
    today = timezone.localdate(timezone=shop.zoneinfo)
    body = api_as(office).get(f"/api/production/stats/?date_from={today}&date_to={today}").json()
    assert body["items"] == [
        {
            "florist": {"id": florist.user_id, "name": florist.user.name},
            "tasks_done": 2,
            "median_minutes": 40,
            "late_tasks": 1,
        }
    ]
    assert_error(api_as(florist).get("/api/production/stats/"), 403, "permission_denied")
    assert_error(api_as(office).get("/api/production/stats/?date_from=2026-12-02&date_to=2026-12-01"), 400, "invalid")
    # Found by fuzzing: the last day there is overflowed computing the next midnight (500).
    everything = api_as(office).get("/api/production/stats/?date_from=0001-01-01&date_to=9999-12-31")
    assert everything.json()["items"] == body["items"]


ROLE_EXPECTED = {
    # list, take, patch, cancel
    Role.ADMIN: (200, 200, 200, 200),
    Role.MANAGER: (200, 200, 200, 200),
    Role.FLORIST: (200, 200, 403, 403),
    Role.COURIER: (403, 403, 403, 403),
}


@pytest.mark.parametrize("role", list(ROLE_EXPECTED))
def test_role_matrix(role, confirmed, member, api_as) -> None:
    caller = api_as(member(role))
    task = ProductionTask.objects.get(order=confirmed)
    got = (
        caller.get("/api/production/tasks/").status_code,
        caller.post(f"/api/production/tasks/{task.id}/take/").status_code,
        caller.patch(f"/api/production/tasks/{task.id}/", {"notes": "x"}, format="json").status_code,
        caller.post(
            f"/api/production/tasks/{task.id}/cancel/", {"reason": "x", "requeue": True}, format="json"
        ).status_code,
    )
    assert got == ROLE_EXPECTED[role]


def test_another_shops_task_is_404(confirmed, other_shop, member, api_as) -> None:
    stranger = api_as(member(Role.FLORIST, shop=other_shop))
    task = ProductionTask.objects.get(order=confirmed)
    assert_error(stranger.get(f"/api/production/tasks/{task.id}/"), 404, "not_found")
    assert_error(stranger.post(f"/api/production/tasks/{task.id}/take/"), 404, "not_found")
    assert stranger.get("/api/production/tasks/").json()["total"] == 0


@pytest.mark.parametrize("rows", [1, 20])
def test_queue_query_count(rows, shop, office, florist, api_as, django_assert_max_num_queries) -> None:
    product = make_product(shop)
    for _ in range(rows):
        order = make_order(shop, office.user, product, quantity=2)
        order_transition(order=order, to=OrderStatus.CONFIRMED, actor=office.user, role=Role.MANAGER)
    client = api_as(florist)
    with django_assert_max_num_queries(7):
        assert client.get("/api/production/tasks/").json()["total"] == rows


def test_complete_with_a_photo_makes_it_the_bouquet_photo(confirmed, florist, api_as, api, settings, tmp_path) -> None:
    from django.core.files.uploadedfile import SimpleUploadedFile

    from flowercrm.tests.image_corpus import jpeg

    settings.MEDIA_ROOT = str(tmp_path)
    client = api_as(florist)
    task = ProductionTask.objects.get(order=confirmed)
    image = client.post(
        "/api/upload/image", {"file": SimpleUploadedFile("b.jpg", jpeg(), "image/jpeg")}, format="multipart"
    )
    client.post(f"/api/production/tasks/{task.id}/start/")
    done = client.post(f"/api/production/tasks/{task.id}/complete/", {"photo_id": image.json()["id"]}, format="json")
    assert done.status_code == 200, done.json()
    assert done.json()["result_photo"]["kind"] == "bouquet"
    assert api.get(f"/api/tracking/{confirmed.tracking_token}/").json()["photo"] is not None
