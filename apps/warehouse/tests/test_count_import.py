"""``stock_count_import``: counted figures from a file (ARCHITECTURE §11.3)."""

from __future__ import annotations

from decimal import Decimal

import pytest

from apps.warehouse.models import MovementKind, StockMovement
from apps.warehouse.services import IMPORT_REASON, stock_count_import, stock_receive, stock_write_off
from apps.warehouse.tests.factories import StockItemFactory
from flowercrm.errors import Invalid

pytestmark = pytest.mark.django_db


def test_count_adjusts_with_reason_import_and_sets_the_opening_cost(shop) -> None:
    item = StockItemFactory(shop=shop)
    movement, cost_changed = stock_count_import(
        item=item, counted_quantity=30, unit_cost=Decimal("120.555"), actor=None
    )
    item.refresh_from_db()
    assert (item.quantity, item.unit_cost, cost_changed) == (30, Decimal("120.56"), True)
    assert movement is not None
    assert (movement.kind, movement.reason, movement.delta, movement.balance_after, movement.unit_cost) == (
        MovementKind.ADJUSTMENT,
        IMPORT_REASON,
        30,
        30,
        Decimal("120.56"),
    )
    # The same figures again: nothing.
    assert stock_count_import(item=item, counted_quantity=30, unit_cost=Decimal("120.56"), actor=None) == (None, False)
    stock_write_off(item=item, quantity=5, reason="wilted", actor=None)
    movement, _ = stock_count_import(item=item, counted_quantity=30, unit_cost=None, actor=None)
    assert movement is not None and movement.delta == 5
    item.refresh_from_db()
    assert item.quantity == sum(StockMovement.objects.filter(item=item).values_list("delta", flat=True))


def test_receipts_own_the_unit_cost(shop) -> None:
    item = StockItemFactory(shop=shop)
    stock_receive(item=item, quantity=10, unit_price=Decimal("200"), actor=None)
    _, cost_changed = stock_count_import(item=item, counted_quantity=10, unit_cost=Decimal("1"), actor=None)
    item.refresh_from_db()
    assert (item.unit_cost, cost_changed) == (Decimal("200.00"), False)


@pytest.mark.parametrize(("quantity", "cost"), [(-1, None), (100_001, None), (1, Decimal("-1"))])
def test_bad_figures_change_nothing(shop, quantity: int, cost: Decimal | None) -> None:
    item = StockItemFactory(shop=shop)
    with pytest.raises(Invalid):
        stock_count_import(item=item, counted_quantity=quantity, unit_cost=cost, actor=None)
    assert not StockMovement.objects.filter(item=item).exists()
