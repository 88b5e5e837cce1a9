"""Many new rows at once, as fast as the database takes them (file imports).

:func:`bulk_insert` does what ``QuerySet.bulk_create`` does — the rows' primary keys set on
them, ``auto_now``/``auto_now_add`` stamped, no signals, the shop scope enforced — but on
PostgreSQL with ``COPY … FROM STDIN``: the ids are drawn from the table's sequence in one query,
then the rows stream as one ``COPY`` (no ``INSERT`` statement to build, send and parse per
batch of rows, and psycopg writes the rows in C). On other backends it is ``bulk_create``.
:func:`bulk_insert_values` takes the rows as values by field (``attname``) instead of model
instances (building thousands of instances costs more than writing them). The constraints and
indexes are the table's as always; a violated one is Django's ``IntegrityError`` (the caller's
savepoint rolls it back).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any, TypeVar

from django.db import connection, models
from django.db.models.fields import AutoFieldMixin
from django.utils import timezone

from flowercrm.scopes import ShopScopedQuerySet

M = TypeVar("M", bound=models.Model)
# Values psycopg writes as they are; any other field's value is prepared as Django would.
PLAIN_FIELDS = (
    models.CharField,
    models.TextField,
    models.IntegerField,
    models.BooleanField,
    models.DateField,
    models.DecimalField,
    models.ForeignKey,
)


def _queryset(model: type[M]) -> models.QuerySet[M]:
    queryset = model._default_manager.all()
    if isinstance(queryset, ShopScopedQuerySet):
        queryset._enforce_scope()  # as ``bulk_create``: only inside a shop's scope
    return queryset


def _copyable(model: type[models.Model]) -> bool:
    return connection.vendor == "postgresql" and isinstance(model._meta.pk, AutoFieldMixin)


def bulk_insert(model: type[M], objs: Sequence[M]) -> Sequence[M]:
    """Insert ``objs`` (new rows of ``model``, primary keys unset) and set their keys."""
    if not objs:
        return objs
    queryset = _queryset(model)
    if not _copyable(model):
        return queryset.bulk_create(objs)
    now, stamped = timezone.now(), _stamped(model)
    for obj in objs:
        for attname in stamped:
            setattr(obj, attname, now)
    fields = _fields(model)
    ids = _copy(model, ([getattr(obj, f.attname) for f in fields] for obj in objs), len(objs))
    for obj, pk in zip(objs, ids, strict=True):
        obj.pk = pk
        obj._state.adding = False
        obj._state.db = connection.alias
    return objs


def bulk_insert_values(model: type[models.Model], rows: Sequence[Mapping[str, Any]]) -> list[int]:
    """Insert new rows of ``model`` given as ``{attname: value}`` (a field not given takes its
    default; ``auto_now``/``auto_now_add`` fields the current time); answers their ids."""
    if not rows:
        return []
    queryset = _queryset(model)
    if not _copyable(model):
        objs = queryset.bulk_create([model(**row) for row in rows])
        return [obj.pk for obj in objs]
    now = timezone.now()
    stamped = set(_stamped(model))
    fields = _fields(model)
    defaults = {f.attname: now if f.attname in stamped else f.get_default() for f in fields}
    return _copy(model, ([row.get(f.attname, defaults[f.attname]) for f in fields] for row in rows), len(rows))


def _stamped(model: type[models.Model]) -> list[str]:
    return [
        f.attname
        for f in model._meta.concrete_fields
        if getattr(f, "auto_now", False) or getattr(f, "auto_now_add", False)
    ]


def _fields(model: type[models.Model]) -> list[Any]:
    return [f for f in model._meta.concrete_fields if f is not model._meta.pk]


def _copy(model: type[models.Model], rows: Any, count: int) -> list[int]:
    """``count`` ids from the sequence, then the rows (values of ``_fields``) by ``COPY``."""
    meta = model._meta
    pk = meta.pk
    assert pk is not None  # noqa: S101  (``_copyable``)
    fields = _fields(model)
    plain = [isinstance(f, PLAIN_FIELDS) for f in fields]
    columns = ", ".join(connection.ops.quote_name(f.column) for f in [pk, *fields])
    table = connection.ops.quote_name(meta.db_table)
    with connection.wrap_database_errors, connection.cursor() as cursor:
        cursor.execute(
            "SELECT nextval(pg_get_serial_sequence(%s, %s)) FROM generate_series(1, %s)",
            [meta.db_table, pk.column, count],
        )
        ids = [value for (value,) in cursor.fetchall()]
        raw: Any = cursor.cursor  # psycopg's own cursor (Django's wrapper has no ``copy``)
        with raw.copy(f"COPY {table} ({columns}) FROM STDIN") as copy:
            for pk_value, values in zip(ids, rows, strict=True):
                if not all(plain):
                    values = [
                        v if is_plain else f.get_db_prep_save(v, connection)
                        for f, v, is_plain in zip(fields, values, plain, strict=True)
                    ]
                copy.write_row([pk_value, *values])
    return ids
