"""Each figure of each report against an independent computation: plain Python over the
rows the generated shop holds (``conftest.World``), never the selectors' queries."""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from decimal import ROUND_HALF_UP, Decimal
from typing import Any

import pytest

from apps.orders.models import DeliveryMethod, Order, OrderItem, OrderStatus, Payment, PaymentStatus
from apps.production.models import ProductionTask, TaskStatus
from apps.reports import selectors
from apps.reports.periods import ReportPeriod
from apps.reports.tests.conftest import ALMATY, World
from apps.supplies.models import SupplyLine, SupplyStatus
from apps.warehouse.models import MovementKind, StockItem, StockMovement, WriteOffReason
from flowercrm.errors import Invalid

pytestmark = pytest.mark.django_db
CENT = Decimal("0.01")
ZERO = Decimal("0.00")


def q(value: Decimal) -> Decimal:
    return value.quantize(CENT, rounding=ROUND_HALF_UP)


def local_day(moment: dt.datetime) -> dt.date:
    return moment.astimezone(ALMATY).date()


def orders_in(world: World, date_from: dt.date, date_to: dt.date) -> list[Order]:
    return [
        o
        for o in Order.objects.filter(shop=world.shop)
        if date_from <= o.delivery_date <= date_to and o.status != OrderStatus.CANCELLED
    ]


def payments_in(world: World, date_from: dt.date, date_to: dt.date) -> list[Payment]:
    return [p for p in Payment.objects.filter(order__shop=world.shop) if date_from <= local_day(p.paid_at) <= date_to]


# --- Sales ----------------------------------------------------------------------------------


@pytest.mark.parametrize("group", ["day", "week", "month"])
def test_sales_report_matches_a_plain_computation(world: World, group: str) -> None:
    report = selectors.sales_report(shop=world.shop, date_from=world.date_from, date_to=world.date_to, group=group)
    orders = orders_in(world, world.date_from, world.date_to)
    payments = payments_in(world, world.date_from, world.date_to)
    assert orders and payments and any(p.amount < 0 for p in payments)
    assert Order.objects.filter(shop=world.shop, status=OrderStatus.CANCELLED).exists()

    revenue = sum((o.total for o in orders), ZERO)
    assert report["currency"] == world.shop.currency
    assert report["totals"] == {
        "orders": len(orders),
        "revenue": revenue,
        "average_order": q(revenue / len(orders)),
        "discounts": sum((o.discount for o in orders), ZERO),
        "delivery_fees": sum((o.delivery_fee for o in orders), ZERO),
        "paid": sum((p.amount for p in payments), ZERO),
        "refunds": -sum((p.amount for p in payments if p.amount < 0), ZERO),
    }
    assert report["totals"]["discounts"] > 0 and report["totals"]["delivery_fees"] > 0

    period = ReportPeriod.of(world.date_from, world.date_to, group)
    expected: dict[dt.date, dict[str, Any]] = {
        day: {"period": day, "orders": 0, "revenue": ZERO, "paid": ZERO} for day in period.periods()
    }
    for o in orders:
        expected[period.period_start(o.delivery_date)]["orders"] += 1
        expected[period.period_start(o.delivery_date)]["revenue"] += o.total
    for p in payments:
        expected[period.period_start(local_day(p.paid_at))]["paid"] += p.amount
    assert report["by_period"] == list(expected.values())

    methods: dict[str, dict[str, Any]] = {}
    for p in payments:
        m = methods.setdefault(p.method, {"method": p.method, "amount": ZERO, "count": 0, "refunds": ZERO})
        m["amount"] += p.amount
        m["count"] += p.amount > 0
        m["refunds"] += -p.amount if p.amount < 0 else ZERO
    assert sorted(report["by_payment_method"], key=lambda m: m["method"]) == sorted(
        methods.values(), key=lambda m: m["method"]
    )
    amounts = [m["amount"] for m in report["by_payment_method"]]
    assert amounts == sorted(amounts, reverse=True)

    sources: dict[str, dict[str, Any]] = {}
    for o in orders:
        s = sources.setdefault(o.source, {"source": o.source, "orders": 0, "revenue": ZERO})
        s["orders"] += 1
        s["revenue"] += o.total
    assert sorted(report["by_source"], key=lambda s: s["source"]) == sorted(sources.values(), key=lambda s: s["source"])

    # The parts add up to the totals, to the tiyn.
    assert sum(r["revenue"] for r in report["by_period"]) == report["totals"]["revenue"]
    assert sum(r["revenue"] for r in report["by_source"]) == report["totals"]["revenue"]
    assert sum(r["paid"] for r in report["by_period"]) == report["totals"]["paid"]
    assert sum(r["amount"] for r in report["by_payment_method"]) == report["totals"]["paid"]


