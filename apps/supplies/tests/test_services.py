from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Any

import pytest
from django.utils import translation

from apps.shops.models import Shop
from apps.shops.tests.factories import ShopFactory
from apps.supplies import services
from apps.supplies.models import Supplier, Supply, SupplyLine, SupplyStatus
from apps.supplies.tests.factories import SupplierFactory, SupplyFactory, SupplyLineFactory
from apps.warehouse.models import MovementKind, StockItem, StockMovement
from apps.warehouse.tests.factories import StockItemFactory
from flowercrm.errors import Conflict, Invalid
from flowercrm.testing import run_concurrently as _in_threads

D = Decimal


@pytest.fixture
def usd_shop(db: None) -> Shop:
    """A KZT shop whose flowers carry an 80 % recommended markup, prices rounded to 10 ₸."""
    return ShopFactory(
        name="Ромашка USD",
        markups={
            "default": {"minimum": "50", "recommended": "100", "premium": "150"},
            "flower": {"minimum": "30", "recommended": "80", "premium": "120"},
        },
        price_rounding_step=D("10.00"),
    )


def _create(shop: Shop, *, lines: list[dict[str, Any]], **data: Any) -> Supply:
    data.setdefault("supplier_name", "Голландия Опт")
    return services.supply_create(shop=shop, actor=None, data={"lines": lines, **data})


# --- receiving ----------------------------------------------------------------------------------


@pytest.mark.django_db
def test_receive_usd_supply_converts_cost_and_averages_with_stock_on_hand(usd_shop: Shop, member) -> None:
    actor = member("manager", shop=usd_shop).user
    item = StockItemFactory(shop=usd_shop, name="Роза Фридом", height_cm=60, retail_price=D("0"), stock=10)
    assert (item.quantity, item.unit_cost) == (10, D("100.00"))
    supply = _create(
        usd_shop,
        currency="USD",
        rate=D("512.3456"),
        lines=[{"stock_item": item, "quantity": 30, "purchase_price": D("0.4375")}],
    )

    services.supply_receive(supply=supply, actor=actor)

    item.refresh_from_db()
    # 0.4375 USD × 512.3456 = 224.1512 ₸; (10 × 100 + 30 × 224.1512) / 40 = 193.1134 → 193.11
    assert item.quantity == 40
    assert item.unit_cost == D("193.11")
    # 193.11 × 1.8 = 347.598 → to the 10 ₸ step half-up → 350
    assert item.retail_price == D("350.00")
    line = supply.lines.get()
    assert line.suggested_retail_price == D("350.00")
    movement = StockMovement.objects.get(item=item, kind=MovementKind.RECEIPT, supply=supply)
    assert (movement.delta, movement.balance_after, movement.actor_id) == (30, 40, actor.id)
    supply.refresh_from_db()
    assert supply.status == SupplyStatus.RECEIVED
    assert supply.received_at is not None and supply.received_by_id == actor.id
    assert supply.total == D("13.13")  # 30 × 0.4375 = 13.125 → 13.13 USD
    assert supply.total_in_shop_currency == D("6724.54")  # 30 × 224.1512 = 6724.536


@pytest.mark.django_db
def test_receive_keeps_a_retail_price_the_shop_chose(usd_shop: Shop) -> None:
    item = StockItemFactory(shop=usd_shop, retail_price=D("990.00"))
    supply = _create(usd_shop, lines=[{"stock_item": item, "quantity": 5, "purchase_price": D("200")}])
    services.supply_receive(supply=supply, actor=None)
    item.refresh_from_db()
    assert item.unit_cost == D("200.00")
    assert item.retail_price == D("990.00")
    assert supply.lines.get().suggested_retail_price == D("360.00")  # 200 × 1.8


