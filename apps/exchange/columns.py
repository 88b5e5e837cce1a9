"""The columns of each kind of file (ARCHITECTURE §11.3), written once: the imports read a
header and a cell through them, the exports write a header and a cell through them, so a file
exported from one shop imports into another as equal data.

A column has an English and a Russian header (matched case-insensitively, spaces squeezed),
a ``parse`` (a cell as a reader gives it — text, a number or a date from XLSX, ``None`` — to
the value the services take; a cell that is not even the right shape raises
:class:`CellError`) and a ``format`` (the stored value to a cell). The rules about the values
(a phone's format, a price's range, a sale price below the price) stay in the services.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from decimal import Decimal, InvalidOperation
from functools import lru_cache
from typing import Any

from django.db import models
from django.utils import translation
from django.utils.translation import gettext, pgettext

from apps.catalog.models import ProductCategory
from apps.customers.models import Source
from apps.orders.models import OrderStatus, PaymentMethod
from apps.warehouse.models import StockCategory, StockUnit
from flowercrm.search import fold

Cell = str | int | float | Decimal | dt.date | dt.datetime | dt.time | bool | None


class CellError(ValueError):
    """A cell that is not a value of its column (the message is for the person fixing it)."""

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message


# --- parsing -----------------------------------------------------------------------------------


def cell_text(cell: Cell) -> str:
    """A cell as the text a person sees (numbers without a trailing ``.0``)."""
    if cell is None:
        return ""
    if isinstance(cell, float) and cell.is_integer():
        return str(int(cell))
    if isinstance(cell, dt.datetime):
        return cell.strftime("%d.%m.%Y") if cell.time() == dt.time.min else cell.isoformat(sep=" ")
    if isinstance(cell, dt.date):
        return cell.strftime("%d.%m.%Y")
    text = str(cell).strip()
    # An export quotes text a spreadsheet would run as a formula (``exports.csv_safe``).
    if text[:1] == "'" and text[1:2] in ("=", "@", "+", "-"):
        return text[1:]
    return text


def parse_text(cell: Cell) -> str:
    return cell_text(cell)


def parse_decimal(cell: Cell) -> Decimal | None:
    """``1500``, ``1500.50``, ``1 500,50`` (spaces and a decimal comma as Excel writes them)."""
    if cell is None or isinstance(cell, bool):
        if cell is None:
            return None
        raise CellError(gettext("Expected a number, e.g. 1500.50."))
    if isinstance(cell, (int, Decimal)):
        return Decimal(cell)
    if isinstance(cell, float):
        return Decimal(repr(cell))
    text = cell_text(cell).replace("\u00a0", "").replace(" ", "").replace(",", ".")
    if not text:
        return None
    try:
        value = Decimal(text)
    except InvalidOperation:
        raise CellError(gettext("Expected a number, e.g. 1500.50.")) from None
    if not value.is_finite():
        raise CellError(gettext("Expected a number, e.g. 1500.50."))
    return value


def parse_int(cell: Cell) -> int | None:
    value = parse_decimal(cell)
    if value is None:
        return None
    if value != value.to_integral_value() or abs(value) > 10**9:
        raise CellError(gettext("Expected a whole number."))
    return int(value)


YES = {"1", "yes", "y", "true", "да", "д", "+", "истина"}
NO = {"0", "no", "n", "false", "нет", "н", "-", "ложь"}


def parse_bool(cell: Cell) -> bool | None:
    if isinstance(cell, bool):
        return cell
    text = fold(cell_text(cell))
    if not text:
        return None
    if text in YES:
        return True
    if text in NO:
        return False
    raise CellError(gettext("Expected yes or no (да/нет)."))


def choice_parser(choices: type[models.TextChoices]) -> Callable[[Cell], str]:
    """A code (``bouquet``) or a label in Russian or English (``Букет``, ``Bouquet``)."""

    def parse(cell: Cell) -> str:
        text = fold(cell_text(cell))
        if not text:
            return ""
        code = _choice_codes(choices).get(text)
        if code is not None:
            return code
        allowed = ", ".join(str(code) for code in choices.values)
        raise CellError(gettext("Unknown value; allowed: %(allowed)s.") % {"allowed": allowed})

    return parse


@lru_cache(maxsize=32)
def _choice_codes(choices: type[models.TextChoices]) -> dict[str, str]:
    """Folded code and labels (Russian and English) → code; built once per choices class."""
    codes: dict[str, str] = {}
    for language in ("en", "ru"):
        with translation.override(language):
            for code, label in choices.choices:
                codes.setdefault(fold(str(label)), str(code))
    codes.update({fold(str(code)): str(code) for code in choices.values})
    return codes


def choice_label(choices: type[models.TextChoices]) -> Callable[[Any], Cell]:
    """A code as its label in the active language (what a person reads in the file)."""
    labels = dict(choices.choices)

    def fmt(value: Any) -> Cell:
        return str(labels[value]) if value in labels else (value or "")

    return fmt


def parse_tags(cell: Cell) -> list[str]:
    return [part.strip() for part in cell_text(cell).split(",") if part.strip()]


_DAY_MONTH = re.compile(r"^(\d{1,2})\.(\d{1,2})(?:\.(\d{2}|\d{4}))?$")


def parse_day_month(cell: Cell) -> tuple[int, int] | None:
    """``ДД.ММ`` or ``ДД.ММ.ГГГГ`` (the year is not kept: the date comes back every year)."""
    if isinstance(cell, (dt.date, dt.datetime)):
        return cell.day, cell.month
    text = cell_text(cell)
    if not text:
        return None
    match = _DAY_MONTH.match(text)
    if not match:
        raise CellError(gettext("Expected a date as DD.MM or DD.MM.YYYY."))
    return int(match.group(1)), int(match.group(2))


def format_day_month(value: Any) -> Cell:
    return f"{value[0]:02d}.{value[1]:02d}" if value else ""


def parse_date(cell: Cell) -> dt.date | None:
    """``ДД.ММ.ГГГГ`` or ``ГГГГ-ММ-ДД`` (or a date cell of XLSX)."""
    if isinstance(cell, dt.datetime):
        return cell.date()
    if isinstance(cell, dt.date):
        return cell
    text = cell_text(cell)
    if not text:
        return None
    for pattern in ("%d.%m.%Y", "%Y-%m-%d", "%d.%m.%y"):
        try:
            return dt.datetime.strptime(text, pattern).date()  # noqa: DTZ007  (a calendar date)
        except ValueError:
            continue
    raise CellError(gettext("Expected a date as DD.MM.YYYY."))


def format_date(value: Any) -> Cell:
    return value.strftime("%d.%m.%Y") if value else ""


@dataclass(frozen=True)
class Line:
    """One line of a recipe (``Роза Фридом 60 x 11``) or of an order's items
    (``Букет 11 роз x 1``): a name, an optional height (recipes only) and a quantity."""

    name: str
    quantity: int
    height: int | None = None


# ``x`` (Latin), ``х`` (Cyrillic), ``×`` or ``*`` between the name and the quantity.
_LINE = re.compile(r"^(?P<name>.+?)\s*[xх×*]\s*(?P<quantity>\d+)$", re.IGNORECASE)
_HEIGHT = re.compile(r"^(?P<name>.+?)\s+(?P<height>\d{1,3})$")


def _parse_lines(cell: Cell, *, heights: bool) -> list[Line]:
    lines = []
    for index, part in enumerate(cell_text(cell).split(";"), start=1):
        part = " ".join(part.split())
        if not part:
            continue
        match = _LINE.match(part)
        if not match:
            raise CellError(
                gettext("Part %(index)s «%(part)s»: expected «name x quantity».") % {"index": index, "part": part}
            )
        name, height = match.group("name").strip(), None
        if heights and (with_height := _HEIGHT.match(name)):
            name, height = with_height.group("name"), int(with_height.group("height"))
        lines.append(Line(name=name, quantity=int(match.group("quantity")), height=height))
    return lines


def parse_recipe(cell: Cell) -> list[Line]:
    """``Роза Фридом 60 x 11; Эвкалипт x 3``: item name, optional height, ``x``, quantity."""
    return _parse_lines(cell, heights=True)


def parse_items(cell: Cell) -> list[Line]:
    """``Букет 11 роз x 1; Коробка x 2``: product name, ``x``, quantity."""
    return _parse_lines(cell, heights=False)


def format_lines(lines: Iterable[Line]) -> Cell:
    return "; ".join(
        f"{line.name} {line.height} x {line.quantity}" if line.height else f"{line.name} x {line.quantity}"
        for line in lines
    )


def format_plain(value: Any) -> Cell:
    if value is None:
        return ""
    if isinstance(value, bool):
        return pgettext("file cell", "yes") if value else pgettext("file cell", "no")
    return value


def format_tags(value: Any) -> Cell:
    return ", ".join(value or [])


# --- columns and kinds -----------------------------------------------------------------------


@dataclass(frozen=True)
class Column:
    key: str
    en: str
    ru: str
    parse: Callable[[Cell], Any] = parse_text
    format: Callable[[Any], Cell] = format_plain
    required: bool = False

    def header(self) -> str:
        """The header in the active language (exports)."""
        return self.ru if (translation.get_language() or "").startswith("ru") else self.en


@dataclass(frozen=True)
class Header:
    """A file's header resolved: which column each position is (``None``: unknown, ignored)."""

    columns: list[Column | None]
    titles: list[str]
    unknown: list[str] = field(default_factory=list)

    @property
    def keys(self) -> set[str]:
        return {c.key for c in self.columns if c is not None}

    def title(self, key: str) -> str:
        """The column's header as the file spells it (for error reports)."""
        for column, title in zip(self.columns, self.titles, strict=True):
            if column is not None and column.key == key:
                return title
        return key


