"""Benchmark: ``GET /api/orders/?limit=100`` through the real server vs one raw SQL query.

Seeds a bench database with N orders of 3 items each (bulk inserts, not the services — this
measures reads), starts gunicorn with uvicorn workers on loopback, and reports p50/p95 of the
API next to the same 100 rows fetched with one SQL query and serialised with ``json``.

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/flowercrm_bench .venv/bin/python bench/orders_list.py

Seeded rows are kept and reused by the next run. Options: --orders 10000 --requests 200
--workers 2 --port 8765 --skip 0 (the page's offset);
--wrk: also ``wrk -t2 -c8 -d20s`` on the page, with the gunicorn workers' CPU time per
request (utime + stime from ``/proc/<pid>/stat`` before and after, divided by the requests
wrk counted); --create: also ``POST /api/orders/`` with 3 items under the same wrk load, in a
second shop ("Bench intake"), requests/s and CPU per order; --profile: only profile the
request in process (Django's test client) with cProfile (CPU time). Every figure is printed with
the 1-minute load average (the machine may be shared). The server's log goes to
``bench/results/gunicorn.log``.
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import os
import random
import re
import shutil
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
 LIMIT 100 OFFSET %s
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


def seed_intake() -> tuple[str, list[int]]:
    """A second shop for ``--create`` (its new orders stay out of the listed shop), with
    three products: an admin's access token and the product ids."""
    from apps.catalog.models import Product
    from apps.shops.models import Membership, Shop
    from apps.shops.services import shop_create
    from apps.shops.sessions import tokens_issue

    shop = Shop.objects.filter(name="Bench intake").first()
    if shop is None:
        shop, _ = shop_create(name="Bench intake", admin_phone="+77000000998", admin_password="bench-password-1")
    products = [
        Product.objects.get_or_create(shop=shop, name=f"Букет {i}", defaults={"price": Decimal(10000 + i * 500)})[0].pk
        for i in range(3)
    ]
    return tokens_issue(membership=Membership.objects.get(shop=shop, role="admin")).access, products


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


def load() -> str:
    """The 1-minute load average, printed beside each figure (the machine may be shared)."""
    return f"load {os.getloadavg()[0]:.2f}"


def worker_pids(master: int) -> list[int]:
    """gunicorn's worker processes (the children of its master)."""
    children = Path(f"/proc/{master}/task/{master}/children").read_text().split()
    return [int(pid) for pid in children]


def cpu_seconds(pids: list[int]) -> float:
    """utime + stime of ``pids`` from ``/proc/<pid>/stat``, in seconds."""
    ticks = 0
    for pid in pids:
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
        ticks += int(fields[11]) + int(fields[12])  # fields 14 and 15 of proc(5)
    return ticks / os.sysconf("SC_CLK_TCK")


def run_wrk(
    *, url: str, token: str, master: int, threads: int, connections: int, seconds: int, script: str | None = None
) -> dict[str, float]:
    """``wrk -t -c -d`` against ``url``; the workers' CPU time read from ``/proc`` before and
    after, divided by the requests served."""
    if shutil.which("wrk") is None:
        raise SystemExit("wrk is not installed (apt-get install -y wrk)")
    pids = worker_pids(master)
    before = cpu_seconds(pids)
    command = ["wrk", f"-t{threads}", f"-c{connections}", f"-d{seconds}s", "-H", f"Authorization: Bearer {token}"]
    if script:
        command += ["-s", script]
    output = subprocess.run([*command, url], capture_output=True, text=True, check=True).stdout  # noqa: S603
    used = cpu_seconds(pids) - before
    requests = int(re.search(r"(\d+) requests in", output).group(1))  # type: ignore[union-attr]
    bad = re.search(r"Non-2xx or 3xx responses: (\d+)", output)
    if bad:
        raise SystemExit(f"wrk: {bad.group(1)} answers were not 2xx:\n{output}")
    rate = float(re.search(r"Requests/sec:\s+([\d.]+)", output).group(1))  # type: ignore[union-attr]
    return {"requests": requests, "rate": rate, "cpu_ms": used * 1000 / max(requests, 1)}


def start_server(args: argparse.Namespace, log: Path) -> subprocess.Popen[bytes]:
    """gunicorn with the production config (``gunicorn.conf.py``) on loopback."""
    log.parent.mkdir(parents=True, exist_ok=True)
    return subprocess.Popen(  # noqa: S603
        [str(Path(sys.executable).with_name("gunicorn")), "-c", "gunicorn.conf.py", "config.asgi:application"],
        cwd=ROOT,
        env={
            **os.environ,
            "LOG_LEVEL": "WARNING",
            "BIND": f"127.0.0.1:{args.port}",
            "WEB_CONCURRENCY": str(args.workers),
        },
        stdout=log.open("ab"),
        stderr=subprocess.STDOUT,
    )


def create_body(products: list[int]) -> str:
    return json.dumps(
        {
            "customer": {"phone": "+7 701 555 44 33", "name": "Айгерим"},
            "recipient_name": "Дана",
            "recipient_phone": "87017654321",
            "delivery_method": "delivery",
            "delivery_address": "ул. Абая 10, кв 5",
            "delivery_date": "2026-12-01",
            "delivery_time_from": "10:00",
            "delivery_time_to": "12:00",
            "card_text": "С днём рождения!",
            "items": [{"product_id": pk, "quantity": 1} for pk in products[:3]],
            "delivery_fee": "1500.00",
        },
        ensure_ascii=False,
    )