@pytest.mark.parametrize(
    ("cost", "step", "markup", "expected"),
    [
        (D("100.00"), D("50.00"), "25", D("150.00")),  # 125 / 50 = 2.5 → 3 (half-up, not banker's)
        (D("100.00"), D("50.00"), "24", D("100.00")),  # 124 / 50 = 2.48 → 2
        (D("33.33"), D("0.50"), "100", D("66.50")),  # 66.66 / 0.5 = 133.32 → 133
        (D("0.00"), D("10.00"), "100", D("0.00")),
    ],
)
@pytest.mark.django_db
def test_suggested_retail_price_rounds_half_up_to_the_step(
    cost: Decimal, step: Decimal, markup: str, expected: Decimal
) -> None:
    shop = ShopFactory(
        price_rounding_step=step,
        markups={"default": {"minimum": "0", "recommended": markup, "premium": "200"}},
    )
    assert services.suggested_retail_price(shop=shop, category="greenery", unit_cost=cost) == expected


@pytest.mark.django_db
def test_new_item_lines_create_items_and_point_the_line_at_them(usd_shop: Shop) -> None:
    supply = _create(
        usd_shop,
        lines=[
            {
                "new_item_name": "Эвкалипт  Цинерея",
                "new_item_category": "greenery",
                "new_item_height_cm": None,
                "new_item_unit": "pcs",
                "quantity": 12,
                "purchase_price": D("150.5"),
            },
            {"new_item_name": "Пион Сара Бернар", "new_item_height_cm": 50, "quantity": 7, "purchase_price": D("700")},
        ],
    )
    assert StockItem.objects.filter(shop=usd_shop).count() == 0

    services.supply_receive(supply=supply, actor=None)

    eucalyptus = StockItem.objects.get(shop=usd_shop, name="Эвкалипт Цинерея")
    assert (eucalyptus.category, eucalyptus.unit, eucalyptus.height_cm) == ("greenery", "pcs", None)
    assert (eucalyptus.quantity, eucalyptus.unit_cost, eucalyptus.retail_price) == (12, D("150.50"), D("300.00"))
    peony = StockItem.objects.get(shop=usd_shop, name="Пион Сара Бернар")
    assert (peony.category, peony.unit, peony.height_cm, peony.quantity) == ("flower", "stem", 50, 7)
    lines = list(supply.lines.order_by("id"))
    assert [line.stock_item_id for line in lines] == [eucalyptus.id, peony.id]
    assert all(line.new_item_name == "" for line in lines)


@pytest.mark.django_db
def test_new_item_line_matching_an_existing_item_by_folded_name_and_height_uses_it(usd_shop: Shop) -> None:
    existing = StockItemFactory(shop=usd_shop, name="Роза Фридом", height_cm=60, stock=4)
    supply = _create(
        usd_shop,
        lines=[
            {"new_item_name": "роза  ФРИДОМ", "new_item_height_cm": 60, "quantity": 6, "purchase_price": D("100")},
            {"new_item_name": "РОЗА фридом", "new_item_height_cm": 60, "quantity": 10, "purchase_price": D("100")},
            {"new_item_name": "Роза Фридом", "new_item_height_cm": 70, "quantity": 1, "purchase_price": D("100")},
        ],
    )
    services.supply_receive(supply=supply, actor=None)
    existing.refresh_from_db()
    assert existing.quantity == 20
    assert StockItem.objects.filter(shop=usd_shop).count() == 2  # the 70 cm one is new
    assert StockItem.objects.get(shop=usd_shop, height_cm=70).quantity == 1


@pytest.mark.django_db
def test_receive_twice_is_a_conflict_and_stock_arrives_once(shop: Shop) -> None:
    supply = SupplyFactory(shop=shop, lines=2)
    services.supply_receive(supply=supply, actor=None)
    with pytest.raises(Conflict):
        services.supply_receive(supply=supply, actor=None)
    with pytest.raises(Conflict):
        services.supply_receive(supply=Supply.objects.get(pk=supply.pk), actor=None)
    assert StockMovement.objects.filter(supply=supply).count() == 2
    assert sorted(StockItem.objects.filter(shop=shop).values_list("quantity", flat=True)) == [10, 10]