@dataclass(frozen=True)
class Kind:
    """One kind of file: its columns in export order."""

    name: str
    columns: tuple[Column, ...]

    def column(self, key: str) -> Column:
        return next(c for c in self.columns if c.key == key)

    def resolve(self, titles: Sequence[Cell]) -> Header:
        """Match a header row. Raises :class:`CellError` when a required column is missing
        or a column is named twice; unknown columns are listed (reported and ignored)."""
        by_title: dict[str, Column] = {}
        for known in self.columns:
            by_title[fold(known.en)] = known
            by_title[fold(known.ru)] = known
        texts = [cell_text(t).lstrip("\ufeff") for t in titles]
        columns: list[Column | None] = []
        unknown: list[str] = []
        seen: set[str] = set()
        for text in texts:
            column = by_title.get(fold(text))
            if column is not None and column.key in seen:
                raise CellError(gettext("The column «%(column)s» is named twice.") % {"column": text})
            if column is not None:
                seen.add(column.key)
            elif text:
                unknown.append(text)
            columns.append(column)
        missing = [c for c in self.columns if c.required and c.key not in seen]
        if missing:
            names = ", ".join(f"{c.ru}/{c.en}" for c in missing)
            raise CellError(gettext("Required columns are missing: %(columns)s.") % {"columns": names})
        return Header(columns=columns, titles=texts, unknown=unknown)


