"""What the four ``import_*`` commands share: the options of ARCHITECTURE §11.3, the shop,
the progress bar, the error report (on screen and ``--errors``) and the summary."""

from __future__ import annotations

import csv
import sys
from pathlib import Path
from typing import IO, Any

from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.utils.translation import gettext, pgettext
from tqdm import tqdm

from apps.exchange.columns import CellError, cell_text
from apps.exchange.importers import IMPORTERS, Report, RowError, run_import
from apps.exchange.importers.base import Row
from apps.exchange.readers import ReadError, open_source
from apps.shops.models import Shop
from flowercrm.scopes import scope, scopes_disabled


def find_shop(value: str) -> Shop:
    """A shop by id, slug or (unique) name."""
    with scopes_disabled("looks the shop up by id or name before entering its scope"):
        shops = Shop.objects.filter(pk=int(value)) if value.isdigit() else Shop.objects.filter(slug=value)
        if not value.isdigit() and not shops.exists():
            shops = Shop.objects.filter(name=value)
        found = list(shops[:2])
    if not found:
        raise CommandError(gettext("Shop «%(shop)s» not found.") % {"shop": value})
    if len(found) > 1:
        raise CommandError(gettext("Several shops are named «%(shop)s»; give the id.") % {"shop": value})
    return found[0]


def describe(error: RowError) -> str:
    if error.column:
        return gettext("line %(line)s, %(column)s «%(value)s»: %(message)s") % {
            "line": error.line,
            "column": error.column,
            "value": error.value,
            "message": error.message,
        }
    return gettext("line %(line)s: %(message)s") % {"line": error.line, "message": error.message}


class ErrorFile:
    """``--errors PATH``: the bad rows as they were, plus an ``error`` column — fix the cells
    and import the file again (the extra column is reported as unknown and ignored)."""

    def __init__(self, path: Path, header: list[Any], delimiter: str) -> None:
        self.handle: IO[str] = path.open("w", encoding="utf-8-sig", newline="")
        self.writer = csv.writer(self.handle, delimiter=delimiter or ";")
        self.width = len(header)
        self.writer.writerow([cell_text(c) for c in header] + [pgettext("file column", "error")])

    def add(self, row: Row, errors: list[RowError]) -> None:
        cells = [cell_text(c) for c in row.cells] + [""] * max(self.width - len(row.cells), 0)
        text = "; ".join(f"{e.column}: {e.message}" if e.column else e.message for e in errors)
        self.writer.writerow(cells[: max(self.width, len(row.cells))] + [text])

    def close(self) -> None:
        self.handle.close()


class ImportCommand(BaseCommand):
    kind = ""

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("path", type=Path, help="A CSV (UTF-8 or cp1251, , or ;) or XLSX file.")
        parser.add_argument("--shop", required=True, help="The shop: id, slug or name.")
        parser.add_argument("--dry-run", action="store_true", help="Check every row, write nothing.")
        parser.add_argument("--partial", action="store_true", help="Keep the good rows when some fail.")
        parser.add_argument("--errors", type=Path, help="Write the bad rows with an error column to this CSV.")
        parser.add_argument("--encoding", default="", help="The CSV's encoding (detected by default).")
        parser.add_argument("--delimiter", default="", help="The CSV's delimiter (detected by default).")
        parser.add_argument("--sheet", default="", help="The XLSX sheet (the first by default).")
        parser.add_argument("--quiet", action="store_true", help="No progress bar.")
        parser.add_argument("--update", action="store_true", help="Overwrite known values (customers).")

    def handle(self, *args: Any, **options: Any) -> None:
        shop = find_shop(str(options["shop"]))
        try:
            source = open_source(
                options["path"], encoding=options["encoding"], delimiter=options["delimiter"], sheet=options["sheet"]
            )
        except ReadError as exc:
            raise CommandError(str(exc)) from None
        show_bar = not options["quiet"] and sys.stderr.isatty()
        bar = tqdm(total=source.total, unit=pgettext("progress unit", "rows"), disable=not show_bar, file=sys.stderr)
        errors_file = ErrorFile(options["errors"], source.header, source.delimiter) if options["errors"] else None

        def on_error(row: Row, errors: list[RowError]) -> None:
            for error in errors:
                line = self.style.ERROR(describe(error))
                if show_bar:
                    bar.write(line, file=sys.stderr)
                else:
                    self.stdout.write(line)
            if errors_file is not None:
                errors_file.add(row, errors)

        importer = IMPORTERS[self.kind](shop=shop, update=options["update"])
        try:
            with scope(shop=shop):
                report = run_import(
                    importer,
                    source,
                    partial=options["partial"],
                    dry_run=options["dry_run"],
                    on_error=on_error,
                    on_progress=lambda count: None if bar.update(count) else None,
                )
        except CellError as exc:
            raise CommandError(exc.message) from None
        except ReadError as exc:
            raise CommandError(str(exc)) from None
        finally:
            bar.close()
            if errors_file is not None:
                errors_file.close()
        self._summary(report, options)

    def _summary(self, report: Report, options: dict[str, Any]) -> None:
        if report.unknown_columns:
            columns = ", ".join(report.unknown_columns)
            self.stdout.write(
                self.style.WARNING(gettext("Unknown columns, ignored: %(columns)s") % {"columns": columns})
            )
        self.stdout.write(
            gettext(
                "Rows: %(rows)s; created %(created)s, updated %(updated)s, unchanged %(unchanged)s, "
                "failed %(failed)s; %(rate).0f rows/s."
            )
            % {
                "rows": report.rows,
                "created": report.created,
                "updated": report.updated,
                "unchanged": report.unchanged,
                "failed": report.failed,
                "rate": report.rate,
            }
        )
        if options["dry_run"] and report.failed:
            raise CommandError(
                gettext("Dry run: %(failed)s rows failed; nothing was written.") % {"failed": report.failed}
            )
        if options["dry_run"]:
            self.stdout.write(self.style.SUCCESS(gettext("Dry run: every row is valid; nothing was written.")))
        elif not report.committed:
            raise CommandError(
                gettext("Nothing was written: %(failed)s rows failed (--partial keeps the good rows).")
                % {"failed": report.failed}
            )
        elif report.failed:
            self.stdout.write(self.style.WARNING(gettext("The good rows were written; the failed rows were not.")))
        else:
            self.stdout.write(self.style.SUCCESS(gettext("Done.")))
