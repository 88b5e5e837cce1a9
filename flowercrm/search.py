"""Case-insensitive search that behaves the same on every backend.

SQLite's ``LIKE``/``lower()`` fold ASCII only, so ``icontains`` misses Cyrillic. Searchable
models keep a case-folded ``search_text`` column written whenever the row is saved; the
search filter compares against it. On PostgreSQL a trigram GIN index serves it.
"""

from __future__ import annotations

from collections.abc import Iterable

from django.db import migrations
from django.db.backends.base.schema import BaseDatabaseSchemaEditor
from django.db.migrations.state import StateApps

from flowercrm.phone import phone_digits

MAX_SEARCH_LENGTH = 100


def fold(text: str) -> str:
    """Case-fold and squeeze white space (``ё`` is kept apart from ``е`` on purpose: names
    are searched as written)."""
    return " ".join(text.casefold().split())


def build_search_text(*parts: object, phones: Iterable[str] = ()) -> str:
    """The ``search_text`` of a row: its searchable parts folded, plus the digits of its
    phones so any part of the digits matches."""
    words = [fold(str(p)) for p in parts if p not in (None, "")]
    words += [phone_digits(p) for p in phones if p]
    return " ".join(w for w in words if w)


def search_terms(query: str) -> list[str]:
    """What a ``search`` parameter may match: the folded text, and for a phone-like query
    its digits, with a leading ``8`` also tried as ``7``."""
    folded = fold(query)[:MAX_SEARCH_LENGTH]
    terms = [folded] if folded else []
    stripped = query.strip()
    if stripped and all(ch.isdigit() or ch in "+-() " for ch in stripped):
        digits = phone_digits(stripped)
        if digits and digits not in terms:
            terms.append(digits)
        if len(digits) >= 2 and digits.startswith("8"):
            terms.append("7" + digits[1:])
    return terms


def trigram_index(*, table: str, column: str = "search_text") -> migrations.RunPython:
    """A migration operation that adds ``pg_trgm`` and a GIN trigram index on PostgreSQL and
    does nothing on other backends."""
    index = f"{table}_{column}_trgm"

    def forwards(apps: StateApps, schema_editor: BaseDatabaseSchemaEditor) -> None:
        if schema_editor.connection.vendor != "postgresql":
            return
        schema_editor.execute("CREATE EXTENSION IF NOT EXISTS pg_trgm")
        schema_editor.execute(f'CREATE INDEX IF NOT EXISTS "{index}" ON "{table}" USING gin ("{column}" gin_trgm_ops)')

    def backwards(apps: StateApps, schema_editor: BaseDatabaseSchemaEditor) -> None:
        if schema_editor.connection.vendor == "postgresql":
            schema_editor.execute(f'DROP INDEX IF EXISTS "{index}"')

    return migrations.RunPython(forwards, backwards, elidable=False)
