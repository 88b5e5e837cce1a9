"""Reports (ARCHITECTURE §11.5): pure reads that answer "how did we do?".

Every selector aggregates in the database in a fixed number of queries whatever the period
or the data (no loop over orders), and returns plain data: ``Decimal`` money quantized to
0.01, ``datetime.date`` days, ``int`` counts. Totals are the sums of the parts they sum
(computed from the parts, so they agree to the tiyn). Days are the shop's local days.

    sales_report(*, shop, date_from: date, date_to: date, group: str = "day") -> dict   # 2 queries
        {"currency", "date_from", "date_to", "group",
         "totals": {"orders", "revenue", "average_order", "discounts", "delivery_fees",
                    "paid", "refunds"},
         "by_period": [{"period": date, "orders", "revenue", "paid"}],        # every period, zeros too
         "by_payment_method": [{"method", "amount", "count", "refunds"}],      # by amount, desc
         "by_source": [{"source", "orders", "revenue"}]}                      # by revenue, desc

      Orders: by ``delivery_date`` in the period, cancelled excluded; ``revenue`` = Σ order
      ``total`` (items + delivery fee − discount). Payments: by payment time converted to the
      shop's local day, whatever the order's status or date; ``paid`` is the money kept, net
      of refunds (Σ of payments, refunds negative); ``refunds`` = Σ refunded (a positive
      amount, already taken off ``paid``). Per method: ``amount`` net, ``count`` payments
      (refunds not counted), ``refunds``. Σ by_period.paid = Σ by_payment_method.amount =
      totals.paid; Σ by_period.revenue = Σ by_source.revenue = totals.revenue.

    products_report(*, shop, date_from, date_to, limit: int | None = None) -> dict        # 3 queries
        {"currency", "date_from", "date_to",
         "items": [{"product_id", "name", "quantity", "revenue", "cost", "margin"}],  # by revenue, desc
         "total": <number of products>,
         "totals": {"quantity", "revenue", "cost", "margin"}}                  # over every product

      Lines of non-cancelled orders delivered in the period. ``revenue`` = Σ line totals (before
      the order's discount and delivery fee). ``cost`` = the consumption recorded at assembly
      (Σ −delta × unit cost of the order's ``consumption`` movements), shared between an
      order's lines by their line totals (by quantity when the order is free); an order never
      assembled (not yet, or imported history) counts its lines' cost at sale (the catalog
      cost stored on the line). ``limit`` cuts ``items``; ``total`` and ``totals`` cover all.

    stock_report(*, shop, date_from, date_to) -> dict                                     # 3 queries
        {"currency", "date_from", "date_to",
         "stock_value", "stock_quantity",                                     # now: Σ quantity × unit cost
         "write_offs": {"quantity", "cost",
                        "by_reason": [{"reason", "quantity", "cost"}]},      # every reason, zeros too
         "consumption": {"quantity", "cost"},                                 # assemblies
         "receipts": {"quantity", "cost"},                                    # supplies received
         "adjustments": {"quantity", "cost"}}                                 # stocktakes, net (signed)

      Movements by their time in the shop's local days, valued at the unit cost recorded on
      each movement. Receipts: lines of supplies received in the period, each at quantity ×
      purchase price × the supply's rate quantized half-up (a USD supply in the shop's
      currency), as receiving valued them.

    receivables_report(*, shop, limit: int | None = None, offset: int = 0) -> dict           # 2 queries
        {"currency", "total": <orders>, "amount_due", "items": [{"id", "number", "status",
         "delivery_date", "customer": {"id", "name", "phone"}, "total", "paid_amount",
         "amount_due", "payment_status"}]}                                     # oldest delivery first

      Unpaid and partially paid orders that are not cancelled and owe something
      (``amount_due`` = total − paid).

    staff_report(*, shop, date_from, date_to) -> dict                                      # 2 queries
        {"date_from", "date_to",
         "couriers": [{"user_id", "name", "deliveries", "on_time", "late", "issues"}],
         "florists": [{"user_id", "name", "tasks", "on_time", "late", "minutes_total",
                       "minutes_average"}]}

      Couriers: delivered delivery orders of the period (by ``delivery_date``); late = closed
      after the window's end (or after the delivery day without a window), in the shop's
      zone; ``issues`` = those with a problem flagged. Florists: production tasks finished in
      the period (local days); late = finished after the task's deadline; minutes from the
      task's ``minutes_spent`` (the average over the tasks that have it, ``None`` if none).

``ReportPeriod`` (``apps.reports.periods``) parses and checks the query parameters; every
selector checks its period the same way (reversed or over 366 days raises ``Invalid``).
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from decimal import Decimal
from typing import TYPE_CHECKING, Any

from django.db.models import (
    Case,
    Count,
    DateField,
    DecimalField,
    ExpressionWrapper,
    F,
    IntegerField,
    OuterRef,
    Q,
    Subquery,
    Sum,
    Value,
    When,
)
from django.db.models.functions import Coalesce, Round, Trunc, TruncDate, TruncTime

from apps.orders.models import DeliveryMethod, Order, OrderItem, OrderStatus, Payment, PaymentStatus
from apps.production.models import ProductionTask, TaskStatus
from apps.reports.periods import ReportPeriod
from apps.supplies.models import SupplyLine, SupplyStatus
from apps.warehouse.models import MovementKind, StockItem, StockMovement, WriteOffReason
from flowercrm.money import quantize_money

if TYPE_CHECKING:
    from apps.shops.models import Shop

ZERO = Decimal("0.00")
# Wide enough for sums of a year of a big shop, exact to the cent.
MONEY_SUM: DecimalField[Decimal, Decimal] = DecimalField(max_digits=20, decimal_places=2)
# Shares of an order's consumption before they are summed and rounded per product.
MONEY_SHARE: DecimalField[Decimal, Decimal] = DecimalField(max_digits=30, decimal_places=10)


def _money(value: Any) -> Decimal:
    return quantize_money(Decimal(value)) if value is not None else ZERO


def _money_sum(values: Any) -> Decimal:
    return sum(values, ZERO)


# --- Sales ----------------------------------------------------------------------------------


def sales_report(*, shop: Shop, date_from: dt.date, date_to: dt.date, group: str = "day") -> dict[str, Any]:
    """Revenue, orders and payments of the period (see the module docstring for the shape)."""
    period = ReportPeriod.of(date_from, date_to, group)
    start, end = period.bounds(shop)

    order_period: Any = (
        F("delivery_date") if group == "day" else Trunc("delivery_date", group, output_field=DateField())
    )
    order_rows = (
        Order.objects.filter(shop=shop, delivery_date__gte=date_from, delivery_date__lte=date_to)
        .exclude(status=OrderStatus.CANCELLED)
        .annotate(period=order_period)
        .values("period", "source")
        .annotate(
            orders=Count("id"),
            revenue=Sum("total"),
            discounts=Sum("discount"),
            delivery_fees=Sum("delivery_fee"),
        )
        .order_by()
    )
    payment_rows = (
        Payment.objects.filter(order__shop=shop, paid_at__gte=start, paid_at__lt=end)
        .annotate(period=Trunc("paid_at", group, output_field=DateField(), tzinfo=shop.zoneinfo))
        .values("period", "method")
        .annotate(
            net=Sum("amount"),
            refunded=Sum("amount", filter=Q(amount__lt=0)),
            count=Count("id", filter=Q(amount__gt=0)),
        )
        .order_by()
    )

    by_period: dict[dt.date, dict[str, Any]] = {
        day: {"period": day, "orders": 0, "revenue": ZERO, "paid": ZERO} for day in period.periods()
    }
    by_source: dict[str, dict[str, Any]] = {}
    discounts = delivery_fees = ZERO
    for row in order_rows:
        revenue = _money(row["revenue"])
        slot = by_period[_as_date(row["period"])]
        slot["orders"] += row["orders"]
        slot["revenue"] += revenue
        source = by_source.setdefault(row["source"], {"source": row["source"], "orders": 0, "revenue": ZERO})
        source["orders"] += row["orders"]
        source["revenue"] += revenue
        discounts += _money(row["discounts"])
        delivery_fees += _money(row["delivery_fees"])

    by_method: dict[str, dict[str, Any]] = {}
    for row in payment_rows:
        net = _money(row["net"])
        by_period[_as_date(row["period"])]["paid"] += net
        method = by_method.setdefault(
            row["method"], {"method": row["method"], "amount": ZERO, "count": 0, "refunds": ZERO}
        )
        method["amount"] += net
        method["count"] += row["count"]
        method["refunds"] -= _money(row["refunded"])

    orders = sum(slot["orders"] for slot in by_period.values())
    revenue = _money_sum(slot["revenue"] for slot in by_period.values())
    return {
        "currency": shop.currency,
        "date_from": date_from,
        "date_to": date_to,
        "group": group,
        "totals": {
            "orders": orders,
            "revenue": revenue,
            "average_order": quantize_money(revenue / orders) if orders else ZERO,
            "discounts": discounts,
            "delivery_fees": delivery_fees,
            "paid": _money_sum(m["amount"] for m in by_method.values()),
            "refunds": _money_sum(m["refunds"] for m in by_method.values()),
        },
        "by_period": list(by_period.values()),
        "by_payment_method": sorted(by_method.values(), key=lambda m: (-m["amount"], m["method"])),
        "by_source": sorted(by_source.values(), key=lambda s: (-s["revenue"], s["source"])),
    }


def _as_date(value: dt.date | dt.datetime) -> dt.date:
    return value.date() if isinstance(value, dt.datetime) else value


# --- Products -------------------------------------------------------------------------------


def products_report(*, shop: Shop, date_from: dt.date, date_to: dt.date, limit: int | None = None) -> dict[str, Any]:
    """What sold in the period, product by product, with the cost of what it took."""
    ReportPeriod.of(date_from, date_to)
    lines = OrderItem.objects.filter(
        order__shop=shop, order__delivery_date__gte=date_from, order__delivery_date__lte=date_to
    ).exclude(order__status=OrderStatus.CANCELLED)
    consumption = StockMovement.objects.filter(
        shop=shop,
        kind=MovementKind.CONSUMPTION,
        order__shop=shop,
        order__delivery_date__gte=date_from,
        order__delivery_date__lte=date_to,
    ).exclude(order__status=OrderStatus.CANCELLED)
    # 1. What sold, and the cost at sale of lines whose order was never assembled (no
    #    consumption recorded: not assembled yet, imported history). Annotation names differ
    #    from the line's columns, which the expressions read.
    sold = (
        lines.values("product_id", "product__name")
        .annotate(
            units=Sum("quantity"),
            sales=Sum("line_total"),
            at_sale=Sum(
                ExpressionWrapper(F("unit_cost") * F("quantity"), output_field=MONEY_SHARE),
                filter=Q(order__recipe_consumed=False),
            ),
        )
        .order_by("-sales", "product_id")
    )
    # 2. Consumption joined to its order's lines: each movement's cost shared between the
    #    lines by line total, so Σ over the lines is the movement's cost.
    movement_cost = ExpressionWrapper(-F("delta") * F("unit_cost"), output_field=MONEY_SUM)
    by_revenue = (
        consumption.filter(order__subtotal__gt=0)
        .values(product_id=F("order__items__product_id"))
        .annotate(
            cost_sum=Sum(
                ExpressionWrapper(
                    movement_cost * F("order__items__line_total") / F("order__subtotal"), output_field=MONEY_SHARE
                )
            )
        )
        .order_by()
    )
    # 3. The same for free orders (gifts: every line at 0), shared by quantity. Its own query,
    #    so the per-order quantity (a subquery) is costed and run only for those orders.
    order_quantity = Subquery(
        OrderItem.objects.filter(order=OuterRef("order_id")).values("order").annotate(q=Sum("quantity")).values("q"),
        output_field=IntegerField(),
    )
    by_quantity = (
        consumption.filter(order__subtotal=0)
        .values(product_id=F("order__items__product_id"))
        .annotate(
            cost_sum=Sum(
                ExpressionWrapper(
                    movement_cost * F("order__items__quantity") / order_quantity, output_field=MONEY_SHARE
                )
            )
        )
        .order_by()
    )
    raw_cost: dict[int, Decimal] = defaultdict(Decimal)
    for row in [*by_revenue, *by_quantity]:
        raw_cost[row["product_id"]] += row["cost_sum"] or 0
    items = []
    for row in sold:
        cost = _money(raw_cost[row["product_id"]] + (row["at_sale"] or 0))
        revenue = _money(row["sales"])
        items.append(
            {
                "product_id": row["product_id"],
                "name": row["product__name"],
                "quantity": row["units"],
                "revenue": revenue,
                "cost": cost,
                "margin": revenue - cost,
            }
        )
    return {
        "currency": shop.currency,
        "date_from": date_from,
        "date_to": date_to,
        "items": items[:limit] if limit is not None else items,
        "total": len(items),
        "totals": {
            "quantity": sum(i["quantity"] for i in items),
            "revenue": _money_sum(i["revenue"] for i in items),
            "cost": _money_sum(i["cost"] for i in items),
            "margin": _money_sum(i["margin"] for i in items),
        },
    }


# --- Stock ----------------------------------------------------------------------------------


def stock_report(*, shop: Shop, date_from: dt.date, date_to: dt.date) -> dict[str, Any]:
    """Stock value now, and what left and entered the stock in the period, at cost."""
    period = ReportPeriod.of(date_from, date_to)
    start, end = period.bounds(shop)
    movement_cost = ExpressionWrapper(F("delta") * F("unit_cost"), output_field=MONEY_SUM)
    now = StockItem.objects.filter(shop=shop).aggregate(
        value=Sum(ExpressionWrapper(F("quantity") * F("unit_cost"), output_field=MONEY_SUM)),
        units=Sum("quantity"),
    )
    rows = (
        StockMovement.objects.filter(
            shop=shop,
            kind__in=[MovementKind.WRITE_OFF, MovementKind.CONSUMPTION, MovementKind.ADJUSTMENT],
            created_at__gte=start,
            created_at__lt=end,
        )
        # Write-offs by reason; stocktake reasons are free text, so they are one group.
        .annotate(group=Case(When(kind=MovementKind.WRITE_OFF, then=F("reason")), default=Value("")))
        .values("kind", "group")
        .annotate(units=Sum("delta"), cost=Sum(movement_cost))
        .order_by()
    )
    receipts = SupplyLine.objects.filter(
        supply__shop=shop,
        supply__status=SupplyStatus.RECEIVED,
        supply__received_at__gte=start,
        supply__received_at__lt=end,
    ).aggregate(
        units=Sum("quantity"),
        cost=Sum(
            Round(
                ExpressionWrapper(F("quantity") * F("purchase_price") * F("supply__rate"), output_field=MONEY_SHARE),
                precision=2,
            ),
            output_field=MONEY_SUM,
        ),
    )

    reasons: dict[str, dict[str, Any]] = {
        r.value: {"reason": r.value, "quantity": 0, "cost": ZERO} for r in WriteOffReason
    }
    consumption: dict[str, Any] = {"quantity": 0, "cost": ZERO}
    adjustments: dict[str, Any] = {"quantity": 0, "cost": ZERO}
    for row in rows:
        quantity, cost = row["units"] or 0, _money(row["cost"])
        if row["kind"] == MovementKind.WRITE_OFF:
            slot = reasons.setdefault(row["group"], {"reason": row["group"], "quantity": 0, "cost": ZERO})
            slot["quantity"] -= quantity
            slot["cost"] -= cost
        elif row["kind"] == MovementKind.CONSUMPTION:
            consumption["quantity"] -= quantity
            consumption["cost"] -= cost
        else:
            adjustments["quantity"] += quantity
            adjustments["cost"] += cost
    by_reason = list(reasons.values())
    return {
        "currency": shop.currency,
        "date_from": date_from,
        "date_to": date_to,
        "stock_value": _money(now["value"]),
        "stock_quantity": now["units"] or 0,
        "write_offs": {
            "quantity": sum(r["quantity"] for r in by_reason),
            "cost": _money_sum(r["cost"] for r in by_reason),
            "by_reason": by_reason,
        },
        "consumption": consumption,
        "receipts": {"quantity": receipts["units"] or 0, "cost": _money(receipts["cost"])},
        "adjustments": adjustments,
    }


# --- Receivables ----------------------------------------------------------------------------


def receivables_report(*, shop: Shop, limit: int | None = None, offset: int = 0) -> dict[str, Any]:
    """Who owes what: orders not cancelled, unpaid or partially paid, with money due."""
    due = ExpressionWrapper(F("total") - F("paid_amount"), output_field=MONEY_SUM)
    owing = (
        Order.objects.filter(
            shop=shop,
            payment_status__in=[PaymentStatus.UNPAID, PaymentStatus.PARTIALLY_PAID],
            total__gt=F("paid_amount"),
        )
        .exclude(status=OrderStatus.CANCELLED)
        .order_by()
    )
    summary = owing.aggregate(count=Count("id"), amount_due=Sum(due))
    page = owing.annotate(due=due).order_by("delivery_date", "number", "id")
    page = page[offset : offset + limit] if limit is not None else page[offset:]
    items = [
        {
            "id": row["id"],
            "number": row["number"],
            "status": row["status"],
            "delivery_date": row["delivery_date"],
            "customer": {"id": row["customer_id"], "name": row["customer__name"], "phone": row["customer__phone"]},
            "total": row["total"],
            "paid_amount": row["paid_amount"],
            "amount_due": _money(row["due"]),
            "payment_status": row["payment_status"],
        }
        for row in page.values(
            "id",
            "number",
            "status",
            "delivery_date",
            "customer_id",
            "customer__name",
            "customer__phone",
            "total",
            "paid_amount",
            "due",
            "payment_status",
        )
    ]
    return {
        "currency": shop.currency,
        "total": summary["count"],
        "amount_due": _money(summary["amount_due"]),
        "items": items,
    }


# --- Staff ----------------------------------------------------------------------------------


def staff_report(*, shop: Shop, date_from: dt.date, date_to: dt.date) -> dict[str, Any]:
    """Couriers' deliveries on time and late; florists' finished tasks and minutes."""
    period = ReportPeriod.of(date_from, date_to)
    start, end = period.bounds(shop)
    zone = shop.zoneinfo
    # Late: closed after the window's end (local time), or on a later day.
    late = Q(closed_day__gt=F("delivery_date")) | Q(
        closed_day=F("delivery_date"), delivery_time_to__isnull=False, closed_time__gt=F("delivery_time_to")
    )
    courier_rows = (
        Order.objects.filter(
            shop=shop,
            status=OrderStatus.DELIVERED,
            delivery_method=DeliveryMethod.DELIVERY,
            courier__isnull=False,
            delivery_date__gte=date_from,
            delivery_date__lte=date_to,
        )
        .annotate(closed_day=TruncDate("closed_at", tzinfo=zone), closed_time=TruncTime("closed_at", tzinfo=zone))
        .values("courier_id", "courier__name")
        .annotate(
            deliveries=Count("id"),
            late=Count("id", filter=late),
            issues=Count("id", filter=~Q(issue_type="")),
        )
        .order_by("courier__name", "courier_id")
    )
    florist_rows = (
        ProductionTask.objects.filter(shop=shop, status=TaskStatus.DONE, finished_at__gte=start, finished_at__lt=end)
        .values("florist_id", "florist__name")
        .annotate(
            tasks=Count("id"),
            late=Count("id", filter=Q(finished_at__gt=F("deadline"))),
            minutes_total=Coalesce(Sum("minutes_spent"), 0),
            timed=Count("minutes_spent"),
        )
        .order_by("florist__name", "florist_id")
    )
    return {
        "date_from": date_from,
        "date_to": date_to,
        "couriers": [
            {
                "user_id": row["courier_id"],
                "name": row["courier__name"],
                "deliveries": row["deliveries"],
                "on_time": row["deliveries"] - row["late"],
                "late": row["late"],
                "issues": row["issues"],
            }
            for row in courier_rows
        ],
        "florists": [
            {
                "user_id": row["florist_id"],
                "name": row["florist__name"] or "",
                "tasks": row["tasks"],
                "on_time": row["tasks"] - row["late"],
                "late": row["late"],
                "minutes_total": row["minutes_total"],
                "minutes_average": round(row["minutes_total"] / row["timed"]) if row["timed"] else None,
            }
            for row in florist_rows
        ],
    }
