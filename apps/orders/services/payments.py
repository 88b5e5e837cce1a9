"""Money received for orders (and refunds): the payment status follows the payments."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import TYPE_CHECKING

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext

from apps.orders.models import EventType, Order, OrderStatus, Payment, PaymentStatus
from apps.orders.services.log import order_lock, order_log_event
from flowercrm.errors import Invalid
from flowercrm.money import quantize_money

if TYPE_CHECKING:
    from apps.accounts.models import User


def payment_status_for(order: Order, *, has_refund: bool | None) -> str:
    """``unpaid`` (no payments), ``refunded`` (a refund and nothing left paid), ``paid`` (the
    total is covered), else ``partially_paid`` (ARCHITECTURE §4)."""
    if has_refund is None:
        has_refund = order.pk is not None and order.payments.filter(amount__lt=0).exists()
    has_payments = order.pk is not None and order.payments.exists()
    if not has_payments:
        return PaymentStatus.UNPAID
    if has_refund and order.paid_amount == 0:
        return PaymentStatus.REFUNDED
    if order.paid_amount >= order.total:
        return PaymentStatus.PAID
    return PaymentStatus.PARTIALLY_PAID


@transaction.atomic
def payment_record(
    *,
    order: Order,
    actor: User,
    amount: Decimal,
    method: str,
    external_id: str = "",
    paid_at: dt.datetime | None = None,
) -> Payment:
    """Record money received (or, negative, refunded). Paying beyond the total or refunding
    beyond what was paid is refused."""
    order = order_lock(order)
    amount = quantize_money(amount)
    if amount == 0:
        raise Invalid({"amount": [gettext("The amount cannot be zero.")]})
    if amount > 0 and order.status == OrderStatus.CANCELLED:
        raise Invalid({"amount": [gettext("The order is cancelled: money can only be refunded.")]})
    paid = order.paid_amount + amount
    if amount > 0 and paid > order.total:
        raise Invalid(
            {
                "amount": [
                    gettext("The payment is more than the amount due (%(due)s).")
                    % {"due": order.total - order.paid_amount}
                ]
            }
        )
    if paid < 0:
        raise Invalid(
            {"amount": [gettext("The refund is more than was paid (%(paid)s).") % {"paid": order.paid_amount}]}
        )
    payment = Payment.objects.create(
        order=order,
        amount=amount,
        method=method,
        external_id=external_id,
        paid_at=paid_at or timezone.now(),
        actor=actor,
    )
    order.paid_amount = paid
    order.payment_status = payment_status_for(order, has_refund=amount < 0 or None)
    order.save(update_fields=["paid_amount", "payment_status", "updated_at"])
    order_log_event(
        order=order,
        type=EventType.PAYMENT,
        actor=actor,
        data={"payment_id": payment.id, "amount": str(amount), "method": method, "paid_amount": str(paid)},
    )
    return payment
