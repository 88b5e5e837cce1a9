"""Benchmark: ``?search=`` on 200,000 customers and their orders — the SQL the API runs.

Seeds (bulk inserts, once; rerun reuses them) one shop with N customers (Kazakh and Russian
names in Cyrillic and some in Latin, ``+7 7xx`` phones, e-mails for most) and about as many
orders, plus a noise shop with a quarter as many of each. For each search term it calls the
API in process (``GET /api/customers/?search=…`` and ``GET /api/orders/?search=…`` as the
shop's admin, the default page of 100), captures the SQL the request ran, and reports:

- p50/p95 of the page query and of the pagination's count query, each executed ``--runs``
  times as captured (shop filter, ordering, LIMIT and all);
- ``EXPLAIN (ANALYZE, BUFFERS)`` of both (``--no-explain`` to skip), showing the index used;
- p50 of the whole API request in process (test client: no HTTP server, no network).

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/flowercrm_bench .venv/bin/python bench/search.py

Options: --customers 200000 --orders-per-customer 1.0 --runs 50 --api-runs 20 --no-explain.
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import os
import random
import sys
import time
from decimal import Decimal
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")
os.environ.setdefault("SECRET_KEY", "bench-" + "s" * 64)
os.environ.setdefault("ALLOWED_HOSTS", "testserver,127.0.0.1,localhost")

SHOP_NAME = "Search Bench"
NOISE_SHOP_NAME = "Search Bench Noise"

# (Cyrillic, Latin) — Latin for e-mails, and as the name itself for some customers.
MALE_FIRST = [
    ("Нурлан", "nurlan"), ("Ерлан", "erlan"), ("Арман", "arman"), ("Бауыржан", "baurzhan"), ("Даурен", "dauren"),
    ("Тимур", "timur"), ("Руслан", "ruslan"), ("Асхат", "askhat"), ("Ерболат", "erbolat"), ("Санжар", "sanzhar"),
    ("Алихан", "alikhan"), ("Марат", "marat"), ("Серик", "serik"), ("Канат", "kanat"), ("Дамир", "damir"),
    ("Сергей", "sergey"), ("Андрей", "andrey"), ("Дмитрий", "dmitriy"), ("Алексей", "aleksey"), ("Иван", "ivan"),
    ("Максим", "maksim"), ("Владимир", "vladimir"), ("Евгений", "evgeniy"), ("Олег", "oleg"), ("Артём", "artyom"),
]  # fmt: skip
FEMALE_FIRST = [
    ("Айгерим", "aigerim"), ("Асель", "assel"), ("Алия", "aliya"), ("Дина", "dina"), ("Жанар", "zhanar"),
    ("Гульнара", "gulnara"), ("Мадина", "madina"), ("Сауле", "saule"), ("Динара", "dinara"), ("Камила", "kamila"),
    ("Акмарал", "akmaral"), ("Жулдыз", "zhuldyz"), ("Айжан", "aizhan"), ("Томирис", "tomiris"), ("Аружан", "aruzhan"),
    ("Ольга", "olga"), ("Елена", "elena"), ("Наталья", "natalya"), ("Ирина", "irina"), ("Светлана", "svetlana"),
    ("Анна", "anna"), ("Мария", "mariya"), ("Татьяна", "tatyana"), ("Екатерина", "ekaterina"), ("Юлия", "yuliya"),
]  # fmt: skip
# Surnames with a feminine form (-ов/-ев/-ин + а) and without (Ким, Цой, Сейткали).
SURNAMES = [
    ("Ахметов", "akhmetov"), ("Жумабаев", "zhumabaev"), ("Нурланов", "nurlanov"), ("Касымов", "kasymov"),
    ("Омаров", "omarov"), ("Смагулов", "smagulov"), ("Искаков", "iskakov"), ("Сулейменов", "suleimenov"),
    ("Абдрахманов", "abdrakhmanov"), ("Бекмуханов", "bekmukhanov"), ("Токтаров", "toktarov"), ("Есенов", "esenov"),
    ("Кенжебаев", "kenzhebaev"), ("Муратов", "muratov"), ("Садыков", "sadykov"), ("Тулегенов", "tulegenov"),
    ("Иванов", "ivanov"), ("Петров", "petrov"), ("Смирнов", "smirnov"), ("Кузнецов", "kuznetsov"),
    ("Попов", "popov"), ("Соколов", "sokolov"), ("Волков", "volkov"), ("Морозов", "morozov"), ("Новиков", "novikov"),
    ("Ким", "kim"), ("Пак", "pak"), ("Цой", "tsoy"), ("Ли", "li"), ("Сейткали", "seitkali"), ("Оспан", "ospan"),
]  # fmt: skip
OPERATORS = ["700", "701", "702", "705", "707", "708", "747", "771", "775", "776", "777", "778"]
DOMAINS = ["mail.ru", "gmail.com", "yandex.kz", "inbox.ru", "list.ru", "bk.ru", "icloud.com"]

# (label, term): a name fragment, 4 digits of a phone, a full phone written another way, an
# e-mail fragment, a surname, a term with no hits. The phone terms are filled from the data.
TERMS: list[tuple[str, str]] = [
    ("name fragment", "айгер"),
    ("surname", "жумабаева"),
    ("4 phone digits", "{four}"),
    ("full phone, other format", "{full}"),
    ("e-mail fragment", "zhanar.kim"),
    ("order number", "{number}"),
    ("no hits", "щюэъ"),
]


def percentile(values: list[float], p: float) -> float:
    ordered = sorted(values)
    k = (len(ordered) - 1) * p
    lo, hi = int(k), min(int(k) + 1, len(ordered) - 1)
    return ordered[lo] + (ordered[hi] - ordered[lo]) * (k - lo)


def person(rng: random.Random) -> tuple[str, str]:
    """A name as people type it (``Фамилия Имя``, ``Имя``, or in Latin) and its e-mail stem."""
    female = rng.random() < 0.55
    first, first_latin = rng.choice(FEMALE_FIRST if female else MALE_FIRST)
    last, last_latin = rng.choice(SURNAMES)
    if female and last[-2:] in ("ов", "ев", "ин"):
        last, last_latin = last + "а", last_latin + "a"
    roll = rng.random()
    if roll < 0.1:
        name = f"{first_latin.title()} {last_latin.title()}"
    elif roll < 0.2:
        name = first
    else:
        name = f"{first} {last}" if rng.random() < 0.5 else f"{last} {first}"
    return name, f"{first_latin}.{last_latin}"


def phones(rng: random.Random, count: int, taken: set[str]) -> list[str]:
    out: list[str] = []
    while len(out) < count:
        phone = f"+7{rng.choice(OPERATORS)}{rng.randrange(10_000_000):07d}"
        if phone not in taken:
            taken.add(phone)
            out.append(phone)
    return out


def seed_shop(shop: Any, *, customers: int, orders_per_customer: float, rng: random.Random) -> None:
    """Bulk rows up to ``customers`` customers and their orders (not the services: this
    measures reads); ``created_at`` spread over two years."""
    from django.db import connection

    from apps.customers.models import Customer
    from apps.orders.models import Order, OrderCounter, OrderStatus
    from flowercrm.search import build_search_text

    existing = Customer.objects.filter(shop=shop).count()
    if existing >= customers:
        return
    taken = set(Customer.objects.filter(shop=shop).values_list("phone", flat=True))
    batch = 5000
    started = time.perf_counter()
    for start in range(existing, customers, batch):
        rows = []
        for phone in phones(rng, min(batch, customers - start), taken):
            name, stem = person(rng)
            email = f"{stem}{rng.randrange(100)}@{rng.choice(DOMAINS)}" if rng.random() < 0.6 else ""
            row = Customer(shop=shop, phone=phone, name=name, email=email)
            row.search_text = build_search_text(name, email, phones=[phone])
            rows.append(row)
        Customer.objects.bulk_create(rows, batch_size=batch)
        print(f"  {shop.name}: customers {start + len(rows)}/{customers} ({time.perf_counter() - started:.0f} s)")
    buyers = list(Customer.objects.filter(shop=shop).values_list("id", "name", "phone"))
    counter, _ = OrderCounter.objects.get_or_create(shop=shop)
    number = counter.last_number
    total = int((customers - existing) * orders_per_customer)
    statuses = [s.value for s in OrderStatus]
    today = dt.datetime.now(tz=dt.UTC).date()
    for start in range(0, total, batch):
        order_rows = []
        for _ in range(min(batch, total - start)):
            number += 1
            buyer_id, buyer_name, buyer_phone = rng.choice(buyers)
            if rng.random() < 0.6:
                recipient, _ = person(rng)
                recipient_phone = phones(rng, 1, set())[0]
            else:
                recipient, recipient_phone = buyer_name, buyer_phone
            total_price = Decimal(rng.randrange(8, 120) * 1000)
            order = Order(
                shop=shop,
                number=number,
                status=rng.choice(statuses),
                customer_id=buyer_id,
                recipient_name=recipient,
                recipient_phone=recipient_phone,
                delivery_address=f"ул. Абая {rng.randrange(1, 200)}",
                delivery_date=today + dt.timedelta(days=rng.randrange(-700, 30)),
                subtotal=total_price,
                total=total_price,
            )
            order.search_text = build_search_text(number, recipient, buyer_name, phones=[recipient_phone, buyer_phone])
            order_rows.append(order)
        Order.objects.bulk_create(order_rows, batch_size=batch)
        print(f"  {shop.name}: orders {start + len(order_rows)}/{total} ({time.perf_counter() - started:.0f} s)")
    counter.last_number = number
    counter.save(update_fields=["last_number"])
    with connection.cursor() as cursor:
        for table in ("customers_customer", "orders_order"):
            cursor.execute(
                f"UPDATE {table} SET created_at = now() - random() * interval '730 days' WHERE shop_id = %s",  # noqa: S608
                [shop.pk],
            )


def seed(*, customers: int, orders_per_customer: float) -> dict[str, Any]:
    from django.core.management import call_command
    from django.db import connection

    from apps.shops.models import Membership, Shop
    from apps.shops.services import shop_create
    from apps.shops.sessions import tokens_issue

    call_command("migrate", verbosity=0)
    shops = []
    for name, phone in ((SHOP_NAME, "+77020000901"), (NOISE_SHOP_NAME, "+77020000902")):
        shop = Shop.objects.filter(name=name).first()
        if shop is None:
            shop, _ = shop_create(name=name, admin_phone=phone, admin_password="bench-password-1")
        shops.append(shop)
    rng = random.Random(17)
    seed_shop(shops[0], customers=customers, orders_per_customer=orders_per_customer, rng=rng)
    seed_shop(shops[1], customers=customers // 4, orders_per_customer=orders_per_customer, rng=rng)
    with connection.cursor() as cursor:
        cursor.execute("VACUUM ANALYZE customers_customer")
        cursor.execute("VACUUM ANALYZE orders_order")
    admin = Membership.objects.get(shop=shops[0], role="admin")
    return {"shop": shops[0], "token": tokens_issue(membership=admin).access}


def fill_terms(shop: Any) -> list[tuple[str, str]]:
    """The phone and number terms from real rows of the bench shop."""
    from apps.customers.models import Customer
    from apps.orders.models import Order

    phone = Customer.objects.filter(shop=shop).order_by("id").values_list("phone", flat=True)[1000]
    number = Order.objects.filter(shop=shop).order_by("-number").values_list("number", flat=True)[500]
    # "+7 701 234 56 78" written as "8 (701) 234-56-78"
    full = f"8 ({phone[2:5]}) {phone[5:8]}-{phone[8:10]}-{phone[10:12]}"
    values = {"four": phone[-6:-2], "full": full, "number": str(number)}
    return [(label, term.format(**values)) for label, term in TERMS]


def captured_request(client: Any, path: str, term: str, token: str) -> tuple[float, list[str], int]:
    """One API request: its time (ms), the SQL it ran, and the ``total`` it answered."""
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    with CaptureQueriesContext(connection) as queries:
        started = time.perf_counter()
        response = client.get(path, {"search": term}, HTTP_AUTHORIZATION=f"Bearer {token}", secure=True)
        elapsed = (time.perf_counter() - started) * 1000
    if response.status_code != 200:
        raise SystemExit(f"{path}?search={term}: {response.status_code} {response.content[:300]!r}")
    return elapsed, [q["sql"] for q in queries.captured_queries], response.json()["total"]


def search_queries(sql: list[str], table: str) -> dict[str, str]:
    """The page query and the count query among a request's SQL: those on ``table`` that
    filter by ``search_text``."""
    found: dict[str, str] = {}
    for text in sql:
        if f'FROM "{table}"' not in text or "search_text" not in text:
            continue
        found["count" if text.lstrip().startswith("SELECT COUNT(") else "page"] = text
    return found


def time_sql(text: str, runs: int) -> list[float]:
    from django.db import connection

    times = []
    with connection.cursor() as cursor:
        cursor.execute(text)  # warm
        cursor.fetchall()
        for _ in range(runs):
            started = time.perf_counter()
            cursor.execute(text)
            cursor.fetchall()
            times.append((time.perf_counter() - started) * 1000)
    return times


def server_times(text: str, runs: int) -> list[float]:
    """Planning + execution time as PostgreSQL reports it (``EXPLAIN (ANALYZE, TIMING OFF)``):
    the SQL's own cost without the round trip and this process's scheduling — on a shared
    machine the wall time above adds the wait for a CPU."""
    from django.db import connection

    times = []
    with connection.cursor() as cursor:
        for _ in range(runs):
            cursor.execute(f"EXPLAIN (ANALYZE, TIMING OFF, FORMAT JSON) {text}")
            plan = cursor.fetchone()[0]
            plan = plan[0] if isinstance(plan, list) else json.loads(plan)[0]
            times.append(plan["Planning Time"] + plan["Execution Time"])
    return times


def explain(text: str) -> str:
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute(f"EXPLAIN (ANALYZE, BUFFERS) {text}")
        return "\n".join(row[0] for row in cursor.fetchall())


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--customers", type=int, default=200_000)
    parser.add_argument("--orders-per-customer", type=float, default=1.0)
    parser.add_argument("--runs", type=int, default=50, help="executions of each SQL query")
    parser.add_argument("--api-runs", type=int, default=20, help="API requests per term")
    parser.add_argument("--no-explain", action="store_true")
    args = parser.parse_args()
    if not os.environ.get("DATABASE_URL", "").startswith("postgres"):
        raise SystemExit("set DATABASE_URL to a PostgreSQL database (e.g. .../flowercrm_bench)")

    from django.test import Client

    from apps.customers.models import Customer
    from apps.orders.models import Order

    data = seed(customers=args.customers, orders_per_customer=args.orders_per_customer)
    shop = data["shop"]
    terms = fill_terms(shop)
    client = Client()
    customers = Customer.objects.filter(shop=shop).count()
    orders = Order.objects.filter(shop=shop).count()
    noise = Customer.objects.exclude(shop=shop).count(), Order.objects.exclude(shop=shop).count()
    print(
        f"shop: {customers} customers, {orders} orders (other shops: {noise[0]} customers, {noise[1]} orders); "
        f"load average {os.getloadavg()[0]:.2f}"
    )
    summary = []
    for path, table in (("/api/customers/", "customers_customer"), ("/api/orders/", "orders_order")):
        for label, term in terms:
            if table == "customers_customer" and label == "order number":
                continue
            api_times: list[float] = []
            sql: list[str] = []
            total = 0
            for _ in range(args.api_runs + 1):
                elapsed, sql, total = captured_request(client, path, term, data["token"])
                api_times.append(elapsed)
            api_times = api_times[1:]  # the first warms the caches
            found = search_queries(sql, table)
            row = {"path": path, "label": label, "term": term, "total": total, "queries": len(sql)}
            row["api_p50"] = percentile(api_times, 0.5)
            for kind in ("page", "count"):
                if kind in found:
                    times = time_sql(found[kind], args.runs)
                    row[f"{kind}_p50"], row[f"{kind}_p95"] = percentile(times, 0.5), percentile(times, 0.95)
                    server = server_times(found[kind], args.runs)
                    row[f"{kind}_s50"], row[f"{kind}_s95"] = percentile(server, 0.5), percentile(server, 0.95)
            summary.append(row)
            print(
                f"\n=== GET {path}?search={term}  ({label}; {total} hits; {len(sql)} queries; "
                f"API p50 {row['api_p50']:.1f} ms)"
            )
            for kind in ("page", "count"):
                if kind not in found:
                    print(f"--- {kind} query: not run")
                    continue
                print(
                    f"--- {kind} query: p50 {row[f'{kind}_p50']:.2f} ms, p95 {row[f'{kind}_p95']:.2f} ms "
                    f"over {args.runs} runs (PostgreSQL's planning + execution: p50 {row[f'{kind}_s50']:.2f} ms, "
                    f"p95 {row[f'{kind}_s95']:.2f} ms)"
                )
                print(found[kind])
                if not args.no_explain:
                    print(explain(found[kind]))
    print(
        f"\nSummary (SQL over {args.runs} runs: wall time from this process, and in brackets PostgreSQL's "
        f"planning + execution; API in process over {args.api_runs} requests):"
    )
    print("| endpoint | term | hits | page SQL p50 / p95 | count SQL p50 / p95 | API p50 |")
    print("|---|---|---|---|---|---|")
    for row in summary:
        cells = [
            f"{row.get(f'{kind}_p50', 0):.1f} / {row.get(f'{kind}_p95', 0):.1f} ms "
            f"({row.get(f'{kind}_s50', 0):.1f} / {row.get(f'{kind}_s95', 0):.1f})"
            for kind in ("page", "count")
        ]
        print(
            f"| `{row['path']}` | {row['label']}: `{row['term']}` | {row['total']} "
            f"| {cells[0]} | {cells[1]} | {row['api_p50']:.0f} ms |"
        )
    print(f"load average at the end: {os.getloadavg()[0]:.2f}")


if __name__ == "__main__":
    from benchdb import ensure_database

    ensure_database()
    import django

    django.setup()
    from flowercrm.scopes import scopes_disabled

    # A benchmark seeds shops and reads their rows from outside any request: on purpose.
    with scopes_disabled("benchmark seeding and bookkeeping, outside any request"):
        main()