@pytest.mark.django_db
def test_received_or_cancelled_supply_cannot_change(shop: Shop) -> None:
    received = SupplyFactory(shop=shop, lines=1)
    services.supply_receive(supply=received, actor=None)
    cancelled = SupplyFactory(shop=shop, lines=1)
    services.supply_cancel(supply=cancelled, actor=None)
    for supply in (received, cancelled):
        with pytest.raises(Conflict):
            services.supply_update(supply=supply, actor=None, data={"notes": "поправка"})
        with pytest.raises(Conflict):
            services.supply_cancel(supply=supply, actor=None)
        with pytest.raises(Conflict):
            services.supply_delete(supply=supply)
    with pytest.raises(Conflict):
        services.supply_receive(supply=cancelled, actor=None)
    assert StockMovement.objects.filter(supply=cancelled).count() == 0
    assert Supply.objects.get(pk=cancelled.pk).status == SupplyStatus.CANCELLED


@pytest.mark.django_db
def test_receiving_an_empty_draft_is_invalid(shop: Shop) -> None:
    supply = SupplyFactory(shop=shop)
    with pytest.raises(Invalid):
        services.supply_receive(supply=supply, actor=None)
    assert Supply.objects.get(pk=supply.pk).status == SupplyStatus.DRAFT


# --- drafts ---------------------------------------------------------------------------------------


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("data", "field"),
    [
        ({"currency": "KZT", "rate": D("2")}, "rate"),  # the shop's currency comes at rate 1
        ({"currency": "USD"}, "rate"),  # another currency needs a rate
        ({"currency": "US1", "rate": D("1")}, "currency"),
        ({"currency": "USD", "rate": D("0")}, "rate"),
        ({"currency": "USD", "rate": D("-1")}, "rate"),
        ({"currency": "USD", "rate": D("1.00001")}, "rate"),
    ],
)
def test_currency_and_rate_rules(shop: Shop, data: dict[str, Any], field: str) -> None:
    item = StockItemFactory(shop=shop)
    with pytest.raises(Invalid) as caught:
        _create(shop, lines=[{"stock_item": item, "quantity": 1, "purchase_price": D("1")}], **data)
    assert field in caught.value.extra["errors"]
    assert not Supply.objects.exists() and not Supplier.objects.exists()


@pytest.mark.django_db
def test_shop_currency_defaults_to_rate_one_and_codes_are_upper_cased(shop: Shop) -> None:
    assert _create(shop, lines=[]).rate == D("1")
    assert _create(shop, lines=[], currency="KZT").rate == D("1")
    usd = _create(shop, lines=[], currency="usd", rate=D("480.5"))
    assert (usd.currency, usd.rate) == ("USD", D("480.5"))


@pytest.mark.django_db
def test_supplier_by_name_is_found_case_insensitively_or_created(shop: Shop, other_shop: Shop) -> None:
    existing = SupplierFactory(shop=shop, name="ООО «Цветы Алматы»")
    SupplierFactory(shop=other_shop, name="Новый опт")
    assert _create(shop, lines=[], supplier_name="ооо «цветы  АЛМАТЫ»").supplier_id == existing.id
    created = _create(shop, lines=[], supplier_name="Новый опт").supplier
    assert created.shop_id == shop.id and created.name == "Новый опт"
    assert Supplier.objects.filter(shop=shop).count() == 2


