from __future__ import annotations

import pytest
from django.utils import translation

from apps.shops.models import Shop
from apps.supplies.parser import MAX_LINES, MAX_TEXT_LENGTH, supply_text_parse
from apps.warehouse.tests.factories import StockItemFactory
from flowercrm.errors import Invalid

pytestmark = pytest.mark.django_db


def _fields(item: dict) -> tuple:
    return item["line"], item["name"], item["height_cm"], item["purchase_price"], item["quantity"]


def test_name_may_contain_spaces_and_price_takes_a_comma(shop: Shop) -> None:
    result = supply_text_parse(shop=shop, text="Фридом 60 250,50 450\nРоза  Эквадор   Красная 70 310 25")
    assert result["errors"] == []
    assert [_fields(i) for i in result["items"]] == [
        (1, "Фридом", 60, "250.50", 450),
        (2, "Роза Эквадор Красная", 70, "310.00", 25),
    ]


def test_dash_height_dot_decimals_and_four_places(shop: Shop) -> None:
    result = supply_text_parse(shop=shop, text="Эвкалипт Цинерея - 12.5 10\nЛента атласная - 0.4375 3\t")
    assert result["errors"] == []
    assert [_fields(i) for i in result["items"]] == [
        (1, "Эвкалипт Цинерея", None, "12.50", 10),
        (2, "Лента атласная", None, "0.4375", 3),
    ]


def test_bad_lines_are_reported_by_number_and_the_others_parsed(shop: Shop) -> None:
    text = "\n".join(
        [
            "Роза Фридом 60 250 450",  # 1 ok
            "Роза 60 250",  # 2 ok since §11.1: two trailing numbers are price and quantity
            "",  # 3 blank: skipped, still counted
            "Пион 50 1.250,50 5",  # 4 thousands separator
            "Тюльпан 2 цвета 40 100 5",  # 5 ok: digits inside the name
            "Гвоздика 60 90 0",  # 6 quantity 0
            "Гвоздика 60 90 100001",  # 7 quantity too large
            "Гвоздика 6O 90 10",  # 8 ok since §11.1: "6O" is no number, so it is part of the name
            "Гвоздика 60 90,12345 10",  # 9 five decimals
            "Гвоздика 60 -5 10",  # 10 negative price
            "Гвоздика 0 90 10",  # 11 height 0
            "Хризантема 45 80 3",  # 12 ok
            "   ",  # 13 blank
            "Альстромерия 60 ٥ 3",  # 14 Arabic-Indic digit
        ]
    )
    result = supply_text_parse(shop=shop, text=text)
    assert [i["line"] for i in result["items"]] == [1, 2, 5, 8, 12]
    assert _fields(result["items"][1]) == (2, "Роза", None, "60.00", 250)
    assert _fields(result["items"][2]) == (5, "Тюльпан 2 цвета", 40, "100.00", 5)
    assert _fields(result["items"][3]) == (8, "Гвоздика 6O", None, "90.00", 10)
    assert [e["line"] for e in result["errors"]] == [4, 6, 7, 9, 10, 11, 14]
    assert all(isinstance(e["message"], str) and e["message"] for e in result["errors"])
    assert "«0»" in result["errors"][5]["message"]  # line 11: height 0


def test_empty_text_is_no_items_and_no_errors(shop: Shop) -> None:
    assert supply_text_parse(shop=shop, text="") == {"items": [], "errors": []}
    assert supply_text_parse(shop=shop, text=" \n\r\n\t\n") == {"items": [], "errors": []}


def test_windows_and_old_mac_line_ends_keep_line_numbers(shop: Shop) -> None:
    result = supply_text_parse(shop=shop, text="Роза 60 1 1\r\nбрак\rПион 50 2 2")
    assert [i["line"] for i in result["items"]] == [1, 3]
    assert result["errors"][0]["line"] == 2


