"""Staff notifications in Telegram, in the shop's language (Russian by default), sent after commit through the gateway:
a new order to the shop's admins and managers, an assigned delivery to its courier, an
assigned bouquet to its florist. People without a linked chat are skipped."""

from __future__ import annotations

from functools import partial
from typing import Any

from django.conf import settings
from django.db import transaction
from django.utils import translation
from django.utils.translation import gettext, pgettext

from apps.customers.models import Source
from apps.orders.models import EventType, Order, OrderEvent, PaymentMethod
from apps.shops.models import Membership
from apps.shops.selectors import office_telegram_users
from flowercrm.telegram import send_to_users

STOREFRONT = Source.STOREFRONT.value


def _window(order: Order) -> str:
    day = order.delivery_date.strftime("%d.%m.%Y")
    if order.delivery_time_from and order.delivery_time_to:
        if order.delivery_time_from == order.delivery_time_to:
            return gettext("%(day)s at %(time)s") % {"day": day, "time": f"{order.delivery_time_from:%H:%M}"}
        return f"{day} {order.delivery_time_from:%H:%M}–{order.delivery_time_to:%H:%M}"
    return gettext("%(day)s, during the day") % {"day": day}


def _items(order: Order) -> str:
    return "\n".join(f"• {item.name} × {item.quantity}" for item in order.items.all())


def new_order_text(order: Order, data: dict[str, Any] | None = None) -> str:
    """The office's message about a new order; ``data`` is its ``created`` event's (a buyer's
    payment preference from the storefront)."""
    if order.delivery_method == "delivery":
        method = pgettext("notification", "delivery")
    else:
        method = pgettext("notification", "pickup")
    lines = [
        gettext("New order No. %(number)s (%(method)s) for %(window)s")
        % {"number": order.number, "method": method, "window": _window(order)},
        _items(order),
        gettext("Total: %(total)s %(currency)s") % {"total": order.total, "currency": order.shop.currency},
        gettext("Recipient: %(name)s") % {"name": order.recipient_name or "—"},
    ]
    if order.source == STOREFRONT:
        lines.insert(1, gettext("From the storefront — call the buyer to confirm."))
        preference = (data or {}).get("payment_method")
        if preference in PaymentMethod.values:
            lines.append(gettext("Would like to pay: %(method)s") % {"method": PaymentMethod(preference).label})
    return "\n".join(lines)


def delivery_text(order: Order) -> str:
    address = ", ".join(
        part
        for part in (
            order.delivery_address,
            gettext("entrance %(value)s") % {"value": order.delivery_entrance} if order.delivery_entrance else "",
            gettext("floor %(value)s") % {"value": order.delivery_floor} if order.delivery_floor else "",
            gettext("intercom %(value)s") % {"value": order.delivery_intercom} if order.delivery_intercom else "",
        )
        if part
    )
    flags = [
        text
        for flag, text in ((order.call_before, gettext("call before delivery")), (order.surprise, gettext("surprise")))
        if flag
    ]
    lines = [
        gettext("A delivery is assigned to you: order No. %(number)s, %(window)s")
        % {"number": order.number, "window": _window(order)},
        gettext("Address: %(address)s") % {"address": address or gettext("to be clarified")},
        gettext("Recipient: %(name)s %(phone)s")
        % {"name": order.recipient_name or "—", "phone": order.recipient_phone},
        gettext("Due on receipt: %(amount)s %(currency)s")
        % {"amount": order.amount_due, "currency": order.shop.currency},
    ]
    if flags:
        lines.append(", ".join(flags).capitalize())
    return "\n".join(lines)


def bouquet_text(order: Order) -> str:
    lines = [
        gettext("A bouquet is assigned to you: order No. %(number)s by %(window)s")
        % {"number": order.number, "window": _window(order)},
        _items(order),
    ]
    if order.card_text:
        lines.append(gettext("Card: “%(text)s”") % {"text": order.card_text})
    if order.comment:
        lines.append(gettext("Comment: %(text)s") % {"text": order.comment})
    return "\n".join(lines)


NOTIFYING_EVENTS = frozenset({EventType.CREATED, EventType.ASSIGNED})


def schedule_notifications(event: OrderEvent) -> None:
    """Notify for ``event`` once its transaction commits (nothing for rolled-back work; a
    failure is logged, never raised into the request)."""
    if event.type in NOTIFYING_EVENTS:
        transaction.on_commit(partial(notify_for_event, event.pk), robust=True)


def notify_for_event(event_id: int) -> None:
    """Send what a committed order event calls for, in the shop's language (the default one,
    not the language of whoever made the change)."""
    with translation.override(settings.LANGUAGE_CODE):
        _notify_for_event(event_id)


def _notify_for_event(event_id: int) -> None:
    event = OrderEvent.objects.filter(pk=event_id).first()
    if event is None or event.type not in NOTIFYING_EVENTS:
        return
    order = Order.objects.select_related("shop").prefetch_related("items").get(pk=event.order_id)
    if event.type == EventType.CREATED:
        send_to_users(office_telegram_users(shop_id=order.shop_id), new_order_text(order, event.data))
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
