from __future__ import annotations

import csv
import io
import sys
from pathlib import Path

import pytest
from django.core.management import CommandError, call_command

from apps.customers.models import Customer, CustomerAddress, CustomerTag, ImportantDate
from apps.exchange.tests.helpers import run, write_csv, write_xlsx
from apps.orders.tests.factories import make_customer

pytestmark = pytest.mark.django_db

RU = ["Телефон", "Имя", "Email", "Заметки", "Источник", "Теги", "Адрес", "Дата", "Повод"]
EN = ["phone", "NAME", "email", "notes", "source", "tags", "address", "date", "date_title"]
ROWS = [
    [
        "8 701 123 45 67",
        "Айгерим",
        "a@example.com",
        "любит пионы",
        "Instagram",
        "VIP, корпоратив",
        "ул. Абая 10",
        "08.03",
        "8 марта",
    ],
    ["+7 (702) 111-22-33", "Дана", "", "", "walk_in", "", "", "", ""],
]


def _counts() -> tuple[int, int, int, int]:
    return (
        Customer.objects.count(),
        CustomerTag.objects.count(),
        CustomerAddress.objects.count(),
        ImportantDate.objects.count(),
    )


def _check_aigerim(shop) -> None:
    customer = Customer.objects.get(shop=shop, phone="+77011234567")
    assert (customer.name, customer.email, customer.notes, customer.source) == (
        "Айгерим",
        "a@example.com",
        "любит пионы",
        "instagram",
    )
    assert sorted(customer.tags.values_list("name", flat=True)) == ["VIP", "корпоратив"]
    assert list(customer.addresses.values_list("address", "is_default")) == [("ул. Абая 10", True)]
    assert list(customer.important_dates.values_list("day", "month", "title")) == [(8, 3, "8 марта")]
    assert "айгерим" in customer.search_text and "77011234567" in customer.search_text
    assert Customer.objects.get(shop=shop, phone="+77021112233").source == "walk_in"


def test_cp1251_semicolon_russian_headers(shop, tmp_path: Path) -> None:
    path = write_csv(tmp_path / "c.csv", [RU, *ROWS], encoding="cp1251", delimiter=";")
    result = run("customers", path, shop)
    assert result.error is None, result.out
    assert "created 2" in result.out
    _check_aigerim(shop)


def test_utf8_bom_comma_english_headers(shop, tmp_path: Path) -> None:
    path = write_csv(tmp_path / "c.csv", [EN, *ROWS], encoding="utf-8-sig", delimiter=",")
    assert run("customers", path, shop).error is None
    _check_aigerim(shop)


def test_xlsx_russian_headers(shop, tmp_path: Path) -> None:
    path = write_xlsx(tmp_path / "c.xlsx", [RU, *ROWS])
    assert run("customers", path, shop).error is None
    _check_aigerim(shop)


@pytest.mark.parametrize(
    "phone", ["8 701 123 45 67", "+7 (701) 123-45-67", "77011234567", "87011234567", "+77011234567", "7 701 123 4567"]
)
def test_every_local_phone_format_finds_one_customer(shop, tmp_path: Path, phone: str) -> None:
    make_customer(shop, phone="+77011234567", name="")
    path = write_csv(tmp_path / "c.csv", [["телефон", "имя"], [phone, "Айгерим"]])
    assert run("customers", path, shop).error is None
    assert list(Customer.objects.filter(shop=shop).values_list("phone", "name")) == [("+77011234567", "Айгерим")]


def test_rerun_changes_nothing(shop, tmp_path: Path) -> None:
    path = write_csv(tmp_path / "c.csv", [RU, *ROWS])
    run("customers", path, shop)
    before = list(Customer.objects.values_list("id", "updated_at"))
    counts = _counts()
    result = run("customers", path, shop)
    assert result.error is None
    assert "created 0, updated 0, unchanged 2, failed 0" in result.out
    assert _counts() == counts
    assert list(Customer.objects.values_list("id", "updated_at")) == before