@pytest.mark.django_db
def test_another_shops_supplier_or_item_is_invalid_and_nothing_is_written(shop: Shop, other_shop: Shop) -> None:
    foreign_supplier = SupplierFactory(shop=other_shop)
    foreign_item = StockItemFactory(shop=other_shop)
    own_item = StockItemFactory(shop=shop)
    line = {"stock_item": own_item, "quantity": 1, "purchase_price": D("1")}
    with pytest.raises(Invalid) as caught:
        services.supply_create(shop=shop, actor=None, data={"supplier": foreign_supplier, "lines": [line]})
    assert "supplier_id" in caught.value.extra["errors"]
    with pytest.raises(Invalid) as caught:
        _create(shop, lines=[line, {**line, "stock_item": foreign_item}])
    assert caught.value.extra["errors"] == {"lines": [{}, {"stock_item_id": ["Складская позиция не найдена."]}]}
    assert not Supply.objects.exists()
    assert not Supplier.objects.filter(shop=shop).exists()  # the supplier named in the body was rolled back


@pytest.mark.django_db
def test_line_rules(shop: Shop) -> None:
    item = StockItemFactory(shop=shop)
    bad = [
        {"stock_item": item, "new_item_name": "Роза", "quantity": 1, "purchase_price": D("1")},
        {"quantity": 1, "purchase_price": D("1")},
        {"stock_item": item, "quantity": 0, "purchase_price": D("1")},
        {"stock_item": item, "quantity": 100_001, "purchase_price": D("1")},
        {"stock_item": item, "quantity": 1, "purchase_price": D("-1")},
        {"stock_item": item, "quantity": 1, "purchase_price": D("0.00001")},
        {"new_item_name": "Роза", "new_item_height_cm": 0, "quantity": 1, "purchase_price": D("1")},
    ]
    with pytest.raises(Invalid) as caught:
        _create(shop, lines=bad)
    errors = caught.value.extra["errors"]["lines"]
    assert [sorted(e) for e in errors] == [
        ["stock_item_id"],
        ["stock_item_id"],
        ["quantity"],
        ["quantity"],
        ["purchase_price"],
        ["purchase_price"],
        ["new_item_height_cm"],
    ]
    assert not Supply.objects.exists() and not SupplyLine.objects.exists()


@pytest.mark.django_db
def test_price_too_large_in_shop_currency_is_invalid(shop: Shop) -> None:
    item = StockItemFactory(shop=shop)
    with pytest.raises(Invalid):
        _create(
            shop,
            currency="USD",
            rate=D("99999999.9999"),
            lines=[{"stock_item": item, "quantity": 1, "purchase_price": D("99999999.9999")}],
        )


@pytest.mark.django_db
def test_update_replaces_lines_and_fields(shop: Shop) -> None:
    supply = SupplyFactory(shop=shop, lines=3)
    item = StockItemFactory(shop=shop)
    services.supply_update(
        supply=supply,
        actor=None,
        data={
            "date": dt.date(2026, 12, 1),
            "notes": "к 8 марта",
            "currency": "EUR",
            "rate": D("560.1"),
            "lines": [{"stock_item": item, "quantity": 2, "purchase_price": D("3.5")}],
        },
    )
    supply.refresh_from_db()
    assert (supply.date, supply.notes, supply.currency, supply.rate) == (
        dt.date(2026, 12, 1),
        "к 8 марта",
        "EUR",
        D("560.1"),
    )
    assert list(supply.lines.values_list("stock_item_id", "quantity")) == [(item.id, 2)]
    # A new currency needs its own rate; the old rate is not carried over.
    with pytest.raises(Invalid):
        services.supply_update(supply=supply, actor=None, data={"currency": "USD"})
    # Back to the shop's currency: rate 1 without asking.
    services.supply_update(supply=supply, actor=None, data={"currency": "KZT"})
    supply.refresh_from_db()
    assert (supply.currency, supply.rate) == ("KZT", D("1"))


