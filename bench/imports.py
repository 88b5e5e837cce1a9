"""Benchmark: the file imports (ARCHITECTURE §11.3) next to PostgreSQL ``COPY`` of the same rows.

Generates 100,000 customers (phone, name, email, tags, address, an important date) and 20,000
stock rows as CSV files, creates a fresh shop in a bench database, and runs the real commands
(``import_customers`` on the first 20,000 and then on all 100,000 customers into two fresh
shops, ``import_stock`` on the 20,000 stock rows), each in its own process so its peak RSS is
its own. In the same run it loads the same files with ``COPY … FROM STDIN (FORMAT csv)`` into
scratch tables and reports both rates, and for customers the rate at which the database alone
takes the same rows, prepared beforehand, by ``COPY`` into the real tables with their indexes
and constraints (rolled back): the ceiling of any import of these rows (``tables_rate``).

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/flowercrm_bench_imports \\
        .venv/bin/python bench/imports.py

The database is created when missing. Options: --customers 100000 --stock 20000 --small 20000.
"""

from __future__ import annotations

import argparse
import csv
import json
import os
import random
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")
os.environ.setdefault("SECRET_KEY", "bench-" + "s" * 64)
os.environ.setdefault("DATABASE_URL", "postgres://postgres@127.0.0.1:5432/flowercrm_bench_imports")

CUSTOMER_HEADER = ["телефон", "имя", "email", "заметки", "источник", "теги", "адрес", "дата", "повод"]
STOCK_HEADER = ["название", "категория", "высота", "единица", "количество", "себестоимость", "цена", "минимум"]
NAMES = ["Айгерим", "Дана", "Ерлан", "Асель", "Марат", "Жанна", "Нурлан", "Алия", "Тимур", "Сауле"]
STREETS = ["ул. Абая", "пр. Достык", "ул. Сатпаева", "мкр. Самал-2", "ул. Толе би"]
SOURCES = ["instagram", "walk_in", "phone", "whatsapp", ""]
STOCK_NAMES = ["Роза", "Тюльпан", "Хризантема", "Эвкалипт", "Гипсофила", "Пион", "Лилия", "Альстромерия"]


def generate(directory: Path, customers: int, stock: int, small: int) -> dict[str, Path]:
    rng = random.Random(14)
    prefixes = ["701", "702", "705", "707", "747", "777", "778", "775"]
    files = {"customers": directory / "customers.csv", "small": directory / "customers_small.csv"}
    with (
        files["customers"].open("w", encoding="utf-8", newline="") as big,
        files["small"].open("w", encoding="utf-8", newline="") as little,
    ):
        writers = [csv.writer(big), csv.writer(little)]
        for writer in writers:
            writer.writerow(CUSTOMER_HEADER)
        for n in range(customers):
            prefix = prefixes[n % len(prefixes)]
            row = [
                f"8 {prefix} {n // 10000 % 1000:03d} {n // 100 % 100:02d} {n % 100:02d}",
                f"{rng.choice(NAMES)} {n}",
                f"client{n}@example.com" if n % 3 else "",
                "любит пионы" if n % 7 == 0 else "",
                SOURCES[n % len(SOURCES)],
                "VIP, корпоратив" if n % 5 == 0 else ("опт" if n % 5 == 1 else ""),
                f"{rng.choice(STREETS)} {n % 200 + 1}, кв {n % 90 + 1}" if n % 2 else "",
                f"{n % 28 + 1:02d}.{n % 12 + 1:02d}" if n % 4 == 0 else "",
                "День рождения" if n % 4 == 0 else "",
            ]
            writers[0].writerow(row)
            if n < small:
                writers[1].writerow(row)
    files["stock"] = directory / "stock.csv"
    with files["stock"].open("w", encoding="utf-8", newline="") as handle:
        writer = csv.writer(handle)
        writer.writerow(STOCK_HEADER)
        for n in range(stock):
            writer.writerow(
                [
                    f"{STOCK_NAMES[n % len(STOCK_NAMES)]} сорт {n // 40}",
                    "flower",
                    str(40 + n % 40),
                    "stem",
                    str(n % 300),
                    f"{100 + n % 500}.50",
                    str(900 + n % 500),
                    str(n % 20),
                ]
            )
    return files


