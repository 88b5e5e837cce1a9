"""The order's timeline in words (``apps.orders.timeline``): one sentence per event type, in
Russian and in English, times in the shop's time zone, one query for any number of events."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest
from django.utils import translation

from apps.orders import services
from apps.orders.models import EventType, IssueType, OrderEvent, OrderStatus, PaymentMethod, PhotoKind
from apps.orders.tests.factories import make_order, make_product
from apps.orders.timeline import event_text, money_text, order_timeline
from flowercrm.roles import Role

pytestmark = pytest.mark.django_db


@pytest.fixture
def staff(member):
    manager = member(Role.MANAGER)
    manager.user.name = "Айгерим"
    manager.user.save()
    courier = member(Role.COURIER)
    courier.user.name = "Ерлан"
    courier.user.save()
    florist = member(Role.FLORIST)
    florist.user.name = "Дина"
    florist.user.save()
    return manager.user, courier.user, florist.user


@pytest.fixture
def order(shop, staff):
    return make_order(shop, staff[0], make_product(shop, price="5000"), delivery_fee=Decimal(0))


def _last(order) -> OrderEvent:
    return order.events.select_related("actor").order_by("-id").first()


def _sentence(order, lang: str) -> str:
    with translation.override(lang):
        return str(order_timeline(order)[-1])


def test_money_is_grouped_with_the_shops_sign() -> None:
    with translation.override("ru"):
        assert money_text(Decimal("5000.00"), "KZT") == "5 000 ₸"
        assert money_text(Decimal("1234567.5"), "KZT") == "1 234 567,50 ₸"
        assert money_text(Decimal("-2000"), "RUB") == "-2 000 ₽"
        assert money_text(Decimal("12"), "GBP") == "12 GBP"
    with translation.override("en"):
        assert money_text(Decimal("0.5"), "USD") == "0.50 $"


def test_times_are_in_the_shops_time_zone(order, shop) -> None:
    # 07:04 UTC is 12:04 in Almaty (UTC+5).
    OrderEvent.objects.filter(order=order).update(created_at=dt.datetime(2026, 11, 30, 7, 4, tzinfo=dt.UTC))
    with translation.override("ru"):
        entry = order_timeline(order)[0]
    assert entry.time == "12:04" and entry.day == dt.date(2026, 11, 30)
    shop.time_zone = "Europe/Moscow"
    shop.save()
    order.refresh_from_db()
    assert order_timeline(order)[0].time == "10:04"


def test_created(order) -> None:
    time = order_timeline(order)[0].time
    assert _sentence(order, "ru") == f"{time} Айгерим — создан заказ №{order.number} на 5 000 ₸"
    assert _sentence(order, "en") == f"{time} Айгерим — order №{order.number} created, 5 000 ₸"


def test_status_changed_with_labels_and_reason(order, staff) -> None:
    manager = staff[0]
    services.order_transition(order=order, to=OrderStatus.CONFIRMED, actor=manager, role=Role.MANAGER)
    assert _sentence(order, "ru").endswith("Айгерим — статус: Новый → Подтверждён")
    with translation.override("en"):
        new, confirmed = str(OrderStatus.NEW.label), str(OrderStatus.CONFIRMED.label)
    assert _sentence(order, "en").endswith(f"Айгерим — status: {new} → {confirmed}")
    services.order_transition(order=order, to=OrderStatus.NEW, actor=manager, role=Role.MANAGER, reason="клиент думает")
    assert _sentence(order, "ru").endswith("статус: Подтверждён → Новый (причина: клиент думает)")
    assert _sentence(order, "en").endswith(f"status: {confirmed} → {new} (reason: клиент думает)")


def test_payment_and_refund(order, staff) -> None:
    manager = staff[0]
    services.payment_record(order=order, actor=manager, amount=Decimal(5000), method=PaymentMethod.KASPI)
    assert _sentence(order, "ru").endswith("Айгерим — оплата 5 000 ₸ (Kaspi)")
    assert _sentence(order, "en").endswith("Айгерим — payment 5 000 ₸ (Kaspi)")
    services.payment_record(order=order, actor=manager, amount=Decimal(-2000), method=PaymentMethod.CASH)
    assert _sentence(order, "ru").endswith("возврат 2 000 ₸ (Наличные)")
    with translation.override("en"):
        cash = str(PaymentMethod.CASH.label)
    assert _sentence(order, "en").endswith(f"refund 2 000 ₸ ({cash})")


def test_assignments(order, staff) -> None:
    manager, courier, florist = staff
    services.order_update(order=order, actor=manager, data={"courier": courier})
    assert _sentence(order, "ru").endswith("Айгерим — назначен курьер: Ерлан")
    assert _sentence(order, "en").endswith("Айгерим — courier assigned: Ерлан")
    services.order_update(order=order, actor=manager, data={"courier": manager})
    assert _sentence(order, "ru").endswith("сменён курьер: Ерлан → Айгерим")
    assert _sentence(order, "en").endswith("courier changed: Ерлан → Айгерим")
    services.order_update(order=order, actor=manager, data={"courier": None})
    assert _sentence(order, "ru").endswith("снят курьер: Айгерим")
    assert _sentence(order, "en").endswith("courier unassigned: Айгерим")
    services.order_update(order=order, actor=manager, data={"florist": florist})
    assert _sentence(order, "ru").endswith("назначен флорист: Дина")
    assert _sentence(order, "en").endswith("florist assigned: Дина")


def test_comment(order, staff) -> None:
    services.order_comment_add(order=order, actor=staff[0], text="Позвонить до 10")
    assert _sentence(order, "ru").endswith("Айгерим — комментарий: Позвонить до 10")
    assert _sentence(order, "en").endswith("Айгерим — comment: Позвонить до 10")


def test_issue_reported_and_resolved(order, staff) -> None:
    manager = staff[0]
    services.order_issue_report(order=order, actor=manager, role=Role.MANAGER, type=IssueType.LATE, comment="пробки")
    assert _sentence(order, "ru").endswith("сообщено о проблеме: Опоздание (пробки)")
    with translation.override("en"):
        late = str(IssueType.LATE.label)
    assert _sentence(order, "en").endswith(f"issue reported: {late} (пробки)")
    services.order_issue_resolve(order=order, actor=manager)
    assert _sentence(order, "ru").endswith("проблема решена: Опоздание")
    assert _sentence(order, "en").endswith(f"issue resolved: {late}")


def test_photo_added_and_deleted(order, staff) -> None:
    # The photo service needs an uploaded file; the sentence reads only the event's data.
    added = OrderEvent(order=order, shop=order.shop, type=EventType.PHOTO, data={"photo_id": 1, "kind": "bouquet"})
    deleted = OrderEvent(
        order=order, shop=order.shop, type=EventType.PHOTO, data={"photo_id": 1, "kind": "bouquet", "deleted": True}
    )
    with translation.override("ru"):
        assert event_text(added, currency="KZT") == "добавлено фото: Букет перед доставкой"
        assert event_text(deleted, currency="KZT") == "удалено фото: Букет перед доставкой"
    with translation.override("en"):
        kind = str(PhotoKind.BOUQUET.label)
        assert event_text(added, currency="KZT") == f"photo added: {kind}"
        assert event_text(deleted, currency="KZT") == f"photo deleted: {kind}"


def test_edits_name_the_fields(order, staff) -> None:
    services.order_update(order=order, actor=staff[0], data={"card_text": "Люблю", "delivery_address": "пр. Достык 5"})
    with translation.override("ru"):
        names = [str(order._meta.get_field(f).verbose_name) for f in ("delivery_address", "card_text")]
    text = _sentence(order, "ru")
    assert "Айгерим — изменено: " in text
    assert all(name in text for name in names), text
    assert "Люблю" not in text  # which fields, not the values
    merged = OrderEvent(
        order=order,
        shop=order.shop,
        type=EventType.EDITED,
        data={"before": {"customer_id": 1}, "after": {"customer_id": 2}, "reason": "merge"},
    )
    with translation.override("ru"):
        assert event_text(merged, currency="KZT") == "сменён покупатель (клиенты объединены)"
    with translation.override("en"):
        assert event_text(merged, currency="KZT") == "buyer changed (customers merged)"


def test_an_event_without_an_actor_is_the_systems(order) -> None:
    OrderEvent.objects.filter(order=order).update(actor=None)
    with translation.override("ru"):
        assert " Система — " in str(order_timeline(order)[0])
    with translation.override("en"):
        assert " System — " in str(order_timeline(order)[0])


def test_one_query_for_any_number_of_events(order, staff, django_assert_num_queries) -> None:
    manager, courier, _ = staff
    order.shop  # noqa: B018 - loaded once before counting
    with django_assert_num_queries(1):
        assert len(order_timeline(order)) == 1
    for n in range(5):
        services.order_comment_add(order=order, actor=courier if n % 2 else manager, text=f"заметка {n}")
    services.order_update(order=order, actor=manager, data={"courier": courier})
    with django_assert_num_queries(1):
        assert len(order_timeline(order)) == 7
