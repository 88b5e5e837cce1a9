"""The import run shared by every kind: rows read, cells parsed by the kind's columns,
applied in batches through the services, every bad row reported, all or nothing.

Transactions. The whole run is one transaction (PostgreSQL keeps 100,000 rows in one
transaction without trouble, and the memory it takes is the database's, not ours). Each row —
or each batch, for importers that write in bulk — runs in a savepoint, so a bad row rolls back
alone and the run goes on to report every other row. At the end the transaction commits when
nothing failed, or with ``partial`` (the good rows stay); otherwise, and always with
``dry_run``, it rolls back: the database is as before. Memory stays bounded: rows are read,
applied and forgotten batch by batch; errors go to the caller as they are found.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, ClassVar

from django.db import DatabaseError, IntegrityError, transaction
from django.utils.translation import gettext

from apps.exchange.columns import Cell, CellError, Header, Kind, cell_text
from apps.exchange.readers import Source
from flowercrm.errors import DomainError

if TYPE_CHECKING:
    from apps.accounts.models import User
    from apps.shops.models import Shop

CREATED, UPDATED, UNCHANGED = "created", "updated", "unchanged"
# What an importer answers for a row: an outcome, or the row's errors by service field.
Outcome = str | dict[str, Any]
# Errors kept in the report (the caller gets every one as it is found).
KEPT_ERRORS = 1000


@dataclass(frozen=True)
class RowError:
    """One problem of one row: the file's line (the header is line 1), the column as the
    file names it (empty: the row as a whole), the cell's text and what is wrong."""

    line: int
    column: str
    value: str
    message: str


@dataclass
class Row:
    line: int
    cells: list[Cell]
    values: dict[str, Any]


@dataclass
class Report:
    created: int = 0
    updated: int = 0
    unchanged: int = 0
    failed: int = 0
    seconds: float = 0.0
    committed: bool = False
    unknown_columns: list[str] = field(default_factory=list)
    errors: list[RowError] = field(default_factory=list)

    @property
    def rows(self) -> int:
        return self.created + self.updated + self.unchanged + self.failed

    @property
    def rate(self) -> float:
        return self.rows / self.seconds if self.seconds > 0 else 0.0


def messages(value: Any) -> list[str]:
    """The messages of a service's error value, nested lists flattened (``{"components":
    [{}, {"quantity": [...]}]}`` → ``["part 2: …"]``)."""
    if isinstance(value, str):
        return [value]
    if isinstance(value, Mapping):
        return [m for v in value.values() for m in messages(v)]
    if isinstance(value, (list, tuple)):
        if any(isinstance(v, (Mapping, list, tuple)) for v in value):
            found = []
            for index, item in enumerate(value, start=1):
                found += [
                    gettext("part %(index)s: %(message)s") % {"index": index, "message": m} for m in messages(item)
                ]
            return found
        return [str(v) for v in value]
    return [str(value)]


class Importer:
    """One kind of import. Subclasses set ``kind`` and ``fields`` (a service's error field →
    the column it came from) and implement :meth:`apply_one`, or :meth:`apply` for bulk."""

    kind: ClassVar[Kind]
    fields: ClassVar[Mapping[str, str]] = {}
    batch_size: ClassVar[int] = 500

    def __init__(self, *, shop: Shop, actor: User | None = None, update: bool = False) -> None:
        self.shop = shop
        self.actor = actor
        self.update = update

    def apply(self, rows: Sequence[Row]) -> list[Outcome]:
        """Apply a batch; by default row by row, each in a savepoint."""
        return [self.apply_guarded(row) for row in rows]

    def apply_guarded(self, row: Row) -> Outcome:
        try:
            with transaction.atomic():
                return self.apply_one(row)
        except DomainError as exc:
            return exc.extra.get("errors") or {"": [exc.detail]}
        except IntegrityError:
            return {"": [gettext("The row conflicts with data changed at the same time; import it again.")]}

    def apply_one(self, row: Row) -> str:
        raise NotImplementedError

    def column_of(self, service_field: str) -> str:
        """The column key a service's error field belongs to ('': the whole row)."""
        if service_field in self.fields:
            return self.fields[service_field]
        return service_field if any(c.key == service_field for c in self.kind.columns) else ""


