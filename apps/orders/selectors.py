"""Reads of orders. Each selector owns its joins and prefetches, so a page of any size costs
a fixed number of queries."""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from functools import reduce
from operator import or_
from typing import TYPE_CHECKING, Any, cast

from django.db.models import Case, Count, F, IntegerField, Prefetch, Q, QuerySet, Sum, Value, When
from django.utils import timezone

from apps.orders.models import FINAL_STATUSES, Order, OrderEvent, OrderItem, OrderPhoto, OrderStatus, Payment
from apps.orders.visibility import florist_visible_q
from apps.shops.models import Shop
from flowercrm.roles import Role
from flowercrm.search import build_search_text

if TYPE_CHECKING:
    from apps.accounts.models import User


def order_visible(*, shop: Shop, role: str, user: User) -> QuerySet[Order]:
    """The orders a member may see at all: florists from confirmation on (cancelled ones only if
    confirmed when cancelled, ``apps.orders.visibility``), couriers only the
    orders assigned to them; the office everything of the shop."""
    orders = Order.objects.filter(shop=shop)
    if role == Role.FLORIST:
        return orders.filter(florist_visible_q())
    if role == Role.COURIER:
        return orders.filter(courier=user)
    return orders


def order_list(*, shop: Shop, role: str, user: User) -> QuerySet[Order]:
    orders = (
        order_visible(shop=shop, role=role, user=user)
        .select_related("customer", "florist", "courier")
        .prefetch_related(Prefetch("items", queryset=OrderItem.objects.order_by("id")))
    )
    if role == Role.COURIER:
        # Undelivered first, then by delivery date and window.
        orders = orders.annotate(
            is_closed=Case(
                When(status__in=FINAL_STATUSES, then=Value(1)), default=Value(0), output_field=IntegerField()
            )
        )
    return orders


def order_list_values(orders: QuerySet[Order], *, columns: Sequence[str]) -> QuerySet[Order, dict[str, Any]]:
    """``orders`` (``order_list``'s, filtered and ordered) as plain ``columns`` — the list
    page's read path: one query with the buyer, florist and courier joined, no model
    instances; their lines come from ``order_item_values``."""
    return orders.prefetch_related(None).values(*columns)


def order_item_values(*, order_ids: Sequence[int], columns: Sequence[str]) -> QuerySet[OrderItem, dict[str, Any]]:
    """The lines of ``order_ids`` as plain ``columns``, in line order (one query)."""
    return OrderItem.objects.filter(order_id__in=order_ids).order_by("id").values(*columns)


def order_detail(*, shop: Shop, role: str, user: User) -> QuerySet[Order]:
    return order_list(shop=shop, role=role, user=user).prefetch_related(
        Prefetch("payments", queryset=Payment.objects.select_related("actor").order_by("paid_at", "id")),
        Prefetch("events", queryset=OrderEvent.objects.select_related("actor").order_by("id")),
        Prefetch("photos", queryset=OrderPhoto.objects.select_related("image", "created_by").order_by("id")),
        "reservations",
    )


def order_detail_created(*, shop: Shop, role: str, user: User, order_id: int) -> Order:
    """An order ``order_create`` has just written, as ``order_detail`` reads it, in three
    queries instead of six: a new order has no payments, photos or reservations yet, so they
    are known empty (order intake's answer, issue 17)."""
    order = (
        order_list(shop=shop, role=role, user=user)
        .prefetch_related(Prefetch("events", queryset=OrderEvent.objects.select_related("actor").order_by("id")))
        .get(pk=order_id)
    )
    for name in ("payments", "photos", "reservations"):
        cast(Any, order)._prefetched_objects_cache[name] = getattr(order, name).none()
    return order


def order_search_for_courier(*, orders: QuerySet[Order], terms: list[str]) -> QuerySet[Order]:
    """``orders`` narrowed to those a courier's search ``terms`` match in what the courier may
    see: the number and the recipient of every order, the buyer only of orders that are not
    anonymous. (``search_text`` holds the buyer too, so an anonymous order matched there is
    checked again without the buyer — a courier's search must not tell who sent it.)"""
    if not terms:
        return orders
    matched = reduce(or_, (Q(search_text__contains=term) for term in terms))
    anonymous = orders.filter(matched, is_anonymous=True).values_list(
        "id", "number", "recipient_name", "recipient_phone"
    )
    shown = [
        pk
        for pk, number, name, phone in anonymous
        if any(term in build_search_text(number, name, phones=[phone or ""]) for term in terms)
    ]
    return orders.filter((matched & Q(is_anonymous=False)) | Q(pk__in=shown))


