"""§11.1 supply text: ``name [height] price quantity`` and partial matching (issue 11 item 10)."""

from __future__ import annotations

import pytest

from apps.shops.models import Shop
from apps.supplies.parser import supply_text_parse
from apps.warehouse.tests.factories import StockItemFactory

pytestmark = pytest.mark.django_db


def _row(item: dict) -> tuple:
    return item["name"], item["height_cm"], item["purchase_price"], item["quantity"], item["match"]


def test_issue_examples(shop: Shop) -> None:
    freedom = StockItemFactory(shop=shop, name="Роза Фридом", height_cm=60)
    StockItemFactory(shop=shop, name="Роза Фридом", height_cm=70)
    result = supply_text_parse(shop=shop, text="Фридом 60 120 25\nЭвкалипт 350 10")
    assert result["errors"] == []
    first, second = result["items"]
    assert _row(first) == ("Фридом", 60, "120.00", 25, "partial")
    assert first["stock_item_id"] == freedom.id
    assert first["stock_item"]["name"] == "Роза Фридом"
    assert first["suggestions"] == []
    # Two trailing numbers: price and quantity, no height (it used to be a bad line).
    assert _row(second) == ("Эвкалипт", None, "350.00", 10, None)
    assert second["stock_item_id"] is None


def test_exact_match_says_so_and_wins_over_partial(shop: Shop) -> None:
    exact = StockItemFactory(shop=shop, name="Роза", height_cm=60)
    StockItemFactory(shop=shop, name="Роза Фридом", height_cm=60)
    item = supply_text_parse(shop=shop, text="РОЗА 60 1 1")["items"][0]
    assert (item["match"], item["stock_item_id"]) == ("exact", exact.id)


def test_partial_needs_the_same_height_and_exactly_one_candidate(shop: Shop) -> None:
    StockItemFactory(shop=shop, name="Роза Фридом", height_cm=60)
    StockItemFactory(shop=shop, name="Роза Эксплорер", height_cm=60)
    ribbon = StockItemFactory(shop=shop, name="Лента", height_cm=None)
    StockItemFactory(shop=shop, name="Эвкалипт Цинерея", height_cm=60)
    items = supply_text_parse(
        shop=shop,
        text="Роза 60 1 1\nФридом 70 1 1\nЛента атласная - 2 3\nЭвкалипт 5 1",
    )["items"]
    # Two roses contain "роза": ambiguous, so no match but suggestions.
    assert (items[0]["match"], items[0]["stock_item_id"]) == (None, None)
    assert 1 <= len(items[0]["suggestions"]) <= 3
    # Another height: no partial match.
    assert items[1]["match"] is None
    # The reverse: the line's name contains the item's name (no height on either side).
    assert (items[2]["match"], items[2]["stock_item_id"]) == ("partial", ribbon.id)
    # "Эвкалипт 5 1" is price 5, quantity 1 with no height: the 60 cm eucalyptus is not it.
    assert _row(items[3]) == ("Эвкалипт", None, "5.00", 1, None)


def test_inactive_and_other_shops_items_never_match_partially(shop: Shop, other_shop: Shop) -> None:
    StockItemFactory(shop=shop, name="Роза Фридом", height_cm=60, is_active=False)
    StockItemFactory(shop=other_shop, name="Роза Фридом", height_cm=60)
    item = supply_text_parse(shop=shop, text="Фридом 60 1 1")["items"][0]
    assert (item["match"], item["stock_item_id"]) == (None, None)


def test_bad_lines_never_stop_the_others(shop: Shop) -> None:
    freedom = StockItemFactory(shop=shop, name="Роза Фридом", height_cm=60)
    text = "Фридом 60 120 25\nФридом\nПион 0 1 1\nФридом 60 12,5\n Эвкалипт - 350 10"
    result = supply_text_parse(shop=shop, text=text)
    # 2: too few tokens; 3: height 0; 4: two trailing tokens are price 60 and quantity "12,5".
    assert [e["line"] for e in result["errors"]] == [2, 3, 4]
    assert [(i["line"], i["match"]) for i in result["items"]] == [(1, "partial"), (5, None)]
    assert result["items"][0]["stock_item_id"] == freedom.id