def test_a_payment_at_2330_local_counts_on_that_local_day(world: World) -> None:
    # The generated payments at 23:30 and 00:30 local time fall on different UTC-independent days.
    late = [p for p in Payment.objects.filter(order__shop=world.shop) if p.paid_at.astimezone(ALMATY).hour == 23]
    early = [p for p in Payment.objects.filter(order__shop=world.shop) if p.paid_at.astimezone(ALMATY).hour == 0]
    assert late and early
    payment = late[0]
    day = local_day(payment.paid_at)
    assert payment.paid_at.astimezone(dt.UTC).date() == day  # 18:30 UTC: the same day in UTC too
    report = selectors.sales_report(shop=world.shop, date_from=day, date_to=day)
    assert report["by_period"][0]["paid"] == sum(
        (p.amount for p in Payment.objects.filter(order__shop=world.shop) if local_day(p.paid_at) == day), ZERO
    )
    # 00:30 local is 19:30 UTC of the day before: it belongs to the local day, not to the UTC one.
    payment = early[0]
    utc_day = payment.paid_at.astimezone(dt.UTC).date()
    assert utc_day == local_day(payment.paid_at) - dt.timedelta(days=1)
    only_utc_day = selectors.sales_report(shop=world.shop, date_from=utc_day, date_to=utc_day)
    assert payment.amount not in [] and only_utc_day["totals"]["paid"] == sum(
        (p.amount for p in Payment.objects.filter(order__shop=world.shop) if local_day(p.paid_at) == utc_day), ZERO
    )


def test_an_empty_period_is_zeros(world: World) -> None:
    far = dt.date(2001, 3, 1)
    report = selectors.sales_report(shop=world.shop, date_from=far, date_to=far + dt.timedelta(days=2))
    assert report["totals"] == {
        "orders": 0,
        "revenue": ZERO,
        "average_order": ZERO,
        "discounts": ZERO,
        "delivery_fees": ZERO,
        "paid": ZERO,
        "refunds": ZERO,
    }
    assert [r["orders"] for r in report["by_period"]] == [0, 0, 0]
    assert report["by_payment_method"] == [] and report["by_source"] == []
    products = selectors.products_report(shop=world.shop, date_from=far, date_to=far)
    assert products["items"] == [] and products["total"] == 0 and products["totals"]["revenue"] == ZERO
    staff = selectors.staff_report(shop=world.shop, date_from=far, date_to=far)
    assert staff["couriers"] == [] and staff["florists"] == []
    stock = selectors.stock_report(shop=world.shop, date_from=far, date_to=far)
    assert stock["write_offs"]["cost"] == ZERO and stock["receipts"] == {"quantity": 0, "cost": ZERO}


# --- Products -------------------------------------------------------------------------------


def _expected_products(world: World, date_from: dt.date, date_to: dt.date) -> dict[int, dict[str, Any]]:
    found: dict[int, dict[str, Any]] = {}
    raw_cost: dict[int, Decimal] = defaultdict(Decimal)
    for order in orders_in(world, date_from, date_to):
        lines = list(OrderItem.objects.filter(order=order))
        moves = list(StockMovement.objects.filter(order=order, kind=MovementKind.CONSUMPTION))
        consumed = sum((Decimal(-m.delta) * m.unit_cost for m in moves), Decimal(0))
        for line in lines:
            row = found.setdefault(
                line.product_id,
                {"product_id": line.product_id, "name": line.product.name, "quantity": 0, "revenue": ZERO},
            )
            row["quantity"] += line.quantity
            row["revenue"] += line.line_total
            if not order.recipe_consumed:
                raw_cost[line.product_id] += line.unit_cost * line.quantity
            elif order.subtotal > 0:
                raw_cost[line.product_id] += consumed * line.line_total / order.subtotal
            else:
                raw_cost[line.product_id] += consumed * line.quantity / sum(x.quantity for x in lines)
    for product_id, row in found.items():
        row["cost"] = q(raw_cost[product_id])
        row["margin"] = row["revenue"] - row["cost"]
    return found


