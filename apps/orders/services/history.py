"""Orders of the past, brought in from another system (a file import, ARCHITECTURE §11.3).

A history order keeps its number (the shop's counter moves past it, so the next new order
continues after the imported ones), is already ``delivered`` or ``cancelled``, never touches
stock and has no production task; when it was paid it records one payment of its total.
Its details, items and buyer go through the same rules as :func:`order_create`.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from decimal import Decimal
from typing import TYPE_CHECKING, Any

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils.translation import gettext

from apps.customers.services import customer_upsert_by_phone
from apps.orders.models import (
    DeliveryMethod,
    EventType,
    Order,
    OrderCounter,
    OrderEvent,
    OrderItem,
    OrderStatus,
    Payment,
    PaymentMethod,
    PaymentStatus,
)
from apps.orders.services.intake import DETAIL_FIELDS, _build_items, _recompute_totals, _validate
from flowercrm.errors import Invalid
from flowercrm.limits import MONEY_MAX
from flowercrm.money import quantize_money
from flowercrm.phone import normalize_phone
from flowercrm.updates import model_update

if TYPE_CHECKING:
    from apps.accounts.models import User
    from apps.shops.models import Shop

ZERO = Decimal("0.00")
HISTORY_STATUSES = (OrderStatus.DELIVERED, OrderStatus.CANCELLED)
NUMBER_MAX = 2_000_000_000  # the column is a positive integer


def _check(data: Mapping[str, Any]) -> dict[str, list[str]]:
    errors: dict[str, list[str]] = {}
    number = data.get("number")
    if isinstance(number, bool) or not isinstance(number, int) or not 1 <= number <= NUMBER_MAX:
        errors["number"] = [gettext("An order number from 1 to %(max)s.") % {"max": NUMBER_MAX}]
    if data.get("status") not in HISTORY_STATUSES:
        errors["status"] = [gettext("An imported order is delivered or cancelled.")]
    if data.get("delivery_date") is None:
        errors["delivery_date"] = [gettext("Give the order's date.")]
    total = data.get("total")
    if total is not None and not ZERO <= total <= MONEY_MAX:
        errors["total"] = [gettext("From 0 to %(max)s.") % {"max": MONEY_MAX}]
    method = data.get("payment_method") or ""
    if method and method not in PaymentMethod.values:
        errors["payment_method"] = [gettext("Unknown payment method.")]
    return errors


def _details(data: Mapping[str, Any]) -> dict[str, Any]:
    address = (data.get("delivery_address") or "").strip()
    details = {
        "recipient_name": (data.get("recipient_name") or "").strip(),
        "recipient_phone": "",
        "delivery_method": DeliveryMethod.DELIVERY if address else DeliveryMethod.PICKUP,
        "delivery_address": address,
        "delivery_date": data["delivery_date"],
    }
    if data.get("recipient_phone"):
        try:
            details["recipient_phone"] = normalize_phone(data["recipient_phone"])
        except ValidationError as exc:
            raise Invalid({"recipient_phone": list(exc.messages)}) from None
    return details


def _take_number(shop: Shop, number: int) -> None:
    """The number must be free; the counter (locked, lock order step 1) moves past it."""
    OrderCounter.objects.get_or_create(shop=shop)
    counter = OrderCounter.objects.select_for_update().get(shop=shop)
    if Order.objects.filter(shop=shop, number=number).exists():
        raise Invalid({"number": [gettext("The shop already has order №%(number)s.") % {"number": number}]})
    if counter.last_number < number:
        counter.last_number = number
        counter.save(update_fields=["last_number"])


@transaction.atomic
def order_import_history(*, shop: Shop, actor: User | None, data: Mapping[str, Any]) -> Order:
    """Record a past order: ``{"number", "status": delivered|cancelled, "delivery_date",
    "customer": {"phone", "name"?}, "recipient_name"?, "recipient_phone"?,
    "delivery_address"? (none: a pickup), "items": [{"product", "quantity"}], "total"?,
    "payment_method"?}``.

    Items are the catalog's products (also ones taken off sale) at their current prices; a
    ``total`` that differs from their sum is kept as a delivery fee (above) or a discount
    (below), so ``total = subtotal + delivery_fee − discount`` holds. With a payment method
    the order records one payment of the total at the order's date. No stock moves, no
    task, no live event or notification (it is history, not news): the event log gets one
    ``created`` entry marked ``imported``. Nothing is written unless all of it is valid."""
    errors = _check(data)
    if errors:
        raise Invalid(errors)
    status = data["status"]
    order = Order(shop=shop, created_by=actor, status=status, number=data["number"])
    model_update(instance=order, fields=DETAIL_FIELDS, data=_details(data), validate=False, save=False)
    _validate(order)
    items = _build_items(shop=shop, lines=data["items"], allow_inactive=True)
    subtotal = quantize_money(sum((item.line_total for item in items), ZERO))
    total = quantize_money(data["total"]) if data.get("total") is not None else subtotal
    order.delivery_fee = max(total - subtotal, ZERO)
    order.discount = max(subtotal - total, ZERO)
    _recompute_totals(order, items)
    _take_number(shop, order.number)  # the counter first, then the customer (lock order)
    buyer = data.get("customer") or {}
    order.customer = customer_upsert_by_phone(shop=shop, phone=buyer.get("phone") or "", name=buyer.get("name") or "")
    closed = dt.datetime.combine(order.delivery_date, dt.time(12), tzinfo=shop.zoneinfo)
    order.closed_at = closed
    order.confirmed_at = closed if status == OrderStatus.DELIVERED else None
    order.save()
    for item in items:
        item.order = order
    OrderItem.objects.bulk_create(items)
    OrderEvent.objects.create(
        shop_id=shop.pk,
        order=order,
        type=EventType.CREATED,
        actor=actor,
        data={"number": order.number, "total": str(order.total), "imported": True, "status": status},
    )
    method = data.get("payment_method") or ""
    if method and order.total > 0:
        Payment.objects.create(order=order, amount=order.total, method=method, paid_at=closed, actor=actor)
        order.paid_amount = order.total
        order.payment_status = PaymentStatus.PAID
        order.save(update_fields=["paid_amount", "payment_status", "updated_at"])
    return order
