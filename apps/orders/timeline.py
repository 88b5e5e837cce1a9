"""The order's event log as sentences a manager reads: «12:04 Айгерим — статус: Новый →
Подтверждён», «12:10 Айгерим — оплата 5 000 ₸ (Kaspi)».

Built from ``OrderEvent`` rows and the ``data`` each service writes (``apps.orders.services``):
``created`` (number, total, items), ``edited`` (before/after by field; ``reason: merge`` when
customers were merged), ``status_changed`` (before, after, reason), ``payment`` (amount,
method), ``assigned`` (role, before/after ``{id, name}``), ``comment`` (text), ``photo`` (kind,
deleted), ``issue`` (type, comment, resolved). Times are in the shop's time zone, words in the
active language; one query for any number of events (the actors come with them).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation
from typing import Any

from django.core.exceptions import FieldDoesNotExist
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from apps.orders.models import EventType, IssueType, Order, OrderEvent, OrderStatus, PaymentMethod, PhotoKind
from flowercrm.money import money_text

# Names of what an edit may change that are not model fields of the order.
EXTRA_FIELD_NAMES = {
    "items": gettext_lazy("items"),
    "customer_id": gettext_lazy("buyer"),
    "delivery_zone": gettext_lazy("delivery zone"),
}


def _label(choices: Any, value: Any) -> str:
    try:
        return str(choices(value).label)
    except ValueError:
        return str(value)


def _person(value: Any) -> str:
    if isinstance(value, Mapping):
        return str(value.get("name") or "") or _("no name")
    return ""


def field_label(name: str) -> str:
    """The order field's name in the active language (an edit lists which fields changed)."""
    if name in EXTRA_FIELD_NAMES:
        return str(EXTRA_FIELD_NAMES[name])
    try:
        field = Order._meta.get_field(name)
    except FieldDoesNotExist:
        return name.replace("_", " ")
    return str(getattr(field, "verbose_name", name))


def _created(data: Mapping[str, Any], currency: str) -> str:
    return _("order №%(number)s created, %(total)s") % {
        "number": data.get("number", ""),
        "total": money_text(data.get("total"), currency),
    }


def _edited(data: Mapping[str, Any], currency: str) -> str:
    after = data.get("after") or {}
    if data.get("reason") == "merge":
        return _("buyer changed (customers merged)")
    return _("edited: %(fields)s") % {"fields": ", ".join(field_label(name) for name in after)}


def _status(data: Mapping[str, Any], currency: str) -> str:
    text = _("status: %(before)s → %(after)s") % {
        "before": _label(OrderStatus, data.get("before")),
        "after": _label(OrderStatus, data.get("after")),
    }
    if data.get("reason"):
        text += " " + _("(reason: %(reason)s)") % {"reason": data["reason"]}
    return text


def _payment(data: Mapping[str, Any], currency: str) -> str:
    try:
        amount = Decimal(str(data.get("amount", "0")))
    except InvalidOperation:
        amount = Decimal(0)
    values = {"amount": money_text(abs(amount), currency), "method": _label(PaymentMethod, data.get("method"))}
    if amount < 0:
        return _("refund %(amount)s (%(method)s)") % values
    return _("payment %(amount)s (%(method)s)") % values


def _assigned(data: Mapping[str, Any], currency: str) -> str:
    florist = data.get("role") == "florist"
    before, after = data.get("before"), data.get("after")
    if before and after:
        template = (
            _("florist changed: %(before)s → %(after)s") if florist else _("courier changed: %(before)s → %(after)s")
        )
        return template % {"before": _person(before), "after": _person(after)}
    if after:
        return (_("florist assigned: %(name)s") if florist else _("courier assigned: %(name)s")) % {
            "name": _person(after)
        }
    return (_("florist unassigned: %(name)s") if florist else _("courier unassigned: %(name)s")) % {
        "name": _person(before)
    }


def _comment(data: Mapping[str, Any], currency: str) -> str:
    return _("comment: %(text)s") % {"text": data.get("text", "")}


def _photo(data: Mapping[str, Any], currency: str) -> str:
    kind = _label(PhotoKind, data.get("kind"))
    if data.get("deleted"):
        return _("photo deleted: %(kind)s") % {"kind": kind}
    return _("photo added: %(kind)s") % {"kind": kind}


def _issue(data: Mapping[str, Any], currency: str) -> str:
    values = {"type": _label(IssueType, data.get("type"))}
    text = _("issue resolved: %(type)s") % values if data.get("resolved") else _("issue reported: %(type)s") % values
    if data.get("comment"):
        text += f" ({data['comment']})"
    return text


SENTENCES: dict[str, Callable[[Mapping[str, Any], str], str]] = {
    EventType.CREATED: _created,
    EventType.EDITED: _edited,
    EventType.STATUS_CHANGED: _status,
    EventType.PAYMENT: _payment,
    EventType.ASSIGNED: _assigned,
    EventType.COMMENT: _comment,
    EventType.PHOTO: _photo,
    EventType.ISSUE: _issue,
}


def event_text(event: OrderEvent, *, currency: str) -> str:
    """What happened, without the time and the actor: «статус: Новый → Подтверждён»."""
    data = event.data if isinstance(event.data, Mapping) else {}
    sentence = SENTENCES.get(event.type)
    if sentence is None:
        return _label(EventType, event.type)
    return sentence(data, currency)


@dataclass(frozen=True)
class TimelineEntry:
    """One line of the timeline: the moment in the shop's time zone, who, what."""

    event: OrderEvent
    moment: dt.datetime
    actor: str
    text: str

    @property
    def time(self) -> str:
        return self.moment.strftime("%H:%M")

    @property
    def day(self) -> dt.date:
        return self.moment.date()

    def __str__(self) -> str:
        return _("%(time)s %(actor)s — %(text)s") % {"time": self.time, "actor": self.actor, "text": self.text}


def actor_name(user: Any) -> str:
    if user is None:
        return _("System")
    return str(user.name or user.phone)


def timeline_entries(events: Iterable[OrderEvent], *, shop: Any) -> list[TimelineEntry]:
    """The entries of ``events`` (their ``actor`` already loaded) in the shop's time zone."""
    zone = shop.zoneinfo
    return [
        TimelineEntry(
            event=event,
            moment=event.created_at.astimezone(zone),
            actor=actor_name(event.actor),
            text=event_text(event, currency=shop.currency),
        )
        for event in events
    ]


def order_timeline(order: Order) -> list[TimelineEntry]:
    """The order's whole history, oldest first, in one query."""
    events = OrderEvent.objects.filter(order=order).select_related("actor").order_by("id")
    return timeline_entries(events, shop=order.shop)
