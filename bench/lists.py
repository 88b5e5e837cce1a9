"""Benchmark: every list endpoint, its latency and its CPU per request per row, next to the
orders list's (issue 17: each list within 2x of the orders list's CPU per row returned).

Seeds one shop ("Bench lists") of a bench database with a modest data set — 120 stock items
received through the ledger (120 movements) plus the new items of 110 draft supplies of 3
lines, 120 products with a 3-item recipe, 150 customers with an address and a tag, 20 staff,
120 orders of 2 items of which 110 confirmed (110 production tasks), all assigned to one
courier — through the services and the test factories (kept and reused by the next run).
Then starts gunicorn with the production config (``gunicorn.conf.py``, 2 workers) and, for
each endpoint, sends ``--requests`` sequential requests of ``?limit=100`` after 5 warm-ups.

CPU: the gunicorn workers' utime + stime from ``/proc/<pid>/stat`` before and after each
endpoint's sequential requests, divided by the requests (sequential, so all of it is that
endpoint's; PostgreSQL's own CPU is not in it). Printed: rows per page, p50, CPU per request,
CPU per request per row, and that per-row figure as a multiple of the orders list's.

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/flowercrm_bench .venv/bin/python bench/lists.py

Options: --requests 60 --workers 2 --port 8766.
"""

from __future__ import annotations

import argparse
import os
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")
os.environ.setdefault("SECRET_KEY", "bench-" + "s" * 64)
os.environ.setdefault("ALLOWED_HOSTS", "127.0.0.1,localhost")

from bench.orders_list import cpu_seconds, load, percentile, start_server, wait_for, worker_pids  # noqa: E402

# (label, path, role of the caller)
ENDPOINTS = [
    ("orders (admin)", "/api/orders/?limit=100", "admin"),
    ("orders (florist)", "/api/orders/?limit=100", "florist"),
    ("orders (courier)", "/api/orders/?limit=100", "courier"),
    ("customers", "/api/customers/?limit=100", "admin"),
    ("products", "/api/products/?limit=100", "admin"),
    ("stock items", "/api/warehouse/items/?limit=100", "admin"),
    ("movements", "/api/warehouse/movements/?limit=100", "admin"),
    ("supplies", "/api/supplies/?limit=100", "admin"),
    ("tasks", "/api/production/tasks/?limit=100", "admin"),
    ("users", "/api/users/?limit=100", "admin"),
]


def seed() -> dict[str, str]:
    """The bench shop (made once) and an access token per role."""
    import django

    django.setup()
    from django.core.management import call_command

    from apps.catalog.tests.factories import ProductComponentFactory, ProductFactory
    from apps.customers.tests.factories import AddressFactory, CustomerFactory, TagFactory
    from apps.orders.models import OrderStatus
    from apps.orders.services import order_transition
    from apps.orders.tests.factories import make_order, make_stock
    from apps.shops.models import Membership, Shop
    from apps.shops.services import shop_create
    from apps.shops.sessions import tokens_issue
    from apps.shops.tests.factories import MembershipFactory
    from apps.supplies.tests.factories import SupplyFactory

    call_command("migrate", verbosity=0)
    shop = Shop.objects.filter(name="Bench lists").first()
    if shop is None:
        shop, _ = shop_create(name="Bench lists", admin_phone="+77000000997", admin_password="bench-password-1")
        admin = Membership.objects.get(shop=shop, role="admin")
        florist = MembershipFactory(shop=shop, role="florist")
        courier = MembershipFactory(shop=shop, role="courier")
        for i in range(18):
            MembershipFactory(shop=shop, role=("manager", "florist", "courier")[i % 3])
        stock = [make_stock(shop, name=f"Роза {i}", quantity=100) for i in range(120)]
        products = []
        for i in range(120):
            product = ProductFactory(shop=shop, name=f"Букет {i}")
            for k in range(3):
                ProductComponentFactory(product=product, stock_item=stock[(i + k) % len(stock)], quantity=3)
            products.append(product)
        for i in range(150):
            customer = CustomerFactory(shop=shop, name=f"Клиент {i}")
            AddressFactory(customer=customer)
            TagFactory(customer=customer)
        for _ in range(110):
            SupplyFactory(shop=shop, lines=3)
        for i in range(120):
            order = make_order(shop, admin.user, products[i], quantity=2, courier=courier.user)
            if i < 110:
                order_transition(order=order, to=OrderStatus.CONFIRMED, actor=admin.user, role="manager")
    else:
        admin = Membership.objects.get(shop=shop, role="admin")
        florist = Membership.objects.filter(shop=shop, role="florist").order_by("id").first()
        courier = Membership.objects.filter(shop=shop, role="courier").order_by("id").first()
    assert florist is not None and courier is not None
    return {m.role: tokens_issue(membership=m).access for m in (admin, florist, courier)}


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--requests", type=int, default=60)
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--port", type=int, default=8766)
    args = parser.parse_args()
    if not os.environ.get("DATABASE_URL", "").startswith("postgres"):
        raise SystemExit("set DATABASE_URL to a PostgreSQL database (e.g. .../flowercrm_bench)")
    tokens = seed()
    from benchdb import analyze

    analyze()
    import httpx

    server = start_server(args, ROOT / "bench/results/gunicorn-lists.log")
    results = []
    try:
        base = f"http://127.0.0.1:{args.port}"
        wait_for(f"{base}/health")
        pids = worker_pids(server.pid)
        for label, path, role in ENDPOINTS:
            with httpx.Client(base_url=base, headers={"Authorization": f"Bearer {tokens[role]}"}, timeout=30) as client:
                for _ in range(5):
                    client.get(path).raise_for_status()
                times = []
                before, started_load = cpu_seconds(pids), load()
                for _ in range(args.requests):
                    start = time.perf_counter()
                    response = client.get(path)
                    times.append((time.perf_counter() - start) * 1000)
                    response.raise_for_status()
                cpu_ms = (cpu_seconds(pids) - before) * 1000 / args.requests
                rows = len(response.json()["items"])
            results.append((label, path, rows, percentile(times, 0.5), cpu_ms, started_load))
    finally:
        server.terminate()
        server.wait(timeout=10)
    reference = results[0][4] / max(results[0][2], 1)
    print(f"{args.requests} sequential requests per endpoint, gunicorn.conf.py workers: {args.workers}")
    print(f"{'list':<18} {'rows':>5} {'p50 ms':>8} {'CPU ms/req':>11} {'CPU µs/row':>11} {'× orders':>9}  load")
    for label, _path, rows, p50, cpu_ms, started_load in results:
        per_row = cpu_ms / max(rows, 1)
        ratio = per_row / reference
        verdict = "ok" if ratio <= 2 else "MISS (> 2x)"
        print(
            f"{label:<18} {rows:>5} {p50:>8.1f} {cpu_ms:>11.1f} {per_row * 1000:>11.0f} {ratio:>8.1f}x  "
            f"{started_load}  {verdict}"
        )


if __name__ == "__main__":
    from benchdb import ensure_database

    ensure_database()
    import django

    django.setup()
    from flowercrm.scopes import scopes_disabled

    # A benchmark seeds one shop and reads its rows from outside any request: on purpose.
    with scopes_disabled("benchmark seeding and bookkeeping, outside any request"):
        main()