def test_products_report_matches_a_plain_computation(world: World) -> None:
    report = selectors.products_report(shop=world.shop, date_from=world.date_from, date_to=world.date_to)
    expected = _expected_products(world, world.date_from, world.date_to)
    assert sorted(report["items"], key=lambda r: r["product_id"]) == sorted(
        expected.values(), key=lambda r: r["product_id"]
    )
    revenues = [r["revenue"] for r in report["items"]]
    assert revenues == sorted(revenues, reverse=True)
    assert report["total"] == len(expected) == 3
    assert report["totals"]["revenue"] == sum(r["revenue"] for r in report["items"])
    assert report["totals"]["cost"] == sum(r["cost"] for r in report["items"])
    # Cost comes from the consumption (extra stems included), not from the recipe now.
    big = world.products[0]
    assert expected[big.id]["cost"] > 0
    card = world.products[2]
    assert expected[card.id]["cost"] == ZERO  # no recipe, never assembled, cost at sale 0
    limited = selectors.products_report(shop=world.shop, date_from=world.date_from, date_to=world.date_to, limit=1)
    assert limited["items"] == report["items"][:1] and limited["total"] == 3 and limited["totals"] == report["totals"]


def test_product_cost_is_shared_between_lines_by_revenue(world: World) -> None:
    """A two-line order assembled with a consumption of its own: each line takes its share."""
    from apps.orders.services import order_create, order_transition
    from flowercrm.roles import Role

    rose, green = world.stock
    big, small, _ = world.products
    day = world.date_from - dt.timedelta(days=30)
    order = order_create(
        shop=world.shop,
        actor=world.admin.user,
        data={
            "customer_obj": Order.objects.filter(shop=world.shop).first().customer,  # type: ignore[union-attr]
            "delivery_method": DeliveryMethod.PICKUP,
            "delivery_date": day,
            "items": [{"product": big, "quantity": 1}, {"product": small, "quantity": 2}],
        },
    )
    for to in ("confirmed", "in_production"):
        order_transition(order=order, to=to, actor=world.admin.user, role=Role.ADMIN)
    order_transition(
        order=order, to="assembled", actor=world.admin.user, role=Role.ADMIN, consumption={rose.id: 10, green.id: 1}
    )
    rose.refresh_from_db()
    green.refresh_from_db()
    consumed = 10 * rose.unit_cost + 1 * green.unit_cost
    report = selectors.products_report(shop=world.shop, date_from=day, date_to=day)
    by_id = {r["product_id"]: r for r in report["items"]}
    assert by_id[big.id]["cost"] == q(consumed * Decimal("15000") / Decimal("24000"))
    assert by_id[small.id]["cost"] == q(consumed * Decimal("9000") / Decimal("24000"))


# --- Stock ----------------------------------------------------------------------------------


def test_stock_report_matches_a_plain_computation(world: World) -> None:
    report = selectors.stock_report(shop=world.shop, date_from=world.date_from, date_to=world.date_to)
    items = list(StockItem.objects.filter(shop=world.shop))
    assert report["stock_value"] == sum((i.quantity * i.unit_cost for i in items), ZERO)
    assert report["stock_quantity"] == sum(i.quantity for i in items)
    moves = [
        m
        for m in StockMovement.objects.filter(shop=world.shop)
        if world.date_from <= local_day(m.created_at) <= world.date_to
    ]
    by_reason = {
        r.value: {
            "reason": r.value,
            "quantity": sum(-m.delta for m in moves if m.kind == MovementKind.WRITE_OFF and m.reason == r.value),
            "cost": sum(
                (-m.delta * m.unit_cost for m in moves if m.kind == MovementKind.WRITE_OFF and m.reason == r.value),
                ZERO,
            ),
        }
        for r in WriteOffReason
    }
    assert report["write_offs"]["by_reason"] == list(by_reason.values())
    assert all(r["quantity"] > 0 for r in by_reason.values())
    assert report["write_offs"]["cost"] == sum(r["cost"] for r in by_reason.values())
    consumption = [m for m in moves if m.kind == MovementKind.CONSUMPTION]
    assert report["consumption"] == {
        "quantity": sum(-m.delta for m in consumption),
        "cost": sum((-m.delta * m.unit_cost for m in consumption), ZERO),
    }
    lines = [
        line
        for line in SupplyLine.objects.filter(supply__shop=world.shop).select_related("supply")
        if line.supply.status == SupplyStatus.RECEIVED
        and line.supply.received_at is not None
        and world.date_from <= local_day(line.supply.received_at) <= world.date_to
    ]
    assert lines and all(line.supply.currency == "USD" for line in lines)
    assert report["receipts"] == {
        "quantity": sum(line.quantity for line in lines),
        "cost": sum((q(line.quantity * line.purchase_price * line.supply.rate) for line in lines), ZERO),
    }
    assert report["receipts"]["cost"] == q(50 * Decimal("1.2345") * Decimal("480.5")) + q(
        7 * Decimal("0.3333") * Decimal("480.5")
    )


