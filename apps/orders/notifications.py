"""Staff notifications in Telegram, in Russian, sent after commit through the gateway:
a new order to the shop's admins and managers, an assigned delivery to its courier, an
assigned bouquet to its florist. People without a linked chat are skipped."""

from __future__ import annotations

from functools import partial
from typing import Any

from django.db import transaction

from apps.accounts.models import User
from apps.orders.models import EventType, Order, OrderEvent
from apps.shops.models import Membership
from flowercrm.roles import BACK_OFFICE_ROLES
from flowercrm.telegram import send_to_users


def _window(order: Order) -> str:
    day = order.delivery_date.strftime("%d.%m.%Y")
    if order.delivery_time_from and order.delivery_time_to:
        if order.delivery_time_from == order.delivery_time_to:
            return f"{day} в {order.delivery_time_from:%H:%M}"
        return f"{day} {order.delivery_time_from:%H:%M}–{order.delivery_time_to:%H:%M}"
    return f"{day}, в течение дня"


def _items(order: Order) -> str:
    return "\n".join(f"• {item.name} × {item.quantity}" for item in order.items.all())


def new_order_text(order: Order) -> str:
    method = "доставка" if order.delivery_method == "delivery" else "самовывоз"
    return (
        f"Новый заказ №{order.number} ({method}) на {_window(order)}\n"
        f"{_items(order)}\n"
        f"Сумма: {order.total} {order.shop.currency}\n"
        f"Получатель: {order.recipient_name or '—'}"
    )


def delivery_text(order: Order) -> str:
    address = ", ".join(
        part
        for part in (
            order.delivery_address,
            f"подъезд {order.delivery_entrance}" if order.delivery_entrance else "",
            f"этаж {order.delivery_floor}" if order.delivery_floor else "",
            f"домофон {order.delivery_intercom}" if order.delivery_intercom else "",
        )
        if part
    )
    flags = [text for flag, text in ((order.call_before, "позвонить заранее"), (order.surprise, "сюрприз")) if flag]
    return (
        f"Вам назначена доставка: заказ №{order.number}, {_window(order)}\n"
        f"Адрес: {address or 'уточняется'}\n"
        f"Получатель: {order.recipient_name or '—'} {order.recipient_phone}\n"
        f"К оплате при получении: {order.amount_due} {order.shop.currency}"
        + (f"\n{', '.join(flags).capitalize()}" if flags else "")
    )


def bouquet_text(order: Order) -> str:
    text = f"Вам назначен букет: заказ №{order.number} к {_window(order)}\n{_items(order)}"
    if order.card_text:
        text += f"\nОткрытка: «{order.card_text}»"
    if order.comment:
        text += f"\nКомментарий: {order.comment}"
    return text


NOTIFYING_EVENTS = frozenset({EventType.CREATED, EventType.ASSIGNED})


def schedule_notifications(event: OrderEvent) -> None:
    """Notify for ``event`` once its transaction commits (nothing for rolled-back work; a
    failure is logged, never raised into the request)."""
    if event.type in NOTIFYING_EVENTS:
        transaction.on_commit(partial(notify_for_event, event.pk), robust=True)


def notify_for_event(event_id: int) -> None:
    """Send what a committed order event calls for."""
    event = OrderEvent.objects.filter(pk=event_id).first()
    if event is None or event.type not in NOTIFYING_EVENTS:
        return
    order = Order.objects.select_related("shop").prefetch_related("items").get(pk=event.order_id)
    if event.type == EventType.CREATED:
        office = User.objects.filter(
            memberships__shop_id=order.shop_id,
            memberships__is_active=True,
            memberships__role__in=BACK_OFFICE_ROLES,
            is_active=True,
            telegram_id__isnull=False,
        ).distinct()
        send_to_users(office, new_order_text(order))
        return
    data: dict[str, Any] = event.data or {}
    after = data.get("after")
    if not after or data.get("role") not in ("courier", "florist"):
        return
    member = (
        Membership.objects.select_related("user")
        .filter(shop_id=order.shop_id, user_id=after.get("id"), is_active=True, user__telegram_id__isnull=False)
        .first()
    )
    if member is None:
        return  # not a member any more, or no linked chat
    text = delivery_text(order) if data["role"] == "courier" else bouquet_text(order)
    send_to_users([member.user], text)