def test_too_long_input_is_invalid(shop: Shop) -> None:
    with pytest.raises(Invalid):
        supply_text_parse(shop=shop, text="Р" * (MAX_TEXT_LENGTH + 1))
    with pytest.raises(Invalid):
        supply_text_parse(shop=shop, text="Роза 60 1 1\n" * (MAX_LINES + 1))
    assert len(supply_text_parse(shop=shop, text="Роза 60 1 1\n" * MAX_LINES)["items"]) == MAX_LINES


def test_matches_stock_items_by_folded_name_and_height(shop: Shop, other_shop: Shop) -> None:
    freedom60 = StockItemFactory(shop=shop, name="Роза Фридом", height_cm=60)
    StockItemFactory(shop=shop, name="Роза Фридом", height_cm=70)
    ribbon = StockItemFactory(shop=shop, name="Лента атласная", height_cm=None)
    StockItemFactory(shop=other_shop, name="Пион", height_cm=50)
    text = "роза  ФРИДОМ 60 250 10\nЛЕНТА АТЛАСНАЯ - 1 1\nПион 50 700 3"
    items = supply_text_parse(shop=shop, text=text)["items"]
    assert items[0]["stock_item_id"] == freedom60.id
    assert items[0]["stock_item"] == {"id": freedom60.id, "name": "Роза Фридом", "height_cm": 60, "unit": "stem"}
    assert items[0]["suggestions"] == []
    assert items[1]["stock_item_id"] == ribbon.id
    assert items[2]["stock_item_id"] is None  # another shop's item never matches
    assert items[2]["suggestions"] == []


def test_unmatched_lines_get_up_to_three_suggestions(shop: Shop) -> None:
    f60 = StockItemFactory(shop=shop, name="Роза Фридом", height_cm=60)
    f70 = StockItemFactory(shop=shop, name="Роза Фридом", height_cm=70)
    explorer = StockItemFactory(shop=shop, name="Роза Эксплорер", height_cm=50)
    StockItemFactory(shop=shop, name="Роза Аваланч", height_cm=50)
    StockItemFactory(shop=shop, name="Роза Фридом", height_cm=80, is_active=False)
    StockItemFactory(shop=shop, name="Пион Сара Бернар", height_cm=50)
    items = supply_text_parse(shop=shop, text="Роза Фридом 50 250 10\nРоза Эксплорер 70 1 1\nГортензия - 1 1")["items"]
    first = [s["id"] for s in items[0]["suggestions"]]
    assert items[0]["stock_item_id"] is None
    assert len(first) == 3
    assert set(first[:2]) == {f60.id, f70.id}  # the same name first; inactive items are not suggested
    assert items[1]["suggestions"][0]["id"] == explorer.id
    assert items[2]["suggestions"] == []


def test_at_most_three_queries(shop: Shop, django_assert_max_num_queries) -> None:
    # Exact matches, partial matches (since §11.1), suggestions: one query each, whatever the size.
    for n in range(5):
        StockItemFactory(shop=shop, name=f"Роза сорт {n}", height_cm=60)
    text = "\n".join(f"Роза сорт {n} {50 + n} 100 5" for n in range(200))
    with django_assert_max_num_queries(3):
        result = supply_text_parse(shop=shop, text=text)
    assert len(result["items"]) == 200


def test_line_errors_speak_the_active_language(shop: Shop) -> None:
    with translation.override("en"):
        result = supply_text_parse(shop=shop, text="Rose 60 12,5,0 10\nEucalyptus")
    assert [e["message"] for e in result["errors"]] == [
        "The price is a number with “,” or “.” (up to 4 decimal places, no thousands separators), not “12,5,0”.",
        "Expected “Name [height] price quantity”, e.g. “Rose Freedom 60 250,50 450” or “Eucalyptus 350 10”.",
    ]
    result = supply_text_parse(shop=shop, text="Эвкалипт")
    assert result["errors"][0]["message"].startswith("Ожидается «Название [высота] цена количество»")
