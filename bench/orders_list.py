"""Benchmark: ``GET /api/orders/?limit=100`` through the real server vs one raw SQL query.

Seeds a bench database with N orders of 3 items each (bulk inserts, not the services — this
measures reads), starts gunicorn with uvicorn workers on loopback, and reports p50/p95 of the
API next to the same 100 rows fetched with one SQL query and serialised with ``json``.

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/flowercrm_bench .venv/bin/python bench/orders_list.py

Options: --orders 10000 --requests 200 --workers 2 --port 8765 --keep (reuse seeded data).
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import os
import random
import statistics
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

RAW_SQL = """
SELECT o.id, o.number, o.status, o.delivery_date, o.delivery_time_from, o.delivery_time_to,
       o.recipient_name, o.recipient_phone, o.total, o.paid_amount, o.payment_status, o.created_at,
       c.id, c.name, c.phone,
       (SELECT json_agg(json_build_array(i.name, i.quantity, i.unit_price) ORDER BY i.id)
          FROM orders_orderitem i WHERE i.order_id = o.id)
  FROM orders_order o JOIN customers_customer c ON c.id = o.customer_id
 WHERE o.shop_id = %s
 ORDER BY o.created_at DESC, o.id DESC
 LIMIT 100
"""


def percentile(values: list[float], p: float) -> float:
    ordered = sorted(values)
    k = (len(ordered) - 1) * p
    lo, hi = int(k), min(int(k) + 1, len(ordered) - 1)
    return ordered[lo] + (ordered[hi] - ordered[lo]) * (k - lo)


def seed(count: int) -> tuple[int, str]:
    import django

    django.setup()
    from django.core.management import call_command
    from django.utils import timezone

    from apps.catalog.models import Product
    from apps.customers.models import Customer
    from apps.orders.models import Order, OrderItem
    from apps.shops.models import Membership, Shop
    from apps.shops.services import shop_create

    call_command("migrate", verbosity=0)
    shop = Shop.objects.filter(name="Bench").first()
    if shop is None:
        shop, _ = shop_create(name="Bench", admin_phone="+77000000999", admin_password="bench-password-1")
    admin = Membership.objects.get(shop=shop, role="admin")
    existing = Order.objects.filter(shop=shop).count()
    if existing < count:
        rng = random.Random(7)
        products = [
            Product.objects.get_or_create(shop=shop, name=f"Букет {i}", defaults={"price": Decimal(10000 + i * 500)})[0]
            for i in range(20)
        ]
        customers = Customer.objects.bulk_create(
            [Customer(shop=shop, phone=f"+7701{i:07d}", name=f"Клиент {i}") for i in range(existing, count)],
            ignore_conflicts=True,
        )
        customers = list(Customer.objects.filter(shop=shop))
        now = timezone.now()
        batch = 1000
        for start in range(existing, count, batch):
            orders = []
            for n in range(start, min(start + batch, count)):
                orders.append(
                    Order(
                        shop=shop,
                        number=n + 1,
                        customer=rng.choice(customers),
                        recipient_name=f"Получатель {n}",
                        recipient_phone="+77017654321",
                        delivery_address="ул. Абая 10",
                        delivery_date=(now + dt.timedelta(days=rng.randint(-30, 30))).date(),
                        delivery_time_from=dt.time(10),
                        delivery_time_to=dt.time(12),
                        total=Decimal("45000.00"),
                        subtotal=Decimal("45000.00"),
                        search_text=f"{n + 1} получатель {n}",
                    )
                )
            Order.objects.bulk_create(orders)
            items = []
            for order in Order.objects.filter(shop=shop, number__gt=start, number__lte=start + batch):
                for product in rng.sample(products, 3):
                    items.append(
                        OrderItem(
                            order=order,
                            product=product,
                            name=product.name,
                            quantity=1,
                            unit_price=product.price,
                            line_total=product.price,
                        )
                    )
            OrderItem.objects.bulk_create(items)
        from apps.orders.models import OrderCounter

        OrderCounter.objects.update_or_create(shop=shop, defaults={"last_number": count})
    from apps.shops.sessions import tokens_issue

    return shop.id, tokens_issue(membership=admin).access


def wait_for(url: str, timeout: float = 30) -> None:
    import httpx

    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        try:
            if httpx.get(url, timeout=1).status_code in (200, 503):
                return
        except httpx.HTTPError:
            time.sleep(0.2)
    raise SystemExit(f"server did not start: {url}")


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--orders", type=int, default=10_000)
    parser.add_argument("--requests", type=int, default=200)
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--port", type=int, default=8765)
    args = parser.parse_args()
    if not os.environ.get("DATABASE_URL", "").startswith("postgres"):
        raise SystemExit("set DATABASE_URL to a PostgreSQL database (e.g. .../flowercrm_bench)")

    shop_id, token = seed(args.orders)
    import httpx
    from django.db import connection

    server = subprocess.Popen(  # noqa: S603
        [
            str(ROOT / ".venv/bin/gunicorn"),
            "-c",
            "gunicorn.conf.py",
            "config.asgi:application",
        ],
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
        api_times: list[float] = []
        with httpx.Client(base_url=base, headers={"Authorization": f"Bearer {token}"}, timeout=30) as client:
            for _ in range(10):
                client.get("/api/orders/?limit=100").raise_for_status()
            for _ in range(args.requests):
                start = time.perf_counter()
                response = client.get("/api/orders/?limit=100")
                api_times.append((time.perf_counter() - start) * 1000)
                response.raise_for_status()
            assert len(response.json()["items"]) == 100
            assert response.json()["total"] >= args.orders
        raw_times: list[float] = []
        with connection.cursor() as cursor:
            for _ in range(args.requests):
                start = time.perf_counter()
                cursor.execute(RAW_SQL, [shop_id])
                rows = cursor.fetchall()
                json.dumps(rows, default=str)
                raw_times.append((time.perf_counter() - start) * 1000)
        api50, api95 = percentile(api_times, 0.5), percentile(api_times, 0.95)
        raw50, raw95 = percentile(raw_times, 0.5), percentile(raw_times, 0.95)
        print(f"orders in shop: {args.orders}, requests: {args.requests}, gunicorn.conf.py workers: {args.workers}")
        print(
            f"API  GET /api/orders/?limit=100  p50 {api50:.1f} ms  p95 {api95:.1f} ms  (mean {statistics.mean(api_times):.1f})"
        )
        print(f"raw  one SQL query + json.dumps   p50 {raw50:.1f} ms  p95 {raw95:.1f} ms")
        print(f"ratio API/raw: p50 {api50 / raw50:.1f}x  p95 {api95 / raw95:.1f}x")
    finally:
        server.terminate()
        server.wait(timeout=10)


if __name__ == "__main__":
    import django

    django.setup()
    from flowercrm.scopes import scopes_disabled

    # A benchmark seeds one shop and reads its rows from outside any request: on purpose.
    with scopes_disabled("benchmark seeding and bookkeeping, outside any request"):
        main()
