from __future__ import annotations

from decimal import ROUND_HALF_UP, Decimal

import pytest
from django.db import IntegrityError, transaction

from apps.catalog.models import Product, ProductComponent
from apps.warehouse import services
from apps.warehouse.models import MovementKind, StockItem, StockMovement
from apps.warehouse.selectors import is_low_stock, stock_item_list
from apps.warehouse.tests.factories import StockItemFactory
from flowercrm.errors import InsufficientStock, Invalid, Protected

pytestmark = pytest.mark.django_db


def _state(item: StockItem) -> tuple[int, int, Decimal, int]:
    item.refresh_from_db()
    return item.quantity, item.reserved, item.unit_cost, StockMovement.objects.filter(item=item).count()


# --- items -----------------------------------------------------------------------------------


def test_create_and_update_keep_search_text_and_match_key(shop) -> None:
    item = services.stock_item_create(shop=shop, data={"name": "Роза  Фридом", "height_cm": 60, "quantity": 99})
    assert item.quantity == 0  # never taken from data
    assert item.search_text == "роза фридом"
    assert item.match_key == "роза фридом#60"
    item = services.stock_item_update(item=item, data={"name": "Роза Эксплорер", "quantity": 5, "unit_cost": "9"})
    item.refresh_from_db()
    assert (item.name, item.quantity, item.unit_cost) == ("Роза Эксплорер", 0, Decimal("0.00"))
    assert item.search_text == "роза эксплорер"


def test_duplicate_name_and_height_is_invalid_per_shop(shop, other_shop) -> None:
    services.stock_item_create(shop=shop, data={"name": "Эвкалипт", "height_cm": 50})
    with pytest.raises(Invalid):
        services.stock_item_create(shop=shop, data={"name": "эвкалипт", "height_cm": 50})
    services.stock_item_create(shop=shop, data={"name": "Эвкалипт", "height_cm": 70})
    services.stock_item_create(shop=other_shop, data={"name": "Эвкалипт", "height_cm": 50})


def test_create_rejects_bad_fields(shop) -> None:
    # Services raise the domain's ``Invalid`` (a 400 with the errors by field).
    with pytest.raises(Invalid) as caught:
        services.stock_item_create(shop=shop, data={"name": "X", "category": "tree"})
    assert "category" in caught.value.extra["errors"]
    assert not StockItem.objects.exists()


def test_delete_unused_item(shop) -> None:
    item = StockItemFactory(shop=shop)
    services.stock_item_delete(item=item)
    assert not StockItem.objects.filter(pk=item.pk).exists()


@pytest.mark.parametrize("use", ["movement", "reservation", "recipe"])
def test_delete_refused_when_used(shop, use: str) -> None:
    item = StockItemFactory(shop=shop)
    if use == "movement":
        services.stock_receive(item=item, quantity=1, unit_price=Decimal("1"), actor=None)
    elif use == "reservation":
        services.stock_reserve(shop=shop, lines={item.pk: 1})
    else:
        product = Product.objects.create(shop=shop, name="Букет", price=Decimal("100"))
        ProductComponent.objects.create(product=product, stock_item=item, quantity=3)
    with pytest.raises(Protected):
        services.stock_item_delete(item=item)
    assert StockItem.objects.filter(pk=item.pk).exists()


# --- receipts and the weighted average -----------------------------------------------------


def test_receive_weighted_average(shop) -> None:
    item = StockItemFactory(shop=shop)
    m1 = services.stock_receive(item=item, quantity=10, unit_price=Decimal("100.00"), actor=None)
    assert (m1.kind, m1.delta, m1.balance_after) == (MovementKind.RECEIPT, 10, 10)
    services.stock_receive(item=item, quantity=5, unit_price=Decimal("130.00"), actor=None)
    item.refresh_from_db()
    # (10·100 + 5·130) / 15 = 110
    assert (item.quantity, item.unit_cost) == (15, Decimal("110.00"))
    services.stock_receive(item=item, quantity=2, unit_price=Decimal("100.01"), actor=None)
    item.refresh_from_db()
    # (15·110 + 2·100.01) / 17 = 108.8247… → 108.82
    assert item.unit_cost == Decimal("108.82")


def test_receive_usd_price_times_rate_quantized_half_up(shop) -> None:
    item = StockItemFactory(shop=shop, stock=3, stock__cost="1000.00")
    usd_price, rate = Decimal("1.2345"), Decimal("470.55")  # 580.893975 KZT a stem
    services.stock_receive(item=item, quantity=7, unit_price=usd_price * rate, actor=None)
    item.refresh_from_db()
    expected = ((3 * Decimal("1000.00") + 7 * usd_price * rate) / 10).quantize(Decimal("0.01"), ROUND_HALF_UP)
    assert item.unit_cost == expected == Decimal("706.63")  # 706.6257825 → .63