# --- Receivables ----------------------------------------------------------------------------


def test_receivables_are_unpaid_and_partially_paid_orders_not_cancelled(world: World) -> None:
    report = selectors.receivables_report(shop=world.shop)
    owing = [
        o
        for o in Order.objects.filter(shop=world.shop)
        if o.status != OrderStatus.CANCELLED
        and o.payment_status in (PaymentStatus.UNPAID, PaymentStatus.PARTIALLY_PAID)
        and o.total > o.paid_amount
    ]
    assert owing and any(o.payment_status == PaymentStatus.PARTIALLY_PAID for o in owing)
    assert Order.objects.filter(shop=world.shop, status=OrderStatus.CANCELLED, paid_amount__lt=1).exists()
    assert report["total"] == len(owing)
    assert report["amount_due"] == sum((o.total - o.paid_amount for o in owing), ZERO)
    assert report["amount_due"] == sum(i["amount_due"] for i in report["items"])
    assert {i["id"] for i in report["items"]} == {o.id for o in owing}
    page = selectors.receivables_report(shop=world.shop, limit=2, offset=1)
    assert page["items"] == report["items"][1:3] and page["total"] == report["total"]


# --- Staff ----------------------------------------------------------------------------------


def test_staff_report_matches_a_plain_computation(world: World) -> None:
    report = selectors.staff_report(shop=world.shop, date_from=world.date_from, date_to=world.date_to)
    couriers: dict[int, dict[str, Any]] = {}
    for o in Order.objects.filter(shop=world.shop, status=OrderStatus.DELIVERED).select_related("courier"):
        if not (world.date_from <= o.delivery_date <= world.date_to) or o.courier is None:
            continue
        assert o.closed_at is not None
        closed = o.closed_at.astimezone(ALMATY)
        late = closed.date() > o.delivery_date or (
            closed.date() == o.delivery_date and o.delivery_time_to is not None and closed.time() > o.delivery_time_to
        )
        row = couriers.setdefault(
            o.courier.id,
            {"user_id": o.courier.id, "name": o.courier.name, "deliveries": 0, "on_time": 0, "late": 0, "issues": 0},
        )
        row["deliveries"] += 1
        row["late" if late else "on_time"] += 1
        row["issues"] += bool(o.issue_type)
    assert sorted(report["couriers"], key=lambda r: r["user_id"]) == sorted(
        couriers.values(), key=lambda r: r["user_id"]
    )
    assert sum(r["late"] for r in report["couriers"]) > 0 and sum(r["on_time"] for r in report["couriers"]) > 0

    florists: dict[int | None, dict[str, Any]] = {}
    for t in ProductionTask.objects.filter(shop=world.shop, status=TaskStatus.DONE).select_related("florist"):
        if t.finished_at is None or not (world.date_from <= local_day(t.finished_at) <= world.date_to):
            continue
        row = florists.setdefault(
            t.florist_id,
            {"user_id": t.florist_id, "name": t.florist.name if t.florist else "", "tasks": 0, "on_time": 0, "late": 0},
        )
        row["tasks"] += 1
        row["late" if t.finished_at > t.deadline else "on_time"] += 1
        row.setdefault("minutes", []).append(t.minutes_spent)
    for row in florists.values():
        minutes = [m for m in row.pop("minutes") if m is not None]
        row["minutes_total"] = sum(minutes)
        row["minutes_average"] = round(sum(minutes) / len(minutes)) if minutes else None
    assert report["florists"] == list(florists.values())
    assert report["florists"][0]["late"] > 0 and report["florists"][0]["on_time"] > 0