def parse_row(header: Header, line: int, cells: list[Cell]) -> tuple[Row, list[RowError]]:
    """A row's cells as values of their columns; cells that are not errors of their own."""
    values: dict[str, Any] = {}
    errors: list[RowError] = []
    for index, column in enumerate(header.columns):
        if column is None:
            continue
        cell = cells[index] if index < len(cells) else None
        try:
            values[column.key] = column.parse(cell)
        except CellError as exc:
            errors.append(RowError(line, header.titles[index], cell_text(cell), exc.message))
    return Row(line=line, cells=cells, values=values), errors


def _row_errors(importer: Importer, header: Header, row: Row, errors: Mapping[str, Any]) -> list[RowError]:
    found = []
    for service_field, value in errors.items():
        key = importer.column_of(service_field)
        title = header.title(key) if key else ""
        index = header.titles.index(title) if title in header.titles else -1
        cell = cell_text(row.cells[index]) if 0 <= index < len(row.cells) else ""
        found += [RowError(row.line, title, cell, message) for message in messages(value)]
    return found


def _batches(rows: Iterator[tuple[int, list[Cell]]], size: int) -> Iterator[list[tuple[int, list[Cell]]]]:
    batch: list[tuple[int, list[Cell]]] = []
    for item in rows:
        batch.append(item)
        if len(batch) >= size:
            yield batch
            batch = []
    if batch:
        yield batch


def run_import(
    importer: Importer,
    source: Source,
    *,
    partial: bool = False,
    dry_run: bool = False,
    on_error: Callable[[Row, list[RowError]], None] | None = None,
    on_progress: Callable[[int], None] | None = None,
) -> Report:
    """Import ``source`` (see the module docstring). Raises :class:`CellError` when the
    header lacks a required column; every row's problems go to ``on_error`` (with the row)
    and into the report (the first ``KEPT_ERRORS``)."""
    header = importer.kind.resolve(source.header)
    report = Report(unknown_columns=header.unknown)
    started = time.monotonic()

    def failed(row: Row, errors: list[RowError]) -> None:
        report.failed += 1
        room = KEPT_ERRORS - len(report.errors)
        report.errors.extend(errors[: max(room, 0)])
        if on_error is not None:
            on_error(row, errors)

    with transaction.atomic():
        for batch in _batches(source.rows, importer.batch_size):
            good: list[Row] = []
            bad: list[tuple[Row, list[RowError]]] = []
            for line, cells in batch:
                row, errors = parse_row(header, line, cells)
                if errors:
                    bad.append((row, errors))
                else:
                    good.append(row)
            for row, outcome in zip(good, _apply_batch(importer, good), strict=True):
                if isinstance(outcome, str):
                    setattr(report, outcome, getattr(report, outcome) + 1)
                else:
                    bad.append((row, _row_errors(importer, header, row, outcome)))
            for row, errors in sorted(bad, key=lambda pair: pair[0].line):
                failed(row, errors)
            if on_progress is not None:
                on_progress(len(batch))
        report.committed = not dry_run and (partial or report.failed == 0)
        if not report.committed:
            transaction.set_rollback(True)
    report.seconds = time.monotonic() - started
    return report


def _apply_batch(importer: Importer, rows: list[Row]) -> list[Outcome]:
    """A batch in a savepoint; when the batch as a whole fails in the database (a concurrent
    writer), its rows again one by one, so only the conflicting ones fail."""
    if not rows:
        return []
    try:
        with transaction.atomic():
            return importer.apply(rows)
    except (IntegrityError, DatabaseError):
        if len(rows) == 1:
            return [{"": [gettext("The row conflicts with data changed at the same time; import it again.")]}]
        return [outcome for row in rows for outcome in _apply_batch(importer, [row])]
