"""The live order board of a shop (ARCHITECTURE §11.4): which orders of a day it shows, in
which column, and the card of each — built from the role's list row (``apps.orders.rows``),
the same row ``/ws`` sends that role, so a florist's board holds no money by construction
(§11.1). ``static/board/board.js`` shapes the live rows into the same cards.
"""

from __future__ import annotations

import datetime as dt
from typing import TYPE_CHECKING, Any

from django.db.models import F
from django.utils.translation import gettext, pgettext_lazy

from apps.orders.models import Order, OrderEvent, OrderStatus
from apps.orders.rows import order_row
from apps.orders.selectors import order_list
from flowercrm.roles import Role

if TYPE_CHECKING:
    from apps.accounts.models import User
    from apps.shops.models import Shop

S = OrderStatus
# (column key, the statuses it holds, its heading), left to right.
COLUMNS: list[tuple[str, tuple[str, ...], Any]] = [
    ("new", (S.NEW,), pgettext_lazy("board column", "New")),
    ("confirmed", (S.CONFIRMED,), pgettext_lazy("board column", "Confirmed")),
    ("in_production", (S.IN_PRODUCTION,), pgettext_lazy("board column", "In production")),
    ("assembled", (S.ASSEMBLED,), pgettext_lazy("board column", "Assembled")),
    (
        "on_the_way",
        (S.OUT_FOR_DELIVERY, S.READY_FOR_PICKUP),
        pgettext_lazy("board column", "Out for delivery / ready for pickup"),
    ),
    ("delivered", (S.DELIVERED,), pgettext_lazy("board column", "Delivered")),
]
COLUMN_OF = {status: key for key, statuses, _label in COLUMNS for status in statuses}
# Still to be made: a card in one of these is late once less than the preparation time is left.
NOT_ASSEMBLED = frozenset({S.NEW, S.CONFIRMED, S.IN_PRODUCTION})
UNPAID = frozenset({"unpaid", "partially_paid"})


def board_columns(role: str) -> list[tuple[str, Any]]:
    """The columns ``role`` sees (florists never see new orders: §3)."""
    return [(key, label) for key, _statuses, label in COLUMNS if not (role == Role.FLORIST and key == "new")]


def board_orders(*, shop: Shop, role: str, user: User, day: dt.date) -> list[Order]:
    """The orders of ``day`` on the board of ``shop`` as ``role`` may see them, by window
    (no window last), then number — a constant number of queries (``order_list``'s joins)."""
    orders = order_list(shop=shop, role=role, user=user).filter(delivery_date=day, status__in=list(COLUMN_OF))
    return list(orders.order_by(F("delivery_time_from").asc(nulls_last=True), "number", "id"))


def deadline(row: dict[str, Any], *, tz: dt.tzinfo, preparation_minutes: int) -> dt.datetime | None:
    """When the bouquet must be ready: the window's start (its end, or the day's end without
    one) less the shop's preparation time."""
    if not row.get("delivery_date"):
        return None
    day = dt.date.fromisoformat(row["delivery_date"])
    hhmm = row.get("delivery_time_from") or row.get("delivery_time_to")
    at = dt.time.fromisoformat(hhmm) if hhmm else dt.time(23, 59)
    return dt.datetime.combine(day, at, tzinfo=tz) - dt.timedelta(minutes=preparation_minutes)


def board_card(
    row: dict[str, Any], *, role: str, now: dt.datetime, tz: dt.tzinfo, preparation_minutes: int
) -> dict[str, Any]:
    """A card of the board from the list row ``role`` reads (``order_row``). Nothing about
    money but the office's "unpaid" flag."""
    start, end = row.get("delivery_time_from"), row.get("delivery_time_to")
    window = "" if not start and not end else start if start == end or not end else f"{start or ''}–{end}"
    due = deadline(row, tz=tz, preparation_minutes=preparation_minutes)
    florist = row.get("florist") or {}
    return {
        "id": row["id"],
        "number": row["number"],
        "status": row["status"],
        "column": COLUMN_OF.get(row["status"]),
        "delivery_date": row.get("delivery_date"),
        "time_from": start,
        "time_to": end,
        "window": window,
        "recipient": row.get("recipient_name") or "",
        "items": [{"name": item["name"], "quantity": item["quantity"]} for item in row.get("items") or []],
        "florist": florist.get("name") or "",
        "pickup": row.get("delivery_method") == "pickup",
        "late": row["status"] in NOT_ASSEMBLED and due is not None and now >= due,
        "issue": bool(row.get("issue_type")),
        "unpaid": role in (Role.ADMIN, Role.MANAGER) and row.get("payment_status") in UNPAID,
        "address": bool(row.get("address_needs_clarification")),
    }


def board_cards(
    *, shop: Shop, role: str, user: User, day: dt.date, now: dt.datetime
) -> dict[str, list[dict[str, Any]]]:
    """The cards of the board, column key → cards (every column of ``role`` present)."""
    tz = shop.zoneinfo
    cards: dict[str, list[dict[str, Any]]] = {key: [] for key, _label in board_columns(role)}
    for order in board_orders(shop=shop, role=role, user=user, day=day):
        order.shop = shop
        card = board_card(
            order_row(order, role=role), role=role, now=now, tz=tz, preparation_minutes=shop.preparation_minutes
        )
        if card["column"] in cards:
            cards[card["column"]].append(card)
    return cards


def board_last_event_id(shop: Shop) -> int:
    """The newest logged order event of ``shop`` (0: none yet): the board's socket connects
    with it as ``since``, so nothing logged between the page and the socket is missed."""
    return OrderEvent.objects.filter(shop=shop).order_by("-id").values_list("id", flat=True).first() or 0


def board_labels() -> dict[str, str]:
    """The words the board's script writes on the cards it builds (in the page's language)."""
    return {
        "any_time": gettext("any time"),
        "pickup": gettext("pickup"),
        "florist": gettext("Florist:"),
        "late": gettext("Late"),
        "issue": gettext("Issue"),
        "unpaid": gettext("Unpaid"),
        "address": gettext("Address to clarify"),
    }