def profile(path: str, token: str, count: int) -> None:
    """The request in process (Django's test client, no server) under cProfile, timed by
    CPU time (``time.process_time``): CPU per request, then the functions by cumulative time."""
    import cProfile
    import io
    import pstats

    from django.test import Client

    client = Client(HTTP_AUTHORIZATION=f"Bearer {token}", HTTP_HOST="127.0.0.1")
    for _ in range(10):
        assert client.get(path).status_code == 200
    started = time.process_time()
    for _ in range(count):
        client.get(path)
    plain = (time.process_time() - started) * 1000 / count
    profiler = cProfile.Profile(time.process_time)
    profiler.enable()
    for _ in range(count):
        client.get(path)
    profiler.disable()
    print(f"in-process CPU per request: {plain:.1f} ms without the profiler ({count} requests) [{load()}]")
    out = io.StringIO()
    pstats.Stats(profiler, stream=out).sort_stats("cumulative").print_stats(45)
    print(out.getvalue())


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--orders", type=int, default=10_000)
    parser.add_argument("--requests", type=int, default=200)
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--port", type=int, default=8765)
    parser.add_argument("--skip", type=int, default=0, help="the page's skip (the list's offset)")
    parser.add_argument("--wrk", action="store_true", help="also wrk -t2 -c8 -d20s, with CPU per request")
    parser.add_argument("--wrk-seconds", type=int, default=20)
    parser.add_argument("--create", action="store_true", help="also POST /api/orders/ (3 items) under wrk")
    parser.add_argument("--profile", action="store_true", help="only: profile the request in process")
    args = parser.parse_args()
    if not os.environ.get("DATABASE_URL", "").startswith("postgres"):
        raise SystemExit("set DATABASE_URL to a PostgreSQL database (e.g. .../flowercrm_bench)")

    shop_id, token = seed(args.orders)
    from benchdb import analyze

    analyze()
    path = f"/api/orders/?limit=100&skip={args.skip}" if args.skip else "/api/orders/?limit=100"
    if args.profile:
        profile(path, token, args.requests)
        return
    import httpx
    from django.db import connection

    server = start_server(args, ROOT / "bench/results/gunicorn.log")
    try:
        base = f"http://127.0.0.1:{args.port}"
        wait_for(f"{base}/health")
        api_times: list[float] = []
        with httpx.Client(base_url=base, headers={"Authorization": f"Bearer {token}"}, timeout=30) as client:
            for _ in range(10):
                client.get(path).raise_for_status()
            api_load = load()
            for _ in range(args.requests):
                start = time.perf_counter()
                response = client.get(path)
                api_times.append((time.perf_counter() - start) * 1000)
                response.raise_for_status()
            assert len(response.json()["items"]) == 100
            assert response.json()["total"] >= args.orders
        raw_times: list[float] = []
        raw_load = load()
        with connection.cursor() as cursor:
            for _ in range(args.requests):
                start = time.perf_counter()
                cursor.execute(RAW_SQL, [shop_id, args.skip])
                rows = cursor.fetchall()
                json.dumps(rows, default=str)
                raw_times.append((time.perf_counter() - start) * 1000)
        api50, api95 = percentile(api_times, 0.5), percentile(api_times, 0.95)
        raw50, raw95 = percentile(raw_times, 0.5), percentile(raw_times, 0.95)
        print(f"orders in shop: {args.orders}, requests: {args.requests}, gunicorn.conf.py workers: {args.workers}")
        print(
            f"API  GET {path}  p50 {api50:.1f} ms  p95 {api95:.1f} ms  "
            f"(mean {statistics.mean(api_times):.1f})  [{api_load}]"
        )
        print(f"raw  one SQL query + json.dumps   p50 {raw50:.1f} ms  p95 {raw95:.1f} ms  [{raw_load}]")
        print(f"ratio API/raw: p50 {api50 / raw50:.1f}x  p95 {api95 / raw95:.1f}x")
        if args.wrk:
            before = load()
            result = run_wrk(
                url=base + path,
                token=token,
                master=server.pid,
                threads=2,
                connections=8,
                seconds=args.wrk_seconds,
            )
            print(
                f"wrk -t2 -c8 -d{args.wrk_seconds}s GET {path}: {result['rate']:.1f} requests/s, "
                f"CPU per request {result['cpu_ms']:.1f} ms ({int(result['requests'])} requests) "
                f"[{before}, after {load()}]"
            )
        if args.create:
            token, products = seed_intake()
            script = ROOT / "bench/results/create.lua"
            script.write_text(
                'wrk.method = "POST"\n'
                'wrk.headers["Content-Type"] = "application/json"\n'
                f"wrk.body = [[{create_body(products)}]]\n",
                encoding="utf-8",
            )
            before = load()
            result = run_wrk(
                url=f"{base}/api/orders/",
                token=token,
                master=server.pid,
                threads=2,
                connections=8,
                seconds=args.wrk_seconds,
                script=str(script),
            )
            print(
                f"wrk -t2 -c8 -d{args.wrk_seconds}s POST /api/orders/ (3 items): {result['rate']:.1f} requests/s, "
                f"CPU per request {result['cpu_ms']:.1f} ms ({int(result['requests'])} orders) "
                f"[{before}, after {load()}]"
            )
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
