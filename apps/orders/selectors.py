"""Reads of orders. Each selector owns its joins and prefetches, so a page of any size costs
a fixed number of queries."""

from __future__ import annotations

from functools import reduce
from operator import or_
from typing import TYPE_CHECKING

from django.db.models import Case, IntegerField, Prefetch, Q, QuerySet, Value, When

from apps.orders.models import FINAL_STATUSES, Order, OrderEvent, OrderItem, OrderPhoto, Payment
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


def order_detail(*, shop: Shop, role: str, user: User) -> QuerySet[Order]:
    return order_list(shop=shop, role=role, user=user).prefetch_related(
        Prefetch("payments", queryset=Payment.objects.select_related("actor").order_by("paid_at", "id")),
        Prefetch("events", queryset=OrderEvent.objects.select_related("actor").order_by("id")),
        Prefetch("photos", queryset=OrderPhoto.objects.select_related("image", "created_by").order_by("id")),
        "reservations",
    )


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
