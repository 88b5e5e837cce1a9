"""Concurrent stock operations on PostgreSQL with real threads: never oversell, never lose
an update, never deadlock. ``_lock`` is wrapped to pause after taking the row locks, so
without them every thread would read the same quantity and the tests would fail."""

from __future__ import annotations

import time
from collections.abc import Callable
from decimal import Decimal
from typing import Any

import pytest

from apps.warehouse import services
from apps.warehouse.models import MovementKind, StockItem, StockMovement
from apps.warehouse.tests.factories import StockItemFactory
from flowercrm.errors import InsufficientStock
from flowercrm.roles import Role
from flowercrm.testing import assert_error, race_with_open_transaction
from flowercrm.testing import run_concurrently as _run_in_threads

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture
def slow_lock(monkeypatch: pytest.MonkeyPatch) -> None:
    real_lock = services._lock

    def lock_then_pause(shop: Any, item_ids: list[int], **kwargs: Any) -> dict[int, StockItem]:
        found = real_lock(shop, item_ids, **kwargs)
        time.sleep(0.01)  # widen the read → write window
        return found

    monkeypatch.setattr(services, "_lock", lock_then_pause)


def _assert_chain(item: StockItem) -> None:
    item.refresh_from_db()
    running = 0
    for delta, balance in StockMovement.objects.filter(item=item).order_by("id").values_list("delta", "balance_after"):
        running += delta
        assert balance == running
    assert item.quantity == running


def test_twenty_write_offs_against_ten_on_hand(requires_postgres: None, slow_lock: None) -> None:
    item = StockItemFactory(stock=10)

    def write_off() -> Any:
        return services.stock_write_off(item=item, quantity=1, reason="wilted", actor=None)

    results = _run_in_threads([write_off] * 20)
    ok = [r for r in results if not isinstance(r, BaseException)]
    refused = [r for r in results if isinstance(r, InsufficientStock)]
    assert (len(ok), len(refused)) == (10, 10), [type(r).__name__ for r in results]
    item.refresh_from_db()
    assert item.quantity == 0
    assert StockMovement.objects.filter(item=item, kind=MovementKind.WRITE_OFF).count() == 10
    assert sorted(m.balance_after for m in ok) == list(range(10))
    _assert_chain(item)


def test_mixed_consumptions_and_write_offs_lose_no_update(requires_postgres: None, slow_lock: None) -> None:
    a = StockItemFactory(stock=100)
    b = StockItemFactory(shop=a.shop, stock=100)
    targets: list[Callable[[], Any]] = []
    for i in range(8):
        # Lines in both orders: locks are taken in id order, so no deadlock.
        lines = {a.pk: 3, b.pk: 1} if i % 2 else {b.pk: 1, a.pk: 3}
        targets.append(lambda lines=lines: services.stock_consume(shop=a.shop, lines=lines, actor=None))
        targets.append(lambda: services.stock_write_off(item=a, quantity=2, reason="damaged", actor=None))
        targets.append(lambda: services.stock_write_off(item=b, quantity=1, reason="lost", actor=None))
    targets.append(lambda: services.stock_receive(item=a, quantity=10, unit_price=Decimal("100.00"), actor=None))
    targets.append(lambda: services.stock_reserve(shop=a.shop, lines={a.pk: 4, b.pk: 4}))
    results = _run_in_threads(targets)
    assert not [r for r in results if isinstance(r, BaseException)], results
    a.refresh_from_db()
    b.refresh_from_db()
    assert a.quantity == 100 - 8 * 3 - 8 * 2 + 10
    assert b.quantity == 100 - 8 * 1 - 8 * 1
    assert (a.reserved, b.reserved) == (4, 4)
    assert a.unit_cost == Decimal("100.00")
    _assert_chain(a)
    _assert_chain(b)


def test_concurrent_consumptions_never_oversell(requires_postgres: None, slow_lock: None) -> None:
    item = StockItemFactory(stock=7)
    targets = [lambda: services.stock_consume(shop=item.shop, lines={item.pk: 2}, actor=None)] * 6
    results = _run_in_threads(targets)
    assert sum(1 for r in results if isinstance(r, list)) == 3
    assert sum(1 for r in results if isinstance(r, InsufficientStock)) == 3
    item.refresh_from_db()
    assert item.quantity == 1
    _assert_chain(item)


# --- a stock item deleted between a request's look-up and its lock: 404, never a 500 ------


@pytest.mark.parametrize(
    ("method", "suffix", "body"),
    [
        ("patch", "", {"name": "Роза Эксплорер"}),
        ("put", "", {"name": "Роза Эксплорер", "category": "flower"}),
        ("delete", "", None),
        ("post", "write-off/", {"quantity": 1, "reason": "wilted"}),
        ("post", "adjust/", {"counted_quantity": 3, "reason": "пересчёт"}),
    ],
)
def test_editing_an_item_deleted_meanwhile_is_404(
    requires_postgres: None, shop: Any, member: Any, api_as: Any, method: str, suffix: str, body: Any
) -> None:
    item = StockItemFactory(shop=shop)  # nothing on hand and no movements: deletable
    client = api_as(member(Role.MANAGER))

    outcome, response = race_with_open_transaction(
        lambda: services.stock_item_delete(item=item),
        lambda: getattr(client, method)(f"/api/warehouse/items/{item.pk}/{suffix}", body, format="json"),
    )

    assert not isinstance(outcome, BaseException), outcome
    assert not isinstance(response, BaseException), response  # a DoesNotExist here was the 500
    assert_error(response, 404, "not_found")
    assert not StockItem.objects.filter(pk=item.pk).exists()
    assert not StockMovement.objects.exists()