# --- Isolation and periods -----------------------------------------------------------------


def test_another_shops_rows_never_count(world: World) -> None:
    """The other shop of the fixture has orders, payments, movements and a supply in the same
    days; the figures above were computed from this shop's rows only and matched. Here: the
    other shop alone gives its own, different figures."""
    theirs = Order.objects.exclude(shop=world.shop).first()
    assert theirs is not None
    other = selectors.sales_report(shop=theirs.shop, date_from=world.date_from, date_to=world.date_to)
    mine = selectors.sales_report(shop=world.shop, date_from=world.date_from, date_to=world.date_to)
    assert 0 < other["totals"]["orders"] < mine["totals"]["orders"]
    assert other["totals"]["revenue"] == sum(
        (
            o.total
            for o in orders_in(
                World(theirs.shop, world.admin, world.today, world.date_from, world.date_to),
                world.date_from,
                world.date_to,
            )
        ),
        ZERO,
    )


@pytest.mark.parametrize(
    ("date_from", "date_to", "field"),
    [
        (dt.date(2026, 3, 2), dt.date(2026, 3, 1), "date_to"),
        (dt.date(2025, 1, 1), dt.date(2026, 1, 2), "date_to"),
    ],
)
def test_a_reversed_or_too_long_period_is_refused(
    world: World, date_from: dt.date, date_to: dt.date, field: str
) -> None:
    for report in (selectors.sales_report, selectors.products_report, selectors.stock_report, selectors.staff_report):
        with pytest.raises(Invalid) as raised:
            report(shop=world.shop, date_from=date_from, date_to=date_to)
        assert field in raised.value.extra["errors"]


def test_366_days_is_allowed() -> None:
    period = ReportPeriod.of(dt.date(2024, 1, 1), dt.date(2024, 12, 31))
    assert period.days == 366


@pytest.mark.parametrize(
    ("name", "queries"), [("sales", 2), ("products", 3), ("stock", 3), ("receivables", 2), ("staff", 2)]
)
def test_each_report_is_a_fixed_number_of_queries(
    world: World, name: str, queries: int, django_assert_num_queries: Any
) -> None:
    from apps.shops.tests.factories import ShopFactory

    empty = ShopFactory()
    report = getattr(selectors, f"{name}_report")
    for shop in (empty, world.shop):
        for days in (1, 366):
            kwargs: dict[str, Any] = {}
            if name != "receivables":
                kwargs = {"date_from": world.date_to - dt.timedelta(days=days - 1), "date_to": world.date_to}
            with django_assert_num_queries(queries):
                report(shop=shop, **kwargs)


def test_a_free_orders_consumption_is_shared_by_quantity(world: World) -> None:
    from apps.orders.services import order_create, order_transition
    from apps.orders.tests.factories import make_product
    from flowercrm.roles import Role

    rose = world.stock[0]
    gift_a, gift_b = make_product(world.shop, price="0"), make_product(world.shop, price="0")
    day = world.date_from - dt.timedelta(days=40)
    order = order_create(
        shop=world.shop,
        actor=world.admin.user,
        data={
            "customer_obj": Order.objects.filter(shop=world.shop).first().customer,  # type: ignore[union-attr]
            "delivery_method": DeliveryMethod.PICKUP,
            "delivery_date": day,
            "items": [{"product": gift_a, "quantity": 1}, {"product": gift_b, "quantity": 3}],
        },
    )
    for to in ("confirmed", "in_production"):
        order_transition(order=order, to=to, actor=world.admin.user, role=Role.ADMIN)
    order_transition(order=order, to="assembled", actor=world.admin.user, role=Role.ADMIN, consumption={rose.id: 7})
    rose.refresh_from_db()
    report = selectors.products_report(shop=world.shop, date_from=day, date_to=day)
    by_id = {r["product_id"]: r for r in report["items"]}
    assert by_id[gift_a.id]["cost"] == q(7 * rose.unit_cost / 4)
    assert by_id[gift_b.id]["cost"] == q(7 * rose.unit_cost * 3 / 4)
    assert by_id[gift_a.id]["revenue"] == ZERO and by_id[gift_a.id]["margin"] == -by_id[gift_a.id]["cost"]