def setup_shop(label: str) -> int:
    import django

    django.setup()
    from apps.shops.services import shop_create

    shop, _ = shop_create(
        name=f"Bench imports {label} {time.time_ns()}", admin_phone="+77000000998", admin_password="bench-password-1"
    )
    return int(shop.pk)


def run_child(kind: str, path: Path, shop_id: int) -> dict[str, float]:
    """The real command in its own process; its wall time, its CPU time (the import's own
    Python, without the database server's) and peak RSS."""
    code = (
        "import io, json, sys, time, django; django.setup();"
        "from django.core.management import call_command;"
        "out = io.StringIO(); started = time.monotonic(); cpu = time.process_time();"
        f"call_command('import_{kind}', {str(path)!r}, shop={str(shop_id)!r}, quiet=True, stdout=out);"
        "seconds = time.monotonic() - started; cpu = time.process_time() - cpu;"
        # VmHWM, not ru_maxrss: a forked child's ru_maxrss starts at its parent's peak.
        "hwm = next(line for line in open('/proc/self/status') if line.startswith('VmHWM'));"
        "print(json.dumps({'seconds': seconds, 'cpu': cpu, 'rss_mb': int(hwm.split()[1]) / 1024,"
        " 'summary': out.getvalue().strip().splitlines()[-2]}))"
    )
    done = subprocess.run([sys.executable, "-c", code], cwd=ROOT, env=os.environ, capture_output=True, text=True)
    if done.returncode:
        raise SystemExit(done.stderr[-3000:])
    return json.loads(done.stdout.strip().splitlines()[-1])  # type: ignore[no-any-return]


def copy_rate(path: Path, columns: list[str]) -> float:
    """Rows per second of ``COPY`` of the file into a scratch table (created and dropped here)."""
    import psycopg

    rows = sum(1 for _ in path.open(encoding="utf-8")) - 1
    with psycopg.connect(os.environ["DATABASE_URL"]) as conn:
        conn.execute("DROP TABLE IF EXISTS bench_scratch")
        conn.execute("CREATE TABLE bench_scratch (" + ", ".join(f'"{c}" text' for c in columns) + ")")
        conn.commit()
        started = time.monotonic()
        with conn.cursor() as cursor, cursor.copy("COPY bench_scratch FROM STDIN (FORMAT csv, HEADER true)") as copy:
            with path.open("rb") as handle:
                while block := handle.read(1 << 16):
                    copy.write(block)
        conn.commit()
        seconds = time.monotonic() - started
        conn.execute("DROP TABLE bench_scratch")
        conn.commit()
    return rows / seconds


