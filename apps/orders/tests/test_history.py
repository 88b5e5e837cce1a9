"""``order_import_history``: orders of the past keep their numbers, touch no stock."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest

from apps.orders.models import Order, OrderCounter, Payment
from apps.orders.services import order_import_history
from apps.orders.tests.factories import make_order, make_product, make_stock
from apps.production.models import ProductionTask
from apps.warehouse.models import StockMovement
from flowercrm.errors import Invalid

pytestmark = pytest.mark.django_db


def _data(product, **overrides):
    data = {
        "number": 500,
        "status": "delivered",
        "delivery_date": dt.date(2026, 3, 8),
        "customer": {"phone": "87011234567", "name": "Айгерим"},
        "delivery_address": "ул. Абая 10",
        "items": [{"product": product, "quantity": 2}],
        "total": Decimal("19000"),
        "payment_method": "card",
    }
    data.update(overrides)
    return data


def test_history_order(shop, admin_member) -> None:
    stem = make_stock(shop, quantity=20)
    product = make_product(shop, price="10000", recipe={stem: 5})
    product.is_active = False
    product.save()
    order = order_import_history(shop=shop, actor=admin_member.user, data=_data(product))
    assert (order.number, order.status, order.subtotal, order.discount, order.total) == (
        500,
        "delivered",
        Decimal("20000.00"),
        Decimal("1000.00"),
        Decimal("19000.00"),
    )
    assert order.closed_at is not None and order.closed_at.date() == dt.date(2026, 3, 8)
    assert list(Payment.objects.filter(order=order).values_list("amount", "method")) == [(Decimal("19000.00"), "card")]
    assert order.payment_status == "paid"
    assert StockMovement.objects.filter(order=order).count() == 0
    stem.refresh_from_db()
    assert (stem.quantity, stem.reserved) == (20, 0)
    assert not ProductionTask.objects.filter(order=order).exists()
    assert OrderCounter.objects.get(shop=shop).last_number == 500
    # A lower number leaves the counter where it is; the next order continues after 500.
    order_import_history(shop=shop, actor=None, data=_data(product, number=7, payment_method=""))
    product.is_active = True
    product.save()
    assert make_order(shop, admin_member.user, product).number == 501


@pytest.mark.parametrize(
    ("overrides", "field"),
    [
        ({"status": "new"}, "status"),
        ({"number": 0}, "number"),
        ({"delivery_date": None}, "delivery_date"),
        ({"total": Decimal("-1")}, "total"),
        ({"items": []}, "items"),
        ({"customer": {"phone": "12"}}, "phone"),
        ({"recipient_phone": "abc"}, "recipient_phone"),
    ],
)
def test_history_order_rules(shop, overrides, field) -> None:
    product = make_product(shop)
    with pytest.raises(Invalid) as caught:
        order_import_history(shop=shop, actor=None, data=_data(product, **overrides))
    assert field in caught.value.extra["errors"]
    assert not Order.objects.filter(shop=shop).exists()


def test_a_taken_number_is_refused(shop, admin_member) -> None:
    product = make_product(shop)
    taken = make_order(shop, admin_member.user, product)
    with pytest.raises(Invalid) as caught:
        order_import_history(shop=shop, actor=None, data=_data(product, number=taken.number))
    assert "number" in caught.value.extra["errors"]
