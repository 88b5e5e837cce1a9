from __future__ import annotations

import re
from io import StringIO

import pytest
from django.core.management import CommandError, call_command
from django.utils import translation

from apps.warehouse import services
from apps.warehouse.models import StockItem, StockMovement
from apps.warehouse.tests.factories import StockItemFactory

pytestmark = pytest.mark.django_db


def _run(*args: str) -> str:
    out = StringIO()
    call_command("check_ledger", *args, stdout=out)
    return out.getvalue()


@pytest.fixture
def ledger(shop, other_shop) -> list[StockItem]:
    a = StockItemFactory(shop=shop, stock=10)
    services.stock_write_off(item=a, quantity=3, reason="wilted", actor=None)
    services.stock_adjust(item=a, counted_quantity=9, reason="Пересчёт", actor=None)
    b = StockItemFactory(shop=shop)  # no movements at all
    c = StockItemFactory(shop=other_shop, stock=4)
    services.stock_consume(shop=other_shop, lines={c.pk: 4}, actor=None)
    return [a, b, c]


def test_clean_ledger_exits_zero(ledger) -> None:
    assert "Журнал склада сходится: проверено позиций: 3." in _run()


def test_tampered_quantity_fails(ledger, shop, other_shop) -> None:
    a = ledger[0]
    StockItem.objects.filter(pk=a.pk).update(quantity=50)
    with pytest.raises(CommandError, match="Расхождения в журнале склада: 1 "):
        _run()
    # Only the other shop: still clean.
    assert "проверено позиций: 1." in _run("--shop", str(other_shop.pk))
    with pytest.raises(CommandError):
        _run("--shop", str(shop.pk))


def test_item_without_movements_but_with_quantity_fails(ledger) -> None:
    StockItem.objects.filter(pk=ledger[1].pk).update(quantity=1)
    out = StringIO()
    with pytest.raises(CommandError):
        call_command("check_ledger", stdout=out)
    assert f"item {ledger[1].pk}" in out.getvalue()


def test_broken_balance_chain_fails(ledger) -> None:
    # Quantity and Σ delta still agree, but a middle line's balance is wrong.
    middle = StockMovement.objects.filter(item=ledger[0]).order_by("id")[1]
    StockMovement.objects.filter(pk=middle.pk).update(balance_after=middle.balance_after + 1)
    out = StringIO()
    with pytest.raises(CommandError):
        call_command("check_ledger", stdout=out)
    assert f"movement {middle.pk}" in out.getvalue()


def test_unknown_shop(ledger) -> None:
    with pytest.raises(CommandError, match="не найден"):
        _run("--shop", "999999")


def test_output_is_russian_by_default_even_when_another_language_is_active(ledger) -> None:
    # A command called from code (a request in English, a test) still speaks the default.
    with translation.override("en"):
        assert "Журнал склада сходится: проверено позиций: 3." in _run()


def test_output_in_english_on_request(ledger) -> None:
    out = _run("--language", "en")
    assert "Ledger OK: 3 items checked." in out
    assert not re.search("[а-яА-ЯёЁ]", out)
    with pytest.raises(CommandError, match="Shop 999999 not found"):
        _run("--language", "en", "--shop", "999999")


def test_unknown_language_is_refused() -> None:
    with pytest.raises(CommandError, match="language"):
        _run("--language", "de")