@pytest.mark.django_db
def test_supplier_names_are_unique_per_shop_regardless_of_case(shop: Shop, other_shop: Shop) -> None:
    services.supplier_create(shop=shop, data={"name": "Эквадор Розы", "phone": "8 701 123 45 67"})
    with pytest.raises(Invalid):
        services.supplier_create(shop=shop, data={"name": "ЭКВАДОР розы"})
    services.supplier_create(shop=other_shop, data={"name": "эквадор розы"})
    assert Supplier.objects.get(shop=shop).phone == "+77011234567"
    second = services.supplier_create(shop=shop, data={"name": "Кения"})
    with pytest.raises(Invalid):
        services.supplier_update(supplier=second, data={"name": "эквадор РОЗЫ"})


# --- concurrency (PostgreSQL) -------------------------------------------------------------------


@pytest.mark.django_db(transaction=True)
def test_concurrent_receives_of_one_supply_receive_it_once(requires_postgres: None) -> None:
    shop = ShopFactory()
    supply = SupplyFactory(shop=shop, lines=3)
    results = _in_threads(
        [lambda: services.supply_receive(supply=Supply.objects.get(pk=supply.pk), actor=None) for _ in range(4)]
    )
    assert sum(isinstance(r, Supply) for r in results) == 1, results
    assert sum(isinstance(r, Conflict) for r in results) == 3, results
    assert StockMovement.objects.filter(supply=supply).count() == 3
    assert list(StockItem.objects.filter(shop=shop).values_list("quantity", flat=True)) == [10, 10, 10]


@pytest.mark.django_db(transaction=True)
def test_concurrent_receives_sharing_items_in_opposite_orders_do_not_deadlock(requires_postgres: None) -> None:
    shop = ShopFactory()
    first, second = StockItemFactory(shop=shop), StockItemFactory(shop=shop)
    supplies = []
    for order in ([first, second], [second, first]) * 3:
        supply = SupplyFactory(shop=shop)
        for item in order:
            SupplyLineFactory(supply=supply, stock_item=item, quantity=1)
        supplies.append(supply)
    results = _in_threads([lambda s=s: services.supply_receive(supply=s, actor=None) for s in supplies])
    assert all(isinstance(r, Supply) for r in results), results
    first.refresh_from_db()
    second.refresh_from_db()
    assert (first.quantity, second.quantity) == (6, 6)


@pytest.mark.django_db(transaction=True)
def test_concurrent_receives_creating_the_same_new_item_end_with_one_item(requires_postgres: None) -> None:
    shop = ShopFactory()
    supplies = [
        services.supply_create(
            shop=shop,
            actor=None,
            data={
                "supplier_name": "Опт",
                "lines": [
                    {"new_item_name": "Гортензия", "new_item_height_cm": 40, "quantity": 2, "purchase_price": D("9")}
                ],
            },
        )
        for _ in range(3)
    ]
    results = _in_threads([lambda s=s: services.supply_receive(supply=s, actor=None) for s in supplies])
    assert all(isinstance(r, Supply) for r in results), results
    item = StockItem.objects.get(shop=shop)
    assert item.quantity == 6
    assert StockMovement.objects.filter(item=item).count() == 3


@pytest.mark.django_db
def test_a_refusal_names_the_state_and_the_action_in_the_active_language(shop: Shop) -> None:
    received = SupplyFactory(shop=shop, lines=1)
    services.supply_receive(supply=received, actor=None)
    cancelled = SupplyFactory(shop=shop, lines=1)
    services.supply_cancel(supply=cancelled, actor=None)
    with pytest.raises(Conflict) as exc:
        services.supply_update(supply=received, actor=None, data={"notes": "поправка"})
    assert exc.value.detail == "Поставка уже принята: изменить можно только черновик."
    with pytest.raises(Conflict) as exc:
        services.supply_receive(supply=cancelled, actor=None)
    assert exc.value.detail == "Поставка уже отменена: принять можно только черновик."
    with translation.override("en"), pytest.raises(Conflict) as exc:
        services.supply_delete(supply=cancelled)
    assert exc.value.detail == "The supply is already cancelled: only a draft can be deleted."