def test_known_customer_only_gets_blanks_filled_unless_update(shop, tmp_path: Path) -> None:
    make_customer(shop, phone="+77011234567", name="Старое имя")
    path = write_csv(
        tmp_path / "c.csv", [["phone", "name", "email", "tags"], ["87011234567", "Новое", "n@example.com", "VIP"]]
    )
    assert run("customers", path, shop).error is None
    customer = Customer.objects.get(shop=shop)
    assert (customer.name, customer.email) == ("Старое имя", "n@example.com")
    assert list(customer.tags.values_list("name", flat=True)) == ["VIP"]
    assert run("customers", path, shop, update=True).error is None
    customer.refresh_from_db()
    assert customer.name == "Новое"
    assert customer.tags.count() == 1


def test_duplicates_inside_one_file(shop, tmp_path: Path) -> None:
    path = write_csv(
        tmp_path / "c.csv",
        [
            ["phone", "name", "email", "tags"],
            ["87011234567", "Айгерим", "", "VIP"],
            ["+7 701 123 45 67", "Другое", "a@example.com", "опт"],
        ],
    )
    result = run("customers", path, shop)
    assert result.error is None
    customer = Customer.objects.get(shop=shop)
    assert (customer.name, customer.email) == ("Айгерим", "a@example.com")
    assert sorted(customer.tags.values_list("name", flat=True)) == ["VIP", "опт"]


BAD = [
    ["телефон", "имя", "email", "дата", "повод", "источник"],
    ["87011234567", "Хороший", "", "", "", ""],  # line 2
    ["123", "Плохой телефон", "", "", "", ""],  # line 3
    ["87021112233", "Плохая почта", "not-an-email", "", "", ""],  # line 4
    ["", "", "", "", "", ""],  # line 5: blank, skipped
    ["87051112234", "Плохая дата", "", "31.02", "др", ""],  # line 6
    ["87071112233", "Дата текстом", "", "завтра", "др", ""],  # line 7
    ["87771112233", "Источник", "", "", "", "голубиная почта"],  # line 8
]


def test_every_bad_row_is_reported_with_line_column_value(shop, tmp_path: Path) -> None:
    path = write_csv(tmp_path / "bad.csv", BAD, delimiter=";")
    result = run("customers", path, shop)
    assert result.error is not None  # all or nothing
    lines = result.out.splitlines()
    for line, column, value in [
        (3, "телефон", "123"),
        (4, "email", "not-an-email"),
        (6, "дата", "31.02"),
        (7, "дата", "завтра"),
        (8, "источник", "голубиная почта"),
    ]:
        assert any(f" {line}, {column} «{value}»" in text for text in lines), (line, result.out)
    assert "failed 5" in result.out
    assert Customer.objects.count() == 0


def test_partial_keeps_exactly_the_good_rows_and_dry_run_writes_nothing(shop, tmp_path: Path) -> None:
    path = write_csv(tmp_path / "bad.csv", BAD)
    result = run("customers", path, shop, dry_run=True)
    assert result.error is not None and "failed 5" in result.out
    assert _counts() == (0, 0, 0, 0)
    run("customers", path, shop, partial=True)
    assert list(Customer.objects.values_list("phone", flat=True)) == ["+77011234567"]


def test_dry_run_of_a_good_file_writes_nothing(shop, tmp_path: Path) -> None:
    path = write_csv(tmp_path / "c.csv", [RU, *ROWS])
    result = run("customers", path, shop, dry_run=True)
    assert result.error is None
    assert "created 2" in result.out
    assert _counts() == (0, 0, 0, 0)


def test_errors_file_round_trip(shop, tmp_path: Path) -> None:
    path = write_csv(tmp_path / "bad.csv", BAD, encoding="cp1251", delimiter=";")
    errors = tmp_path / "errors.csv"
    run("customers", path, shop, partial=True, errors=errors)
    with errors.open(encoding="utf-8-sig", newline="") as handle:
        rows = list(csv.reader(handle, delimiter=";"))
    assert rows[0][:6] == BAD[0] and len(rows[0]) == 7
    assert [row[1] for row in rows[1:]] == ["Плохой телефон", "Плохая почта", "Плохая дата", "Дата текстом", "Источник"]
    assert all(row[6] for row in rows[1:])
    # The person fixes the cells and feeds the same file back (the error column is ignored).
    fixed = [rows[0]]
    for row in rows[1:]:
        row = row[:]
        row[0] = row[0] if row[0] != "123" else "87471112233"
        row[2] = "" if row[2] == "not-an-email" else row[2]
        row[3] = {"31.02": "28.02", "завтра": "01.12"}.get(row[3], row[3])
        row[5] = "" if row[5] == "голубиная почта" else row[5]
        fixed.append(row)
    path = write_csv(tmp_path / "fixed.csv", fixed, delimiter=";")
    result = run("customers", path, shop)
    assert result.error is None, result.out
    assert Customer.objects.count() == 6


