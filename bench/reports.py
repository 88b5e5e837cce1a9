"""Benchmark: the report endpoints (ARCHITECTURE §11.5) over a year of a busy shop, next to one
page of the orders list, through the real server, in the same run.

Seeds a bench database with N orders (default 100,000) spread over the last 365 days (bulk
inserts, not the services — this measures reads, like ``bench/orders_list.py``): 1–3 items
each, delivery fees and discounts, payments (most paid at once, some partly, some refunded,
some unpaid) at local times of the delivery day, cancelled orders, the consumption of every
assembled order, production tasks, write-offs of every reason and received supplies. Then it
starts gunicorn with uvicorn workers on loopback and reports p50/p95 of each report for a
30-day and a 365-day period, and p50/p95 of ``GET /api/orders/?limit=100``.

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/fcb_reports .venv/bin/python bench/reports.py

Options: --orders 100000 --requests 30 --workers 2 --port (a free one). Seeding happens once: a shop
that already has the orders is reused.
"""

from __future__ import annotations

import argparse
import datetime as dt
import os
import random
import socket
import subprocess
import sys
import time
from decimal import Decimal
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")
os.environ.setdefault("SECRET_KEY", "bench-" + "s" * 64)
os.environ.setdefault("ALLOWED_HOSTS", "127.0.0.1,localhost")

from bench.orders_list import percentile, wait_for  # noqa: E402

SHOP_NAME = "Bench reports"
BATCH = 5000
METHODS = ["cash", "card", "kaspi", "kaspi", "kaspi", "transfer", "qr"]
SOURCES = ["", "instagram", "whatsapp", "storefront", "phone"]
REASONS = ["wilted", "damaged", "lost", "other"]


def _money(value: float) -> Decimal:
    return Decimal(f"{value:.2f}")