C = Column

CUSTOMERS = Kind(
    "customers",
    (
        C("phone", "phone", "телефон", required=True),
        C("name", "name", "имя"),
        C("email", "email", "email"),
        C("notes", "notes", "заметки"),
        C("source", "source", "источник", choice_parser(Source), choice_label(Source)),
        C("tags", "tags", "теги", parse_tags, format_tags),
        C("address", "address", "адрес"),
        C("date", "date", "дата", parse_day_month, format_day_month),
        C("date_title", "date_title", "повод"),
    ),
)

PRODUCTS = Kind(
    "products",
    (
        C("name", "name", "название", required=True),
        C("category", "category", "категория", choice_parser(ProductCategory), choice_label(ProductCategory)),
        C("price", "price", "цена", parse_decimal, required=True),
        C("sale_price", "sale_price", "цена со скидкой", parse_decimal),
        C("sku", "sku", "артикул"),
        C("description", "description", "описание"),
        C("active", "active", "активен", parse_bool),
        C("recipe", "recipe", "состав", parse_recipe, format_lines),
    ),
)

STOCK = Kind(
    "stock",
    (
        C("name", "name", "название", required=True),
        C("category", "category", "категория", choice_parser(StockCategory), choice_label(StockCategory)),
        C("height", "height", "высота", parse_int),
        C("unit", "unit", "единица", choice_parser(StockUnit), choice_label(StockUnit)),
        C("quantity", "quantity", "количество", parse_int),
        C("unit_cost", "unit_cost", "себестоимость", parse_decimal),
        C("retail_price", "retail_price", "цена", parse_decimal),
        C("min_quantity", "min_quantity", "минимум", parse_int),
    ),
)

ORDERS = Kind(
    "orders",
    (
        C("number", "number", "номер", parse_int),
        C("date", "date", "дата", parse_date, format_date),
        C("phone", "phone", "телефон", required=True),
        C("name", "name", "имя"),
        C("recipient", "recipient", "получатель"),
        C("recipient_phone", "recipient_phone", "телефон получателя"),
        C("address", "address", "адрес"),
        C("items", "items", "состав", parse_items, format_lines),
        C("total", "total", "сумма", parse_decimal),
        C("payment_method", "payment_method", "оплата", choice_parser(PaymentMethod), choice_label(PaymentMethod)),
        C("status", "status", "статус", choice_parser(OrderStatus), choice_label(OrderStatus)),
    ),
)

KINDS = {kind.name: kind for kind in (CUSTOMERS, PRODUCTS, STOCK, ORDERS)}
