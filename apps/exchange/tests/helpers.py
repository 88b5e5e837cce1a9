"""Small files and a command runner for the import tests."""

from __future__ import annotations

import io
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from django.core.management import CommandError, call_command
from django.utils import translation


def write_csv(path: Path, rows: Sequence[Sequence[Any]], *, encoding: str = "utf-8", delimiter: str = ",") -> Path:
    """A CSV as a spreadsheet saves it (``\\r\\n`` line ends, quotes only where needed)."""
    import csv

    buffer = io.StringIO()
    csv.writer(buffer, delimiter=delimiter).writerows(rows)
    path.write_bytes(buffer.getvalue().encode(encoding))
    return path


def write_xlsx(path: Path, rows: Sequence[Sequence[Any]], *, sheet: str = "Лист1") -> Path:
    from openpyxl import Workbook

    book = Workbook()
    worksheet = book.active
    assert worksheet is not None
    worksheet.title = sheet
    for row in rows:
        worksheet.append(list(row))
    book.save(path)
    return path


@dataclass
class Result:
    out: str
    error: str | None


def run(kind: str, path: Path, shop: Any, *, language: str = "en", **options: Any) -> Result:
    """``manage.py import_<kind> path --shop <id> --quiet`` with ``options`` in ``language``; a
    ``CommandError`` (failed rows without ``--partial``) is returned, not raised."""
    out = io.StringIO()
    with translation.override(language):
        try:
            options.setdefault("quiet", True)
            call_command(f"import_{kind}", str(path), shop=str(shop.pk), stdout=out, **options)
        except CommandError as exc:
            return Result(out.getvalue(), str(exc))
    return Result(out.getvalue(), None)
