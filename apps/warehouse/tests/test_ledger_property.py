"""The ledger invariant as a property: any sequence of stock operations keeps
``quantity == Σ delta``, a correct ``balance_after`` chain, no negative stock, and a refused
operation changes nothing."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from apps.warehouse import services
from apps.warehouse.models import MovementKind, StockItem, StockMovement
from apps.warehouse.tests.factories import StockItemFactory
from flowercrm.errors import DomainError

pytestmark = pytest.mark.django_db

# Quantities around the edges (0 and over-limit are refused) and small enough to run short.
quantities = st.one_of(st.integers(min_value=1, max_value=30), st.sampled_from([0, -1, 100_001]))
prices = st.decimals(min_value=0, max_value=Decimal("5000"), places=4, allow_nan=False, allow_infinity=False)
item_index = st.integers(min_value=0, max_value=1)

operations = st.one_of(
    st.tuples(st.just("receive"), item_index, quantities, prices),
    st.tuples(st.just("consume"), st.dictionaries(item_index, quantities, min_size=1, max_size=2)),
    st.tuples(st.just("write_off"), item_index, quantities, st.sampled_from(["wilted", "damaged", "lost", "other"])),
    st.tuples(st.just("adjust"), item_index, st.integers(min_value=-1, max_value=60)),
    st.tuples(st.just("reserve"), st.dictionaries(item_index, quantities, min_size=1, max_size=2)),
    st.tuples(st.just("release"), st.dictionaries(item_index, quantities, min_size=1, max_size=2)),
)


def _snapshot(items: list[StockItem]) -> list[tuple[int, int, Decimal, int]]:
    rows = {i.pk: i for i in StockItem.objects.filter(pk__in=[i.pk for i in items])}
    counts = {i.pk: StockMovement.objects.filter(item_id=i.pk).count() for i in items}
    return [(rows[i.pk].quantity, rows[i.pk].reserved, rows[i.pk].unit_cost, counts[i.pk]) for i in items]


def _check_ledger(item: StockItem) -> None:
    item.refresh_from_db()
    assert item.quantity >= 0 and item.reserved >= 0
    running = 0
    for kind, delta, balance in (
        StockMovement.objects.filter(item=item).order_by("id").values_list("kind", "delta", "balance_after")
    ):
        assert delta != 0
        running += delta
        assert balance == running >= 0
        if kind in (MovementKind.CONSUMPTION, MovementKind.WRITE_OFF):
            assert delta < 0
        if kind == MovementKind.RECEIPT:
            assert delta > 0
    assert item.quantity == running


def _run(op: tuple[Any, ...], items: list[StockItem]) -> None:
    name = op[0]
    if name == "receive":
        _, idx, qty, price = op
        services.stock_receive(item=items[idx], quantity=qty, unit_price=price, actor=None)
    elif name == "consume":
        services.stock_consume(shop=items[0].shop, lines={items[i].pk: q for i, q in op[1].items()}, actor=None)
    elif name == "write_off":
        _, idx, qty, reason = op
        services.stock_write_off(item=items[idx], quantity=qty, reason=reason, note="Тест", actor=None)
    elif name == "adjust":
        _, idx, counted = op
        services.stock_adjust(item=items[idx], counted_quantity=counted, reason="Пересчёт", actor=None)
    elif name == "reserve":
        services.stock_reserve(shop=items[0].shop, lines={items[i].pk: q for i, q in op[1].items()})
    else:
        services.stock_release(shop=items[0].shop, lines={items[i].pk: q for i, q in op[1].items()})


@settings(max_examples=50, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(ops=st.lists(operations, min_size=1, max_size=15))
def test_any_sequence_keeps_the_ledger(shop, ops: list[tuple[Any, ...]]) -> None:
    # A fresh pair of items per example: examples never see each other's rows.
    items = [StockItemFactory(shop=shop), StockItemFactory(shop=shop)]
    for op in ops:
        before = _snapshot(items)
        try:
            _run(op, items)
        except DomainError:
            assert _snapshot(items) == before, op  # refused: nothing changed
        else:
            after = _snapshot(items)
            if op[0] != "receive":
                assert [s[2] for s in after] == [s[2] for s in before], op  # only receipts move the cost
            if op[0] in ("reserve", "release"):
                assert [(s[0], s[3]) for s in after] == [(s[0], s[3]) for s in before], op  # no ledger lines
        for item in items:
            _check_ledger(item)