def test_shop_is_required_and_another_shop_is_never_touched(shop, other_shop, tmp_path: Path) -> None:
    theirs = make_customer(other_shop, phone="+77011234567", name="Чужой")
    path = write_csv(tmp_path / "c.csv", [RU, *ROWS])
    with pytest.raises(CommandError):
        call_command("import_customers", str(path), quiet=True)
    with pytest.raises(CommandError):
        call_command("import_customers", str(path), shop="999999", quiet=True)
    assert run("customers", path, shop, update=True).error is None
    theirs.refresh_from_db()
    assert theirs.name == "Чужой" and theirs.tags.count() == 0
    assert Customer.objects.filter(shop=shop).count() == 2
    assert Customer.objects.filter(shop=other_shop).count() == 1


def test_missing_required_column_and_unknown_columns(shop, tmp_path: Path) -> None:
    path = write_csv(tmp_path / "c.csv", [["имя"], ["Айгерим"]])
    with pytest.raises(CommandError):
        call_command("import_customers", str(path), shop=str(shop.pk), quiet=True)
    path = write_csv(tmp_path / "c2.csv", [["телефон", "лишняя"], ["87011234567", "x"]])
    result = run("customers", path, shop)
    assert result.error is None and "лишняя" in result.out


def test_messages_in_the_active_language_russian_by_default(shop, tmp_path: Path) -> None:
    path = write_csv(tmp_path / "bad.csv", BAD[:3])
    result = run("customers", path, shop, language="ru")
    assert "строка 3, телефон «123»: Некорректный номер телефона." in result.out
    assert "Строк: 2; создано 1" in result.out


def test_sheet_encoding_and_delimiter_options(shop, tmp_path: Path) -> None:
    from openpyxl import Workbook

    book = Workbook()
    first = book.active
    assert first is not None
    first.append(["не те данные"])
    second = book.create_sheet("Клиенты")
    second.append(["телефон", "имя"])
    second.append(["87011234567", "Айгерим"])
    book.save(tmp_path / "two.xlsx")
    assert run("customers", tmp_path / "two.xlsx", shop).error is not None  # the first sheet has no phone column
    assert run("customers", tmp_path / "two.xlsx", shop, sheet="Нет").error is not None
    assert run("customers", tmp_path / "two.xlsx", shop, sheet="Клиенты").error is None
    path = tmp_path / "pipe.csv"
    path.write_bytes("телефон|имя\n87021112233|Дана\n".encode("cp1251"))
    assert run("customers", path, shop, delimiter="|", encoding="cp1251").error is None
    assert sorted(Customer.objects.filter(shop=shop).values_list("name", flat=True)) == ["Айгерим", "Дана"]


class _Terminal(io.StringIO):
    def isatty(self) -> bool:
        return True


def test_progress_bar_on_a_terminal_only(shop, tmp_path: Path, monkeypatch) -> None:
    path = write_csv(tmp_path / "c.csv", [RU, *ROWS])
    terminal = _Terminal()
    monkeypatch.setattr(sys, "stderr", terminal)
    run("customers", path, shop, dry_run=True, quiet=False)
    assert "2/2" in terminal.getvalue()
    terminal.truncate(0)
    run("customers", path, shop, dry_run=True)  # --quiet
    assert terminal.getvalue().strip("\x00") == ""
    monkeypatch.setattr(sys, "stderr", io.StringIO())  # piped: no bar
    run("customers", path, shop, dry_run=True, quiet=False)
    assert "2/2" not in sys.stderr.getvalue()