def seed(count: int) -> tuple[int, str]:  # noqa: PLR0915  (one straight script)
    from django.core.management import call_command
    from django.db import connection
    from django.utils import timezone

    from apps.accounts.models import User
    from apps.catalog.models import Product
    from apps.customers.models import Customer
    from apps.orders.models import Order, OrderCounter, OrderItem, Payment
    from apps.production.models import ProductionTask
    from apps.shops.models import Membership, Shop
    from apps.shops.services import shop_create
    from apps.shops.sessions import tokens_issue
    from apps.supplies.models import Supplier, Supply, SupplyLine
    from apps.warehouse.models import StockItem, StockMovement

    call_command("migrate", verbosity=0)
    shop = Shop.objects.filter(name=SHOP_NAME).first()
    if shop is None:
        shop, _ = shop_create(name=SHOP_NAME, admin_phone="+77000000998", admin_password="bench-password-1")
    admin = Membership.objects.get(shop=shop, role="admin")
    token = tokens_issue(membership=admin).access
    if Order.objects.filter(shop=shop).count() >= count:
        return shop.id, token

    rng = random.Random(16)
    zone = shop.zoneinfo
    today = timezone.localtime(timezone.now(), zone).date()
    staff = []
    for i, role in enumerate(["courier", "courier", "courier", "florist", "florist"]):
        user, _ = User.objects.get_or_create(phone=f"+7700100{i:04d}", defaults={"name": f"{role} {i}"})
        Membership.objects.get_or_create(shop=shop, user=user, defaults={"role": role})
        staff.append(user)
    couriers, florists = staff[:3], staff[3:]
    stock = [
        StockItem.objects.get_or_create(
            shop=shop, name=f"Стебель {i}", defaults={"unit_cost": _money(150 + 40 * i), "min_quantity": 10}
        )[0]
        for i in range(12)
    ]
    StockItem.objects.filter(shop=shop).update(quantity=5000)
    products = [
        Product.objects.get_or_create(shop=shop, name=f"Букет {i}", defaults={"price": Decimal(8000 + i * 1500)})[0]
        for i in range(25)
    ]
    Customer.objects.bulk_create(
        [Customer(shop=shop, phone=f"+7702{i:07d}", name=f"Клиент {i}") for i in range(5000)], ignore_conflicts=True
    )
    customers = list(Customer.objects.filter(shop=shop).values_list("id", flat=True))

    def local(day: dt.date, hour: int, minute: int) -> dt.datetime:
        return dt.datetime.combine(day, dt.time(hour, minute), tzinfo=zone)

    started = time.perf_counter()
    for start in range(0, count, BATCH):
        numbers = range(start + 1, min(start + BATCH, count) + 1)
        plan = {}
        orders = []
        for number in numbers:
            day = today - dt.timedelta(days=rng.randrange(365))
            lines = [(rng.choice(products), rng.choice((1, 1, 1, 2, 3))) for _ in range(rng.choice((1, 1, 2, 3)))]
            subtotal = sum((p.price * q for p, q in lines), Decimal(0))
            fee = Decimal(rng.choice(("0", "1500", "2000", "2500")))
            discount = Decimal(rng.choice(("0", "0", "0", "500", "1000.50")))
            total = subtotal + fee - discount
            roll = rng.random()
            status = "cancelled" if roll < 0.05 else "new" if day > today - dt.timedelta(days=2) else "delivered"
            pay_roll = rng.random()
            paid = (
                total if pay_roll < 0.85 else (total / 2).quantize(Decimal("0.01")) if pay_roll < 0.93 else Decimal(0)
            )
            plan[number] = (day, lines, paid, status)
            orders.append(
                Order(
                    shop=shop,
                    number=number,
                    status=status,
                    customer_id=rng.choice(customers),
                    recipient_name=f"Получатель {number}",
                    recipient_phone="+77017654321",
                    delivery_address="ул. Абая 10",
                    delivery_date=day,
                    delivery_time_from=dt.time(10),
                    delivery_time_to=dt.time(12),
                    source=rng.choice(SOURCES),
                    subtotal=subtotal,
                    delivery_fee=fee,
                    discount=discount,
                    total=total,
                    paid_amount=paid,
                    payment_status="unpaid" if paid == 0 else "paid" if paid >= total else "partially_paid",
                    courier=rng.choice(couriers) if status == "delivered" else None,
                    florist=rng.choice(florists) if status == "delivered" else None,
                    recipe_consumed=status == "delivered",
                    closed_at=local(day, rng.randrange(9, 14), rng.randrange(60)) if status != "new" else None,
                    search_text=f"{number} получатель {number}",
                )
            )
        Order.objects.bulk_create(orders)
        ids = dict(Order.objects.filter(shop=shop, number__in=list(numbers)).values_list("number", "id"))
        items, payments, movements, tasks = [], [], [], []
        for number, (day, lines, paid, status) in plan.items():
            order_id = ids[number]
            for product, quantity in lines:
                items.append(
                    OrderItem(
                        order_id=order_id,
                        product=product,
                        name=product.name,
                        quantity=quantity,
                        unit_price=product.price,
                        unit_cost=Decimal("3000.00"),
                        line_total=product.price * quantity,
                    )
                )
            if paid:
                method = rng.choice(METHODS)
                when = local(day, rng.randrange(0, 24), rng.randrange(60))
                payments.append(Payment(order_id=order_id, amount=paid, method=method, paid_at=when))
                if status == "cancelled":
                    payments.append(
                        Payment(order_id=order_id, amount=-paid, method=method, paid_at=when + dt.timedelta(hours=1))
                    )
            if status == "delivered":
                for item in rng.sample(stock, 2):
                    movements.append(
                        StockMovement(
                            shop=shop,
                            item=item,
                            kind="consumption",
                            delta=-rng.randrange(1, 12),
                            balance_after=1000,
                            unit_cost=item.unit_cost,
                            order_id=order_id,
                        )
                    )
                window = local(day, 10, 0)
                finished = window - dt.timedelta(minutes=rng.randrange(-30, 120))
                tasks.append(
                    ProductionTask(
                        shop=shop,
                        order_id=order_id,
                        florist=rng.choice(florists),
                        status="done",
                        window_start=window,
                        deadline=window - dt.timedelta(minutes=60),
                        started_at=finished - dt.timedelta(minutes=30),
                        finished_at=finished,
                        minutes_spent=rng.randrange(10, 60),
                    )
                )
        OrderItem.objects.bulk_create(items)
        Payment.objects.bulk_create(payments)
        StockMovement.objects.bulk_create(movements)
        ProductionTask.objects.bulk_create(tasks)
        # Cancelled orders whose payment was refunded owe nothing and hold nothing.
        Order.objects.filter(shop=shop, number__in=list(numbers), status="cancelled", paid_amount__gt=0).update(
            paid_amount=Decimal(0), payment_status="refunded"
        )
        print(f"  seeded {numbers[-1]} orders ({time.perf_counter() - started:.0f} s)", flush=True)

    write_offs = []
    for _ in range(3000):
        item = rng.choice(stock)
        reason = rng.choice(REASONS)
        write_offs.append(
            StockMovement(
                shop=shop,
                item=item,
                kind="write_off",
                reason=reason,
                note="bench" if reason == "other" else "",
                delta=-rng.randrange(1, 20),
                balance_after=1000,
                unit_cost=item.unit_cost,
            )
        )
    StockMovement.objects.bulk_create(write_offs)
    supplier, _ = Supplier.objects.get_or_create(shop=shop, name="Голландия")
    for i in range(60):
        day = today - dt.timedelta(days=i * 6)
        usd = i % 2 == 0
        supply = Supply.objects.create(
            shop=shop,
            supplier=supplier,
            date=day,
            currency="USD" if usd else shop.currency,
            rate=Decimal("480.5000") if usd else Decimal(1),
            status="received",
            received_at=local(day, 9, 0),
        )
        SupplyLine.objects.bulk_create(
            [
                SupplyLine(
                    supply=supply,
                    stock_item=item,
                    quantity=200,
                    purchase_price=Decimal("0.9500") if usd else Decimal("420"),
                )
                for item in rng.sample(stock, 6)
            ]
        )
    # bulk_create stamps created_at with now; a movement happened on its order's day (write-offs
    # on a random day of the year).
    with connection.cursor() as cursor:
        cursor.execute(
            """
            UPDATE warehouse_stockmovement m
               SET created_at = (o.delivery_date + time '15:00') AT TIME ZONE %s
              FROM orders_order o
             WHERE m.order_id = o.id AND m.shop_id = %s
            """,
            [shop.time_zone, shop.id],
        )
        cursor.execute(
            """
            UPDATE warehouse_stockmovement
               SET created_at = now() - (random() * interval '365 days')
             WHERE shop_id = %s AND kind = 'write_off'
            """,
            [shop.id],
        )
    with connection.cursor() as cursor:  # outside a transaction: the steady state autovacuum keeps
        cursor.execute("VACUUM ANALYZE")
    OrderCounter.objects.update_or_create(shop=shop, defaults={"last_number": count})
    print(f"seeded in {time.perf_counter() - started:.0f} s", flush=True)
    return shop.id, token


