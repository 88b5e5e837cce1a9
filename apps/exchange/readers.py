"""Files as rows, streamed: CSV (UTF-8 with or without BOM, or cp1251 as Russian Excel writes
it; ``,``, ``;`` or a tab, detected) and XLSX (``openpyxl`` in read-only mode). A reader
yields ``(line, cells)``: the line is the file's line where the row starts (the header is
line 1), so a person finds the row in their editor. Memory stays bounded whatever the size.
"""

from __future__ import annotations

import codecs
import csv
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import IO, Any

from django.utils.translation import gettext

from apps.exchange.columns import Cell

SAMPLE_BYTES = 64 * 1024
DELIMITERS = (";", ",", "\t")


class ReadError(Exception):
    """The file cannot be read at all (not a row's problem)."""


@dataclass
class Source:
    """An open file: its header cells, its rows, and how many rows it has (for the progress
    bar; ``None`` when unknown)."""

    header: list[Cell]
    rows: Iterator[tuple[int, list[Cell]]]
    total: int | None
    encoding: str = ""
    delimiter: str = ""


def is_xlsx(path: Path) -> bool:
    with path.open("rb") as handle:
        return handle.read(4) == b"PK\x03\x04"


def open_source(path: Path, *, encoding: str = "", delimiter: str = "", sheet: str = "") -> Source:
    """Open ``path`` as CSV or XLSX (by its content)."""
    if not path.is_file():
        raise ReadError(gettext("File not found: %(path)s") % {"path": path})
    if is_xlsx(path):
        return _open_xlsx(path, sheet=sheet)
    return _open_csv(path, encoding=encoding, delimiter=delimiter)


# --- CSV ---------------------------------------------------------------------------------------


def detect_encoding(path: Path) -> str:
    """``utf-8-sig`` with a BOM; ``utf-8`` when the whole file decodes as UTF-8 (read in
    chunks); otherwise ``cp1251`` (what Russian Excel saves as «CSV (разделители — точка с
    запятой)»)."""
    with path.open("rb") as handle:
        if handle.read(3) == codecs.BOM_UTF8:
            return "utf-8-sig"
        handle.seek(0)
        decoder = codecs.getincrementaldecoder("utf-8")()
        try:
            while chunk := handle.read(SAMPLE_BYTES):
                decoder.decode(chunk)
            decoder.decode(b"", final=True)
        except UnicodeDecodeError:
            return "cp1251"
    return "utf-8"


def detect_delimiter(first_line: str) -> str:
    """The separator used most in the header line (outside quotes), ``,`` on a tie."""
    outside = "".join(part for index, part in enumerate(first_line.split('"')) if index % 2 == 0)
    counts = {d: outside.count(d) for d in DELIMITERS}
    best = max(DELIMITERS, key=lambda d: (counts[d], d == ","))
    return best if counts[best] else ","


def _count_lines(path: Path) -> int:
    with path.open("rb") as handle:
        return sum(chunk.count(b"\n") for chunk in iter(lambda: handle.read(SAMPLE_BYTES), b""))


def _open_csv(path: Path, *, encoding: str, delimiter: str) -> Source:
    encoding = encoding or detect_encoding(path)
    try:
        codecs.lookup(encoding)
    except LookupError:
        raise ReadError(gettext("Unknown encoding: %(encoding)s") % {"encoding": encoding}) from None
    if encoding.replace("_", "-").lower() in ("utf-8", "utf8"):
        encoding = "utf-8-sig"  # a BOM, if any, is not part of the first header
    handle: IO[str] = path.open(encoding=encoding, newline="", errors="strict")
    try:
        first = handle.readline()
        handle.seek(0)
    except UnicodeDecodeError:
        handle.close()
        raise ReadError(gettext("The file is not in %(encoding)s.") % {"encoding": encoding}) from None
    if len(delimiter) != 1 and delimiter:
        handle.close()
        raise ReadError(gettext("The delimiter must be one character."))
    delimiter = delimiter or detect_delimiter(first)
    reader = csv.reader(handle, delimiter=delimiter)
    try:
        header: list[Cell] = list(next(reader, []))
    except (csv.Error, UnicodeDecodeError) as exc:
        handle.close()
        raise ReadError(str(exc)) from None
    rows = _csv_rows(handle, reader)
    lines = _count_lines(path)
    return Source(header=header, rows=rows, total=max(lines - 1, 0), encoding=encoding, delimiter=delimiter)


def _csv_rows(handle: IO[str], reader: Iterator[list[str]]) -> Iterator[tuple[int, list[Cell]]]:
    with handle:
        line = 1  # the header's last line
        while True:
            try:
                cells = next(reader)
            except StopIteration:
                return
            except (csv.Error, UnicodeDecodeError) as exc:
                raise ReadError(gettext("Line %(line)s: %(error)s") % {"line": line + 1, "error": exc}) from None
            start = line + 1
            line = reader.line_num  # type: ignore[attr-defined]
            if any(cell.strip() for cell in cells):
                yield start, list(cells)


# --- XLSX --------------------------------------------------------------------------------------


def _open_xlsx(path: Path, *, sheet: str) -> Source:
    from openpyxl import load_workbook  # imported when needed: a heavy module

    try:
        book = load_workbook(path, read_only=True, data_only=True)
    except Exception as exc:  # noqa: BLE001  (zip, XML or openpyxl's own errors: a bad file)
        raise ReadError(gettext("Not a readable XLSX file: %(error)s") % {"error": exc}) from None
    if sheet and sheet not in book.sheetnames:
        book.close()
        names = ", ".join(book.sheetnames)
        raise ReadError(gettext("No sheet «%(sheet)s»; the sheets are: %(names)s.") % {"sheet": sheet, "names": names})
    worksheet = book[sheet] if sheet else book.worksheets[0]
    rows: Iterator[tuple[Any, ...]] = worksheet.iter_rows(values_only=True)
    header: list[Cell] = list(next(rows, ()))
    while header and header[-1] is None:
        header.pop()
    total = (worksheet.max_row - 1) if worksheet.max_row else None

    def body() -> Iterator[tuple[int, list[Cell]]]:
        try:
            for line, cells in enumerate(rows, start=2):
                if any(cell not in (None, "") for cell in cells):
                    yield line, list(cells)
        finally:
            book.close()

    return Source(header=header, rows=body(), total=total)