def tables_rate(path: Path, shop_id: int) -> float:
    """Rows per second of the database alone taking the customers of ``path`` into the real
    tables: the rows prepared beforehand (phone in E.164, ``search_text``, tags, address, date;
    not timed), then ids from the sequences and ``COPY`` into ``customers_customer`` and its
    three child tables with their indexes (the trigram GIN index of ``search_text`` included),
    constraints and foreign keys checked — timed — and rolled back. The ceiling of any import
    that writes these rows."""
    import datetime as dt

    import psycopg

    from flowercrm.search import build_search_text

    now = dt.datetime.now(dt.UTC)
    customers, tags, addresses, dates = [], [], [], []
    with path.open(encoding="utf-8", newline="") as handle:
        reader = csv.reader(handle)
        next(reader)
        for n, (phone, name, email, notes, source, tag_cell, address, date, title) in enumerate(reader):
            e164 = "+7" + "".join(ch for ch in phone if ch.isdigit())[1:]
            search = build_search_text(name, email, phones=[e164])
            customers.append((now, now, shop_id, e164, name, email, notes, source, search))
            tags += [(n, tag.strip()) for tag in tag_cell.split(",") if tag.strip()]
            if address:
                addresses.append((n, address))
            if date:
                day, month = (int(part) for part in date.split("."))
                dates.append((n, day, month, title))
    with psycopg.connect(os.environ["DATABASE_URL"]) as conn:
        started = time.monotonic()
        ids = [
            row[0]
            for row in conn.execute(
                "SELECT nextval('customers_customer_id_seq') FROM generate_series(1, %s)", [len(customers)]
            )
        ]
        with conn.cursor() as cursor:
            columns = "id, created_at, updated_at, shop_id, phone, name, email, notes, source, search_text"
            with cursor.copy(f"COPY customers_customer ({columns}) FROM STDIN") as copy:
                for pk, row in zip(ids, customers, strict=True):
                    copy.write_row((pk, *row))
            with cursor.copy(
                "COPY customers_customertag (created_at, updated_at, customer_id, name) FROM STDIN"
            ) as copy:
                for n, tag in tags:
                    copy.write_row((now, now, ids[n], tag))
            columns = (
                "created_at, updated_at, customer_id, label, address, entrance, floor, intercom, comment, is_default"
            )
            with cursor.copy(f"COPY customers_customeraddress ({columns}) FROM STDIN") as copy:
                for n, address in addresses:
                    copy.write_row((now, now, ids[n], "", address, "", "", "", "", True))
            columns = "created_at, updated_at, customer_id, day, month, title, remind_days_before"
            with cursor.copy(f"COPY customers_importantdate ({columns}) FROM STDIN") as copy:
                for n, day, month, title in dates:
                    copy.write_row((now, now, ids[n], day, month, title, 3))
        conn.execute("SET CONSTRAINTS ALL IMMEDIATE")
        seconds = time.monotonic() - started
        conn.rollback()
    return len(customers) / seconds


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--customers", type=int, default=100_000)
    parser.add_argument("--stock", type=int, default=20_000)
    parser.add_argument("--small", type=int, default=20_000)
    args = parser.parse_args()
    from benchdb import ensure_database

    ensure_database()
    load = os.getloadavg()
    subprocess.run([sys.executable, "manage.py", "migrate", "-v0"], cwd=ROOT, env=os.environ, check=True)
    with tempfile.TemporaryDirectory() as tmp:
        files = generate(Path(tmp), args.customers, args.stock, args.small)
        results = []
        for label, kind, path, rows in [
            (f"customers {args.small:,}", "customers", files["small"], args.small),
            (f"customers {args.customers:,}", "customers", files["customers"], args.customers),
            (f"stock {args.stock:,}", "stock", files["stock"], args.stock),
        ]:
            shop_id = setup_shop(label)
            child = run_child(kind, path, shop_id)
            rerun_it = kind == "stock" or rows == args.customers
            rerun = run_child(kind, path, shop_id) if rerun_it else None
            header = CUSTOMER_HEADER if kind == "customers" else STOCK_HEADER
            copy = copy_rate(path, [f"c{i}" for i in range(len(header))])
            tables = tables_rate(path, setup_shop(label + " tables")) if kind == "customers" else None
            results.append((label, rows, child, rerun, copy, tables))
    print(f"load average before the run: {load[0]:.2f}, after: {os.getloadavg()[0]:.2f} ({os.cpu_count()} cores)")
    print(
        f"{'import':<18} {'rows/s':>9} {'COPY rows/s':>12} {'ratio':>6} {'peak RSS':>9} "
        f"{'rows/CPU-s':>11} {'tables rows/s':>14}"
    )
    for label, rows, child, rerun, copy, tables in results:
        rate = rows / child["seconds"]
        ceiling = f"{tables:>14,.0f}" if tables else ""
        print(
            f"{label:<18} {rate:>9,.0f} {copy:>12,.0f} {rate / copy:>6.3f} {child['rss_mb']:>7.0f}MB "
            f"{rows / child['cpu']:>11,.0f} {ceiling}"
        )
        if rerun is not None:
            again = rows / rerun["seconds"]
            print(
                f"{'  re-run (no-op)':<18} {again:>9,.0f} {'':>12} {'':>6} {rerun['rss_mb']:>7.0f}MB "
                f"{rows / rerun['cpu']:>11,.0f}"
            )
        print(f"{'':<18} {child['summary']}")


if __name__ == "__main__":
    main()