def measure(client: object, url: str, requests: int) -> tuple[float, float]:
    times = []
    for _ in range(3):
        client.get(url).raise_for_status()  # type: ignore[attr-defined]
    for _ in range(requests):
        start = time.perf_counter()
        response = client.get(url)  # type: ignore[attr-defined]
        times.append((time.perf_counter() - start) * 1000)
        response.raise_for_status()
    return percentile(times, 0.5), percentile(times, 0.95)


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--orders", type=int, default=100_000)
    parser.add_argument("--requests", type=int, default=30)
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--port", type=int, default=0, help="default: a free port")
    args = parser.parse_args()
    if not os.environ.get("DATABASE_URL", "").startswith("postgres"):
        raise SystemExit("set DATABASE_URL to a PostgreSQL database (e.g. .../fcb_reports)")

    import httpx
    from django.utils import timezone

    from apps.shops.models import Shop

    shop_id, token = seed(args.orders)
    today = timezone.localtime(timezone.now(), Shop.objects.get(pk=shop_id).zoneinfo).date()
    periods = {
        "30 days": f"date_from={today - dt.timedelta(days=29)}&date_to={today}",
        "365 days": f"date_from={today - dt.timedelta(days=364)}&date_to={today}",
    }
    if not args.port:
        with socket.socket() as probe:  # the machine is shared: never assume a port is free
            probe.bind(("127.0.0.1", 0))
            args.port = probe.getsockname()[1]
    gunicorn = Path(sys.executable).parent / "gunicorn"
    server = subprocess.Popen(  # noqa: S603
        [str(gunicorn), "-c", "gunicorn.conf.py", "config.asgi:application"],
        cwd=ROOT,
        env={
            **os.environ,
            "LOG_LEVEL": "WARNING",
            "BIND": f"127.0.0.1:{args.port}",
            "WEB_CONCURRENCY": str(args.workers),
        },
    )
    try:
        base = f"http://127.0.0.1:{args.port}"
        wait_for(f"{base}/health")
        rows = []
        with httpx.Client(base_url=base, headers={"Authorization": f"Bearer {token}"}, timeout=60) as client:
            orders = client.get("/api/orders/?limit=100").json()
            assert len(orders["items"]) == 100 and orders["total"] >= args.orders
            rows.append(("GET /api/orders/?limit=100", "", *measure(client, "/api/orders/?limit=100", args.requests)))
            for name in ("sales", "products", "stock", "staff"):
                for label, query in periods.items():
                    rows.append(
                        (
                            f"GET /api/reports/{name}/",
                            label,
                            *measure(client, f"/api/reports/{name}/?{query}", args.requests),
                        )
                    )
            rows.append(
                (
                    "GET /api/reports/receivables/",
                    "all time",
                    *measure(client, "/api/reports/receivables/", args.requests),
                )
            )
            sales = client.get(f"/api/reports/sales/?{periods['365 days']}").json()["totals"]
        print(f"orders in shop: {args.orders}, requests per row: {args.requests}, workers: {args.workers}")
        print(f"365-day sales: {sales['orders']} orders, revenue {sales['revenue']}, paid {sales['paid']}")
        print(f"{'endpoint':34} {'period':9} {'p50 ms':>8} {'p95 ms':>8}")
        for path, label, p50, p95 in rows:
            print(f"{path:34} {label:9} {p50:8.1f} {p95:8.1f}")
    finally:
        server.terminate()
        server.wait(timeout=10)


if __name__ == "__main__":
    from benchdb import ensure_database

    ensure_database()
    import django

    django.setup()
    from flowercrm.scopes import scopes_disabled

    # A benchmark seeds one shop and reads its rows from outside any request: on purpose.
    with scopes_disabled("benchmark seeding and bookkeeping, outside any request"):
        main()
