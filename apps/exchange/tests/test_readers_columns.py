from __future__ import annotations

import datetime as dt
from decimal import Decimal
from pathlib import Path

import pytest

from apps.exchange import columns
from apps.exchange.columns import CUSTOMERS, CellError, Line
from apps.exchange.readers import ReadError, detect_delimiter, detect_encoding, open_source
from apps.exchange.tests.helpers import write_xlsx


def _rows(path: Path, **options: str) -> tuple[list[object], list[tuple[int, list[object]]]]:
    source = open_source(path, **options)
    return source.header, list(source.rows)


def test_cp1251_semicolon_as_russian_excel_writes_it(tmp_path: Path) -> None:
    path = tmp_path / "c.csv"
    path.write_bytes('Телефон;Имя\r\n87011234567;Айгерим\r\n;\r\n87021112233;"Дана; Сейтова"\r\n'.encode("cp1251"))
    assert detect_encoding(path) == "cp1251"
    header, rows = _rows(path)
    assert header == ["Телефон", "Имя"]
    assert rows == [(2, ["87011234567", "Айгерим"]), (4, ["87021112233", "Дана; Сейтова"])]


def test_utf8_bom_comma_and_a_cell_over_two_lines(tmp_path: Path) -> None:
    path = tmp_path / "c.csv"
    path.write_bytes('\ufeffphone,notes\n87011234567,"две\nстроки"\n87021112233,x\n'.encode())
    assert detect_encoding(path) == "utf-8-sig"
    header, rows = _rows(path)
    assert header == ["phone", "notes"]
    assert rows == [(2, ["87011234567", "две\nстроки"]), (4, ["87021112233", "x"])]


def test_utf8_without_bom_tab_and_given_options(tmp_path: Path) -> None:
    path = tmp_path / "c.csv"
    path.write_bytes("phone\tname\n87011234567\tÅsa\n".encode())
    assert detect_encoding(path) == "utf-8"
    assert _rows(path)[1] == [(2, ["87011234567", "Åsa"])]
    assert _rows(path, delimiter=",")[1] == [(2, ["87011234567\tÅsa"])]
    with pytest.raises(ReadError):
        open_source(path, encoding="no-such-codec")
    with pytest.raises(ReadError):
        open_source(tmp_path / "missing.csv")


@pytest.mark.parametrize(
    ("line", "expected"), [("a;b;c", ";"), ("a,b,c", ","), ('"a;b",c', ","), ("a\tb", "\t"), ("single", ",")]
)
def test_delimiter_detection(line: str, expected: str) -> None:
    assert detect_delimiter(line) == expected


def test_xlsx_first_or_named_sheet_with_typed_cells(tmp_path: Path) -> None:
    path = write_xlsx(
        tmp_path / "c.xlsx", [["телефон", "дата"], [87011234567, dt.datetime(2026, 3, 8)], [None, None], ["x", None]]
    )
    header, rows = _rows(path)
    assert header == ["телефон", "дата"]
    assert rows == [(2, [87011234567, dt.datetime(2026, 3, 8)]), (4, ["x", None])]
    with pytest.raises(ReadError):
        open_source(path, sheet="Нет такого")
    assert _rows(path, sheet="Лист1")[0] == ["телефон", "дата"]


def test_header_resolution() -> None:
    header = CUSTOMERS.resolve(["\ufeffТЕЛЕФОН", " Имя ", "Повод", "лишнее", ""])
    assert [c.key if c else None for c in header.columns] == ["phone", "name", "date_title", None, None]
    assert header.unknown == ["лишнее"]
    assert header.title("name") == "Имя"
    with pytest.raises(CellError):
        CUSTOMERS.resolve(["имя"])
    with pytest.raises(CellError):
        CUSTOMERS.resolve(["phone", "телефон"])


@pytest.mark.parametrize(
    ("cell", "value"),
    [
        ("1 500,50", Decimal("1500.50")),
        ("1500.5", Decimal("1500.5")),
        (1500, Decimal(1500)),
        (12.5, Decimal("12.5")),
        ("", None),
        (None, None),
    ],
)
def test_decimals(cell: object, value: object) -> None:
    assert columns.parse_decimal(cell) == value  # type: ignore[arg-type]


@pytest.mark.parametrize("cell", ["abc", "1.2.3", "NaN", "Infinity", True])
def test_bad_decimals(cell: object) -> None:
    with pytest.raises(CellError):
        columns.parse_decimal(cell)  # type: ignore[arg-type]


def test_other_cells() -> None:
    assert columns.parse_int("60") == 60 and columns.parse_int(60.0) == 60
    with pytest.raises(CellError):
        columns.parse_int("60.5")
    assert [columns.parse_bool(v) for v in ("да", "Нет", "yes", "0", "", True)] == [
        True,
        False,
        True,
        False,
        None,
        True,
    ]
    with pytest.raises(CellError):
        columns.parse_bool("может быть")
    assert columns.parse_day_month("08.03") == (8, 3) and columns.parse_day_month("08.03.1990") == (8, 3)
    assert columns.parse_day_month(dt.date(1990, 3, 8)) == (8, 3)
    assert columns.parse_date("14.02.2026") == dt.date(2026, 2, 14) == columns.parse_date("2026-02-14")
    with pytest.raises(CellError):
        columns.parse_date("14 февраля")
    assert columns.choice_parser(columns.ProductCategory)("Букет") == "bouquet"
    assert columns.choice_parser(columns.ProductCategory)("COMPOSITION") == "composition"
    with pytest.raises(CellError) as caught:
        columns.choice_parser(columns.ProductCategory)("дерево")
    assert "bouquet" in caught.value.message  # the allowed values are listed
    assert columns.parse_tags(" VIP, корпоратив ,,") == ["VIP", "корпоратив"]
    assert columns.cell_text("'=1+2") == "=1+2" and columns.cell_text("'обычный") == "'обычный"


def test_recipe_and_items_lines() -> None:
    assert columns.parse_recipe("Роза Фридом 60 x 11; Эвкалипт × 3;; Гипсофила х 2") == [
        Line("Роза Фридом", 11, 60),
        Line("Эвкалипт", 3),
        Line("Гипсофила", 2),
    ]
    assert columns.parse_items("Букет 11 роз x 1; Коробка *2") == [Line("Букет 11 роз", 1), Line("Коробка", 2)]
    with pytest.raises(CellError):
        columns.parse_recipe("Роза много")
    assert (
        columns.format_lines([Line("Роза Фридом", 11, 60), Line("Эвкалипт", 3)]) == "Роза Фридом 60 x 11; Эвкалипт x 3"
    )
