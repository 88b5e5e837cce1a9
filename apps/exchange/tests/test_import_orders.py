from __future__ import annotations

import datetime as dt
from decimal import Decimal
from pathlib import Path

import pytest

from apps.customers.models import Customer
from apps.exchange.tests.helpers import run, write_csv
from apps.orders.models import Order, OrderCounter, OrderEvent, Payment
from apps.orders.tests.factories import make_order, make_product, make_stock
from apps.production.models import ProductionTask
from apps.warehouse.models import StockMovement

pytestmark = pytest.mark.django_db

HEADER = [
    "номер",
    "дата",
    "телефон",
    "имя",
    "получатель",
    "телефон получателя",
    "адрес",
    "состав",
    "сумма",
    "оплата",
    "статус",
]


@pytest.fixture
def products(shop):
    stem = make_stock(shop, name="Роза", quantity=50)
    roses = make_product(shop, price="15000", recipe={stem: 11})
    roses.name = "Букет 11 роз"
    roses.save()
    box = make_product(shop, price="5000")
    box.name, box.is_active = "Коробка", False
    box.save()
    return roses, box


def test_history_orders_keep_numbers_and_the_next_order_continues(shop, admin_member, products, tmp_path: Path) -> None:
    roses, _box = products
    path = write_csv(
        tmp_path / "o.csv",
        [
            HEADER,
            [
                "1041",
                "14.02.2026",
                "8 701 123 45 67",
                "Айгерим",
                "Дана",
                "87017654321",
                "ул. Абая 10",
                "Букет 11 роз x 2; Коробка x 1",
                "36500",
                "Kaspi",
                "Доставлен",
            ],
            ["1042", "2026-02-15", "+77021112233", "Ерлан", "", "", "", "Букет 11 роз x 1", "", "", "cancelled"],
        ],
        encoding="cp1251",
        delimiter=";",
    )
    movements = StockMovement.objects.count()
    result = run("orders", path, shop)
    assert result.error is None, result.out
    first = Order.objects.get(shop=shop, number=1041)
    assert (first.status, first.delivery_date, first.delivery_method, first.delivery_address) == (
        "delivered",
        dt.date(2026, 2, 14),
        "delivery",
        "ул. Абая 10",
    )
    assert (first.subtotal, first.delivery_fee, first.discount, first.total) == (
        Decimal("35000.00"),
        Decimal("1500.00"),
        Decimal("0.00"),
        Decimal("36500.00"),
    )
    assert (first.paid_amount, first.payment_status, first.recipient_phone) == (
        Decimal("36500.00"),
        "paid",
        "+77017654321",
    )
    assert list(Payment.objects.filter(order=first).values_list("amount", "method")) == [(Decimal("36500.00"), "kaspi")]
    assert first.customer.phone == "+77011234567" and first.customer.name == "Айгерим"
    second = Order.objects.get(shop=shop, number=1042)
    assert (second.status, second.delivery_method, second.total, second.payment_status) == (
        "cancelled",
        "pickup",
        Decimal("15000.00"),
        "unpaid",
    )
    assert StockMovement.objects.count() == movements
    assert not ProductionTask.objects.filter(order__shop=shop).exists()
    assert list(OrderEvent.objects.filter(order=first).values_list("type", flat=True)) == ["created"]
    assert OrderCounter.objects.get(shop=shop).last_number == 1042
    # A re-run changes nothing; the next new order continues after the imported ones.
    result = run("orders", path, shop)
    assert "created 0, updated 0, unchanged 2, failed 0" in result.out
    assert Order.objects.filter(shop=shop).count() == 2
    order = make_order(shop, admin_member.user, roses)
    assert order.number == 1043


def test_history_rows_that_break_a_rule(shop, products, tmp_path: Path) -> None:
    path = write_csv(
        tmp_path / "o.csv",
        [
            HEADER,
            ["7", "01.02.2026", "87011234567", "", "", "", "", "Букет 11 роз x 1", "", "", "new"],  # 2: open status
            ["8", "01.02.2026", "87011234567", "", "", "", "", "Пион x 1", "", "", "delivered"],  # 3: unknown product
            ["", "01.02.2026", "87011234567", "", "", "", "", "Букет 11 роз x 1", "", "", "delivered"],  # 4: no number
            ["9", "", "87011234567", "", "", "", "", "Букет 11 роз x 1", "", "", "delivered"],  # 5: no date
            ["10", "01.02.2026", "12", "", "", "", "", "Букет 11 роз x 1", "", "", "delivered"],  # 6: bad phone
            ["11", "01.02.2026", "87011234567", "", "", "", "", "Букет 11 роз x 1", "", "", "delivered"],  # 7: good
            [
                "11",
                "01.02.2026",
                "87011234567",
                "",
                "",
                "",
                "",
                "Букет 11 роз x 1",
                "999",
                "",
                "delivered",
            ],  # 8: number taken
        ],
    )
    result = run("orders", path, shop, partial=True)
    for line, column in [(2, "статус"), (3, "состав"), (4, "номер"), (5, "дата"), (6, "телефон"), (8, "номер")]:
        assert f"line {line}, {column}" in result.out, (line, result.out)
    assert list(Order.objects.filter(shop=shop).values_list("number", flat=True)) == [11]
    assert Customer.objects.filter(shop=shop).count() == 1