def test_weighted_average_rounds_half_up_not_to_even() -> None:
    # (1·0.01 + 1·0.00) / 2 = 0.005 → 0.01 half-up (banker's rounding would give 0.00)
    assert services.weighted_unit_cost(
        on_hand=1, unit_cost=Decimal("0.01"), received=1, unit_price=Decimal("0")
    ) == Decimal("0.01")


def test_receive_into_empty_stock_takes_the_new_price(shop) -> None:
    item = StockItemFactory(shop=shop, stock=4, stock__cost="50.00")
    services.stock_write_off(item=item, quantity=4, reason="wilted", actor=None)
    services.stock_receive(item=item, quantity=2, unit_price=Decimal("80.00"), actor=None)
    item.refresh_from_db()
    assert item.unit_cost == Decimal("80.00")


def test_write_off_and_stocktake_never_change_unit_cost(shop) -> None:
    item = StockItemFactory(shop=shop, stock=10, stock__cost="123.45")
    services.stock_write_off(item=item, quantity=3, reason="damaged", actor=None)
    services.stock_adjust(item=item, counted_quantity=20, reason="Пересчёт", actor=None)
    services.stock_adjust(item=item, counted_quantity=0, reason="Пересчёт", actor=None)
    item.refresh_from_db()
    assert item.unit_cost == Decimal("123.45")
    assert list(StockMovement.objects.filter(item=item).order_by().values_list("unit_cost", flat=True).distinct()) == [
        Decimal("123.45")
    ]


@pytest.mark.parametrize("bad", [0, -1, 100_001, True, "3", 2.0])
def test_receive_bad_quantity(shop, bad: object) -> None:
    item = StockItemFactory(shop=shop)
    with pytest.raises(Invalid):
        services.stock_receive(item=item, quantity=bad, unit_price=Decimal("1"), actor=None)  # type: ignore[arg-type]
    assert _state(item) == (0, 0, Decimal("0.00"), 0)


def test_receive_negative_price(shop) -> None:
    item = StockItemFactory(shop=shop)
    with pytest.raises(Invalid):
        services.stock_receive(item=item, quantity=1, unit_price=Decimal("-0.01"), actor=None)
    assert _state(item) == (0, 0, Decimal("0.00"), 0)


# --- write-off, consumption, stocktake ------------------------------------------------------


def test_write_off_records_reason_actor_and_balance(shop, member) -> None:
    actor = member("florist").user
    item = StockItemFactory(shop=shop, stock=10)
    movement = services.stock_write_off(item=item, quantity=4, reason="other", note="Уронили ведро", actor=actor)
    assert (movement.kind, movement.delta, movement.balance_after) == (MovementKind.WRITE_OFF, -4, 6)
    assert (movement.reason, movement.note, movement.actor, movement.shop_id) == (
        "other",
        "Уронили ведро",
        actor,
        shop.id,
    )
    assert movement.item.quantity == 6  # the locked item travels with the movement


@pytest.mark.parametrize(
    ("reason", "note", "field"), [("rotten", "", "reason"), ("other", "  ", "note"), ("", "", "reason")]
)
def test_write_off_bad_reason(shop, reason: str, note: str, field: str) -> None:
    item = StockItemFactory(shop=shop, stock=5)
    with pytest.raises(Invalid) as exc:
        services.stock_write_off(item=item, quantity=1, reason=reason, note=note, actor=None)
    assert field in exc.value.extra["errors"]
    assert _state(item)[0] == 5


def test_write_off_more_than_on_hand_changes_nothing(shop) -> None:
    item = StockItemFactory(shop=shop, stock=3)
    before = _state(item)
    with pytest.raises(InsufficientStock) as exc:
        services.stock_write_off(item=item, quantity=4, reason="lost", actor=None)
    assert exc.value.extra["missing"] == [{"stock_item_id": item.pk, "name": item.name, "needed": 4, "on_hand": 3}]
    assert _state(item) == before


