"""Telegram notifications of staff: new orders to the office, assignments to the assignee."""

from __future__ import annotations

import pytest
from django.utils import translation

from apps.orders.models import OrderStatus
from apps.orders.services import order_transition, order_update, task_take
from apps.orders.tests.factories import make_order, make_product
from apps.production.models import ProductionTask
from flowercrm.roles import Role

pytestmark = pytest.mark.django_db


def linked(membership, chat_id: int):
    membership.user.telegram_id = chat_id
    membership.user.save()
    return membership


@pytest.fixture
def staff(member):
    return {
        "admin": linked(member(Role.ADMIN), 101),
        "manager": linked(member(Role.MANAGER), 102),
        "unlinked_manager": member(Role.MANAGER),
        "florist": linked(member(Role.FLORIST), 103),
        "courier": linked(member(Role.COURIER), 104),
    }


def test_a_new_order_goes_to_linked_admins_and_managers(
    shop, staff, telegram_outbox, django_capture_on_commit_callbacks
) -> None:
    with django_capture_on_commit_callbacks(execute=True):
        order = make_order(shop, staff["manager"].user, make_product(shop, price="15000"))
    assert sorted(m.chat_id for m in telegram_outbox) == [101, 102]
    assert f"Новый заказ №{order.number}" in telegram_outbox[0].text
    assert "15000.00 KZT" in telegram_outbox[0].text


def test_assigned_courier_and_florist_are_told(
    shop, staff, telegram_outbox, django_capture_on_commit_callbacks
) -> None:
    order = make_order(shop, staff["manager"].user, make_product(shop))
    telegram_outbox.clear()
    with django_capture_on_commit_callbacks(execute=True):
        order_update(order=order, actor=staff["manager"].user, data={"courier": staff["courier"].user})
    assert [m.chat_id for m in telegram_outbox] == [104]
    assert "Вам назначена доставка" in telegram_outbox[0].text and "ул. Абая" in telegram_outbox[0].text
    order_transition(order=order, to=OrderStatus.CONFIRMED, actor=staff["manager"].user, role=Role.MANAGER)
    telegram_outbox.clear()
    with django_capture_on_commit_callbacks(execute=True):
        task_take(task=ProductionTask.objects.get(order=order), actor=staff["florist"].user, role=Role.FLORIST)
    assert [m.chat_id for m in telegram_outbox] == [103]
    assert "Вам назначен букет" in telegram_outbox[0].text


def test_nothing_is_sent_for_rolled_back_work(shop, staff, telegram_outbox, django_capture_on_commit_callbacks) -> None:
    from django.db import transaction

    with django_capture_on_commit_callbacks(execute=True) as callbacks:
        try:
            with transaction.atomic():
                make_order(shop, staff["manager"].user, make_product(shop))
                raise RuntimeError("rollback")
        except RuntimeError:
            pass
    assert telegram_outbox == []
    assert not any("notify" in repr(cb) for cb in callbacks)


def test_notifications_speak_the_shops_language_whatever_the_writer_reads(
    shop, staff, telegram_outbox, django_capture_on_commit_callbacks
) -> None:
    """An English-speaking manager's change reaches a Russian courier in Russian."""
    order = make_order(shop, staff["manager"].user, make_product(shop))
    telegram_outbox.clear()
    with translation.override("en"):
        with django_capture_on_commit_callbacks(execute=True):
            order_update(order=order, actor=staff["manager"].user, data={"courier": staff["courier"].user})
        assert translation.get_language() == "en"  # the writer's language is left as it was
    [message] = telegram_outbox
    assert message.text.startswith(f"Вам назначена доставка: заказ №{order.number}, 01.12.2026 10:00–12:00\n")
    assert "\nАдрес: ул. Абая 10, кв 5\n" in message.text
    assert "К оплате при получении:" in message.text
