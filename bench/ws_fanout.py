"""Benchmark: live events fan-out through ``/ws`` on the production server with the Redis layer.

Seeds a shop with office, florist and courier members and confirmed orders (each assigned to a
courier), starts gunicorn with the production uvicorn workers (``gunicorn.conf.py``) on
loopback, opens authenticated WebSockets (by default 120 office + 40 florists + 40 couriers =
200), then makes order changes through the REST API (``PATCH /api/orders/{id}/`` of the
internal comment: one ``order_update``/``edited`` event each, for the office, the floor and the
order's courier). It reports:

- delivered ÷ expected (every socket must get every event of its audience exactly once);
- latency from commit to receipt, p50/p99/max: receipt time − the event row's ``created_at``
  (written in the committing transaction just before the commit, so an upper bound by the
  commit's duration; same machine, same clock);
- with the pub/sub layer, that latency split at the moment each event reached Redis (a
  subscriber of the office group beside the server): commit → publish (the committing request)
  and publish → receipt (the workers' fan-out and this client);
- the server's resident memory (gunicorn master + workers) idle, with the sockets open, and
  after the changes; the load average before and after (the machine may be shared).

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/flowercrm_bench REDIS_URL=redis://127.0.0.1:6379/0 \\
        .venv/bin/python bench/ws_fanout.py

Options: --office 120 --florists 40 --couriers 40 --changes 500 --concurrency 4 --workers 2
--port 8766 --orders 40.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import subprocess
import sys
import tempfile
import time
from collections import Counter
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")
os.environ.setdefault("SECRET_KEY", "bench-" + "s" * 64)
os.environ.setdefault("ALLOWED_HOSTS", "127.0.0.1,localhost")
# Unique per run: Redis pub/sub channels are shared by every database number.
os.environ.setdefault("CHANNELS_PREFIX", f"flowercrm-bench-{os.getpid()}")

SHOP_NAME = "WS Bench"


def percentile(values: list[float], p: float) -> float:
    ordered = sorted(values)
    k = (len(ordered) - 1) * p
    lo, hi = int(k), min(int(k) + 1, len(ordered) - 1)
    return ordered[lo] + (ordered[hi] - ordered[lo]) * (k - lo)


def seed(*, office: int, florists: int, couriers: int, orders: int) -> dict[str, Any]:
    """Members and tokens (reused across runs) and new confirmed orders, each assigned to one of
    the couriers."""
    import datetime as dt

    import django

    django.setup()
    from django.core.management import call_command

    from apps.accounts.models import User
    from apps.catalog.models import Product
    from apps.orders.models import OrderStatus
    from apps.orders.services import order_create, order_transition, order_update
    from apps.shops.models import Membership, Shop
    from apps.shops.services import shop_create
    from apps.shops.sessions import tokens_issue
    from flowercrm.roles import Role

    call_command("migrate", verbosity=0)
    shop = Shop.objects.filter(name=SHOP_NAME).first()
    if shop is None:
        shop, _ = shop_create(name=SHOP_NAME, admin_phone="+77020000000", admin_password="bench-password-1")
    admin = Membership.objects.get(shop=shop, role=Role.ADMIN)

    def members(role: str, count: int, base: int) -> list[Membership]:
        rows = []
        for n in range(count):
            phone = f"+7702{base + n:07d}"
            user = User.objects.filter(phone=phone).first() or User.objects.create_user(phone, name=f"{role} {n}")
            membership, _ = Membership.objects.get_or_create(user=user, shop=shop, defaults={"role": role})
            rows.append(membership)
        return rows

    office_members = members(Role.MANAGER, office, 100_000)
    florist_members = members(Role.FLORIST, florists, 200_000)
    courier_members = members(Role.COURIER, couriers, 300_000)
    product, _ = Product.objects.get_or_create(shop=shop, name="Букет бенчмарка", defaults={"price": 15000})
    # Fresh orders every run, so the detail each PATCH answers does not grow run after run.
    existing = []
    for n in range(orders):
        order = order_create(
            shop=shop,
            actor=admin.user,
            data={
                "customer": {"phone": f"+7701{n:07d}", "name": f"Клиент {n}"},
                "recipient_name": "Получатель",
                "delivery_address": "ул. Абая 10",
                "delivery_date": dt.date(2030, 1, 1),
                "items": [{"product": product, "quantity": 1}],
            },
        )
        order_transition(order=order, to=OrderStatus.CONFIRMED, actor=admin.user, role=Role.ADMIN)
        existing.append(order)
    for n, order in enumerate(existing):
        courier = courier_members[n % len(courier_members)].user
        if order.courier_id != courier.pk:
            order_update(order=order, actor=admin.user, data={"courier": courier})
    sockets = [
        {"role": m.role, "user_id": m.user_id, "token": tokens_issue(membership=m).access}
        for m in office_members + florist_members + courier_members
    ]
    return {
        "shop_id": shop.id,
        "admin_token": tokens_issue(membership=admin).access,
        "sockets": sockets,
        "orders": [(o.id, courier_members[n % len(courier_members)].user_id) for n, o in enumerate(existing)],
    }


def process_tree(root_pid: int) -> list[int]:
    """A process and all its descendants (Linux /proc)."""
    children: dict[int, list[int]] = {}
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            stat = (entry / "stat").read_text()
        except OSError:
            continue
        ppid = int(stat.rsplit(")", 1)[1].split()[1])
        children.setdefault(ppid, []).append(int(entry.name))
    tree, todo = [], [root_pid]
    while todo:
        pid = todo.pop()
        tree.append(pid)
        todo.extend(children.get(pid, []))
    return tree


def cpu_seconds(root_pid: int) -> float:
    """User + system CPU time used so far by a process and its descendants."""
    ticks = 0
    for pid in process_tree(root_pid):
        try:
            fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue
        ticks += int(fields[11]) + int(fields[12])  # utime, stime
    return ticks / os.sysconf("SC_CLK_TCK")


def rss_kb(root_pid: int) -> int:
    """Resident memory of a process and all its descendants, in KiB (Linux /proc)."""
    total = 0
    for pid in process_tree(root_pid):
        try:
            for line in Path(f"/proc/{pid}/status").read_text().splitlines():
                if line.startswith("VmRSS:"):
                    total += int(line.split()[1])
        except OSError:
            pass
    return total


def wait_for(url: str, timeout: float = 30) -> None:
    import httpx

    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        try:
            if httpx.get(url, timeout=1).status_code == 200:
                return
        except httpx.HTTPError:
            pass
        time.sleep(0.2)
    raise SystemExit(f"server did not start: {url}")


async def bench(args: argparse.Namespace, data: dict[str, Any], base: str, server_pid: int) -> dict[str, Any]:
    import httpx
    from websockets.asyncio.client import connect

    ws_base = base.replace("http://", "ws://")
    received: list[tuple[int, int, float]] = []  # (socket index, event id, receipt time)
    published = await publish_probe(data["shop_id"])
    pongs: list[asyncio.Event] = []

    async def reader(index: int, ws: Any, ready: asyncio.Event) -> None:
        async for raw in ws:
            now = time.time()
            message = json.loads(raw)
            if message.get("type") == "pong":
                ready.set()
            elif message.get("type") == "order_update":
                received.append((index, message["id"], now))

    connections = []
    readers = []
    handshake = asyncio.Semaphore(50)

    async def open_socket(index: int, token: str) -> None:
        async with handshake:
            ws = await connect(
                f"{ws_base}/ws?token={token}",
                open_timeout=30,
                max_queue=None,
                compression=None if args.no_compression else "deflate",
            )
        ready = asyncio.Event()
        pongs.append(ready)
        connections.append(ws)
        readers.append(asyncio.create_task(reader(index, ws, ready)))
        await ws.send(json.dumps({"type": "ping"}))
        await asyncio.wait_for(ready.wait(), 30)  # joined its groups

    load = f"{os.getloadavg()[0]:.2f}"
    idle = rss_kb(server_pid)
    started = time.perf_counter()
    await asyncio.gather(*(open_socket(i, s["token"]) for i, s in enumerate(data["sockets"])))
    connect_seconds = time.perf_counter() - started
    await asyncio.sleep(1)
    with_sockets = rss_kb(server_pid)

    orders = data["orders"]
    api_times: list[float] = []
    failures = Counter[int]()
    queue: asyncio.Queue[int] = asyncio.Queue()
    for n in range(args.changes):
        queue.put_nowait(n)

    pace = 1 / args.rate if args.rate else 0.0
    next_at = [time.monotonic()]

    async def client() -> None:
        headers = {"Authorization": f"Bearer {data['admin_token']}"}
        async with httpx.AsyncClient(base_url=base, headers=headers, timeout=30) as api:
            while not queue.empty():
                n = queue.get_nowait()
                if pace:
                    next_at[0] += pace
                    await asyncio.sleep(max(0.0, next_at[0] - time.monotonic()))
                order_id, _ = orders[n % len(orders)]
                start = time.perf_counter()
                response = await api.patch(f"/api/orders/{order_id}/", json={"comment": f"bench {n} {time.time()}"})
                api_times.append((time.perf_counter() - start) * 1000)
                if response.status_code != 200:
                    failures[response.status_code] += 1

    mark = time.time()
    cpu_before = cpu_seconds(server_pid)
    started = time.perf_counter()
    await asyncio.gather(*(client() for _ in range(args.concurrency)))
    api_seconds = time.perf_counter() - started
    expected_total = args.changes * (args.office + args.florists + 1)
    deadline = time.monotonic() + 30
    while len(received) < expected_total and time.monotonic() < deadline:
        await asyncio.sleep(0.1)
    delivered_seconds = time.perf_counter() - started
    cpu_used = cpu_seconds(server_pid) - cpu_before
    await asyncio.sleep(1)  # anything extra (duplicates) would arrive now
    after = rss_kb(server_pid)
    for ws in connections:
        await ws.close()
    for task in readers:
        task.cancel()
    published["task"].cancel()
    return {
        "received": received,
        "published": published["at"],
        "mark": mark,
        "load": (load,),
        "idle": idle,
        "with_sockets": with_sockets,
        "after": after,
        "api_times": api_times,
        "api_seconds": api_seconds,
        "delivered_seconds": delivered_seconds,
        "cpu_used": cpu_used,
        "connect_seconds": connect_seconds,
        "failures": failures,
    }


async def publish_probe(shop_id: int) -> dict[str, Any]:
    """Listen on the office group's Redis pub/sub channel beside the server: when each event
    left the committing worker (splits the latency into commit → publish and publish → receipt).
    Empty with a channel layer that is not pub/sub."""
    from channels.layers import get_channel_layer
    from django.conf import settings
    from redis import asyncio as aioredis

    at: dict[int, float] = {}
    layer = get_channel_layer()
    client = aioredis.from_url(os.environ["REDIS_URL"])
    pubsub = client.pubsub()
    await pubsub.subscribe(f"{settings.CHANNELS_PREFIX}__group__shop.{shop_id}.office")

    async def listen() -> None:
        async for message in pubsub.listen():
            if message["type"] == "message":
                now = time.time()
                event = layer.deserialize(message["data"])
                if event.get("id") is not None:
                    at.setdefault(event["id"], now)

    return {"at": at, "task": asyncio.create_task(listen())}


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--office", type=int, default=120)
    parser.add_argument("--florists", type=int, default=40)
    parser.add_argument("--couriers", type=int, default=40)
    parser.add_argument("--orders", type=int, default=40)
    parser.add_argument("--changes", type=int, default=500)
    parser.add_argument("--concurrency", type=int, default=4)
    parser.add_argument("--no-compression", action="store_true", help="refuse permessage-deflate")
    parser.add_argument("--rate", type=float, default=0, help="changes per second (0: as fast as the API answers)")
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--port", type=int, default=8766)
    args = parser.parse_args()
    if not os.environ.get("DATABASE_URL", "").startswith("postgres"):
        raise SystemExit("set DATABASE_URL to a PostgreSQL database (e.g. .../flowercrm_bench)")
    if not os.environ.get("REDIS_URL"):
        raise SystemExit("set REDIS_URL: the benchmark measures the Redis channel layer across workers")

    data = seed(office=args.office, florists=args.florists, couriers=args.couriers, orders=args.orders)
    log = tempfile.NamedTemporaryFile(prefix="ws_fanout-", suffix=".log", delete=False)  # noqa: SIM115
    server = subprocess.Popen(
        [str(Path(sys.executable).parent / "gunicorn"), "config.asgi:application", "-c", "gunicorn.conf.py"]
        + ["-b", f"127.0.0.1:{args.port}", "-w", str(args.workers)],
        cwd=ROOT,
        env={**os.environ, "LOG_LEVEL": "WARNING"},
        stdout=log,
        stderr=subprocess.STDOUT,
    )
    try:
        base = f"http://127.0.0.1:{args.port}"
        wait_for(f"{base}/health")
        result = asyncio.run(bench(args, data, base, server.pid))
    finally:
        server.terminate()
        server.wait(timeout=20)

    from apps.orders.models import EventType, OrderEvent

    # The events of this run and when each was written (inside its committing transaction).
    written = {
        event_id: created.timestamp()
        for event_id, created in OrderEvent.objects.filter(
            shop_id=data["shop_id"], type=EventType.EDITED, created_at__gte=_utc(result["mark"] - 1)
        ).values_list("id", "created_at")
    }
    courier_of = dict(data["orders"])
    order_of = dict(OrderEvent.objects.filter(id__in=written).values_list("id", "order_id"))
    courier_socket = {s["user_id"]: i for i, s in enumerate(data["sockets"]) if s["role"] == "courier"}
    n_office_floor = args.office + args.florists
    expected: set[tuple[int, int]] = set()
    for event_id in written:
        expected.update((i, event_id) for i in range(n_office_floor))
        expected.add((courier_socket[courier_of[order_of[event_id]]], event_id))
    pairs = [(index, event_id) for index, event_id, _ in result["received"] if event_id in written]
    unique = set(pairs)
    latencies = [(at - written[event_id]) * 1000 for _, event_id, at in result["received"] if event_id in written]
    sockets = len(data["sockets"])
    publish_ms = [
        (at - written[event_id]) * 1000 for event_id, at in result["published"].items() if event_id in written
    ]
    fanout_ms = [
        (at - result["published"][event_id]) * 1000
        for _, event_id, at in result["received"]
        if event_id in written and event_id in result["published"]
    ]
    print(
        f"sockets: {sockets} ({args.office} office, {args.florists} florists, {args.couriers} couriers); "
        f"gunicorn + uvicorn workers: {args.workers}; channel layer: Redis"
    )
    print(
        f"changes: {len(written)} PATCHes in {result['api_seconds']:.1f} s "
        f"({len(written) / result['api_seconds']:.0f}/s, {args.concurrency} concurrent clients"
        f"{f', paced at {args.rate:g}/s' if args.rate else ''}; "
        f"API p50 {percentile(result['api_times'], 0.5):.1f} ms, failures {dict(result['failures']) or 0})"
    )
    print(
        f"delivered / expected: {len(unique & expected)} / {len(expected)} = "
        f"{100 * len(unique & expected) / max(len(expected), 1):.2f} %; duplicates {len(pairs) - len(unique)}, "
        f"unexpected {len(unique - expected)}"
    )
    print(
        f"commit → receipt latency: p50 {percentile(latencies, 0.5):.1f} ms, p99 {percentile(latencies, 0.99):.1f} ms, "
        f"max {max(latencies):.1f} ms (over {len(latencies)} deliveries)"
    )
    if publish_ms and fanout_ms:
        print(
            f"  of which commit → publish (office group): p50 {percentile(publish_ms, 0.5):.1f} ms, "
            f"p99 {percentile(publish_ms, 0.99):.1f} ms; publish → receipt: p50 {percentile(fanout_ms, 0.5):.1f} ms, "
            f"p99 {percentile(fanout_ms, 0.99):.1f} ms"
        )
    print(f"load average before/after: {result['load'][0]} / {os.getloadavg()[0]:.2f}")
    mib = 1024
    print(
        f"server RSS (master + workers): idle {result['idle'] / mib:.1f} MiB, "
        f"{sockets} sockets open {result['with_sockets'] / mib:.1f} MiB, "
        f"after the changes {result['after'] / mib:.1f} MiB; sockets connected in {result['connect_seconds']:.1f} s"
    )
    print(
        f"server CPU during the changes: {result['cpu_used']:.1f} s over {result['delivered_seconds']:.1f} s "
        f"(machine: {os.cpu_count()} CPUs shared with PostgreSQL, Redis and this client)"
    )
    print(f"server log: {log.name}")


def _utc(timestamp: float) -> Any:
    import datetime as dt

    return dt.datetime.fromtimestamp(timestamp, tz=dt.UTC)


if __name__ == "__main__":
    from benchdb import ensure_database

    ensure_database()
    import django

    django.setup()
    from flowercrm.scopes import scopes_disabled

    # A benchmark seeds one shop and reads its rows from outside any request: on purpose.
    with scopes_disabled("benchmark seeding and bookkeeping, outside any request"):
        main()