def test_consume_all_or_nothing_lists_every_shortage(shop) -> None:
    a = StockItemFactory(shop=shop, stock=5)
    b = StockItemFactory(shop=shop, stock=1)
    c = StockItemFactory(shop=shop, stock=0)
    with pytest.raises(InsufficientStock) as exc:
        services.stock_consume(shop=shop, lines={a.pk: 2, b.pk: 3, c.pk: 1}, actor=None)
    assert [m["stock_item_id"] for m in exc.value.extra["missing"]] == [b.pk, c.pk]
    assert [_state(x)[0] for x in (a, b, c)] == [5, 1, 0]
    movements = services.stock_consume(shop=shop, lines={a.pk: 2, b.pk: 1}, actor=None)
    assert [(m.item_id, m.kind, m.delta, m.balance_after) for m in movements] == [
        (a.pk, MovementKind.CONSUMPTION, -2, 3),
        (b.pk, MovementKind.CONSUMPTION, -1, 0),
    ]


def test_consume_another_shops_item_is_invalid(shop, other_shop) -> None:
    foreign = StockItemFactory(shop=other_shop, stock=5)
    with pytest.raises(Invalid):
        services.stock_consume(shop=shop, lines={foreign.pk: 1}, actor=None)
    assert _state(foreign)[0] == 5


def test_adjust_to_counted_quantity(shop) -> None:
    item = StockItemFactory(shop=shop, stock=10)
    m = services.stock_adjust(item=item, counted_quantity=7, reason=" Инвентаризация ", actor=None)
    assert m is not None and (m.kind, m.delta, m.balance_after, m.reason) == (
        MovementKind.ADJUSTMENT,
        -3,
        7,
        "Инвентаризация",
    )
    assert services.stock_adjust(item=item, counted_quantity=7, reason="Ещё раз", actor=None) is None
    m = services.stock_adjust(item=item, counted_quantity=12, reason="Нашли", actor=None)
    assert m is not None and (m.delta, m.balance_after) == (5, 12)


@pytest.mark.parametrize(("counted", "reason"), [(-1, "x"), (100_001, "x"), (5, "  "), (5, "я" * 201)])
def test_adjust_bad_input(shop, counted: int, reason: str) -> None:
    item = StockItemFactory(shop=shop, stock=10)
    before = _state(item)
    with pytest.raises(Invalid):
        services.stock_adjust(item=item, counted_quantity=counted, reason=reason, actor=None)
    assert _state(item) == before


# --- reservations ---------------------------------------------------------------------------


def test_reserve_may_exceed_on_hand_and_release_gives_back(shop) -> None:
    item = StockItemFactory(shop=shop, stock=2, min_quantity=1)
    services.stock_reserve(shop=shop, lines={item.pk: 5})
    item.refresh_from_db()
    assert (item.quantity, item.reserved, item.available) == (2, 5, -3)
    assert is_low_stock(item)
    assert not StockMovement.objects.filter(item=item).exclude(kind=MovementKind.RECEIPT).exists()
    with pytest.raises(Invalid):
        services.stock_release(shop=shop, lines={item.pk: 6})
    assert _state(item)[1] == 5
    services.stock_release(shop=shop, lines={item.pk: 5})
    assert _state(item)[1] == 0


def test_release_is_all_or_nothing(shop) -> None:
    a = StockItemFactory(shop=shop)
    b = StockItemFactory(shop=shop)
    services.stock_reserve(shop=shop, lines={a.pk: 2, b.pk: 1})
    with pytest.raises(Invalid):
        services.stock_release(shop=shop, lines={a.pk: 2, b.pk: 2})
    assert (_state(a)[1], _state(b)[1]) == (2, 1)


# --- low stock (one definition for the filter and the future event) -----------------------


@pytest.mark.parametrize(
    ("stock", "reserved", "minimum", "low"),
    [(5, 0, 0, False), (0, 0, 0, False), (4, 0, 5, True), (5, 0, 5, False), (10, 6, 5, True), (10, 5, 5, False)],
)
def test_low_stock_definition_matches_the_query(shop, stock: int, reserved: int, minimum: int, low: bool) -> None:
    item = StockItemFactory(shop=shop, stock=stock, min_quantity=minimum)
    if reserved:
        services.stock_reserve(shop=shop, lines={item.pk: reserved})
    item.refresh_from_db()
    from apps.warehouse.selectors import low_stock_q

    assert is_low_stock(item) is low
    assert stock_item_list(shop=shop).filter(low_stock_q()).filter(pk=item.pk).exists() is low


# --- database constraints stand behind the services -----------------------------------------


@pytest.mark.parametrize("field", ["quantity", "reserved"])
def test_database_refuses_negative_stock(shop, field: str) -> None:
    item = StockItemFactory(shop=shop)
    with pytest.raises(IntegrityError), transaction.atomic():
        StockItem.objects.filter(pk=item.pk).update(**{field: -1})