def order_list_for_courier(*, orders: QuerySet[Order], terms: list[str], by_customer: bool) -> QuerySet[Order]:
    """A courier's filtered list: neither their search (``terms``) nor a filter by buyer
    (``by_customer``: ``?customer=``) may tell them who the buyer of an anonymous order is."""
    orders = order_search_for_courier(orders=orders, terms=terms)
    return orders.filter(is_anonymous=False) if by_customer else orders


def order_list_ordering(*, role: str) -> tuple[str, ...]:
    """The default order of ``order_list`` for ``role``: a courier's open deliveries first (its
    ``is_closed``), by date and window; everyone else's newest first."""
    if role == Role.COURIER:
        return ("is_closed", "delivery_date", "delivery_time_from", "id")
    return ("-created_at", "-id")


def order_for_tracking(*, token: str) -> Order | None:
    return (
        Order.objects.select_related("shop")
        .prefetch_related(
            Prefetch("items", queryset=OrderItem.objects.order_by("id")),
            Prefetch("photos", queryset=OrderPhoto.objects.select_related("image").order_by("id")),
        )
        .filter(tracking_token=token)
        .first()
    )


# --- the admin dashboard (several shops at once, each by its own local day) -----------------


def shop_today(shop: Shop) -> dt.date:
    """The shop's local date now (its time zone, not the server's)."""
    return timezone.localdate(timezone=shop.zoneinfo)


def orders_on_local_day_q(*, shops: Sequence[Shop], offset: int = 0) -> Q:
    """Orders of ``shops`` delivered on each shop's own today + ``offset`` days (shops in
    different time zones may be on different dates)."""
    shop_ids_by_day: dict[dt.date, list[int]] = {}
    for shop in shops:
        shop_ids_by_day.setdefault(shop_today(shop) + dt.timedelta(days=offset), []).append(shop.pk)
    return reduce(
        or_,
        (Q(shop_id__in=ids, delivery_date=day) for day, ids in shop_ids_by_day.items()),
        Q(pk__in=[]),
    )


def order_owing_q() -> Q:
    """The one definition of an order that still owes money (the admin's ``?payment=owing``):
    not cancelled and paid less than its total."""
    return ~Q(status=OrderStatus.CANCELLED) & Q(total__gt=F("paid_amount"))


def order_day_counts(*, shops: Sequence[Shop], days: Sequence[int] = (0, 1)) -> dict[int, dict[str, int]]:
    """``{offset: {status: count}}`` of the orders of ``shops`` delivered on each shop's
    today + offset, for each offset of ``days``: one query."""
    if not shops:
        return {offset: {} for offset in days}
    whens = [When(orders_on_local_day_q(shops=shops, offset=offset), then=Value(offset)) for offset in days]
    rows = (
        Order.objects.filter(shop__in=shops)
        .annotate(day_offset=Case(*whens, default=Value(None), output_field=IntegerField()))
        .filter(day_offset__isnull=False)
        .values("day_offset", "status")
        .annotate(count=Count("id"))
        .order_by()
    )
    counts: dict[int, dict[str, int]] = {offset: {} for offset in days}
    for row in rows:
        counts[row["day_offset"]][row["status"]] = row["count"]
    return counts


def order_owing_totals(*, shops: Sequence[Shop]) -> list[dict[str, Any]]:
    """What customers still owe the ``shops``, per currency: ``[{"currency", "amount",
    "orders"}]`` (orders of ``order_owing_q``), one query."""
    if not shops:
        return []
    return list(
        Order.objects.filter(order_owing_q(), shop__in=shops)
        .values(currency=F("shop__currency"))
        .annotate(amount=Sum(F("total") - F("paid_amount")), orders=Count("id"))
        .order_by("currency")
    )
