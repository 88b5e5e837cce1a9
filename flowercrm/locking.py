"""Row locks that survive a concurrent delete.

A service that re-reads a row under ``select_for_update`` after the view looked it up races
with a request that deletes (or merges away) that row: the lock waits for the other
transaction, and when it commits the row is gone. ``.get()`` would raise ``DoesNotExist`` — a
500. Here a vanished row is a domain error instead: ``NotFound`` (404) by default, or what
the caller passes (e.g. ``Conflict`` when the caller's own kind of action removed it).

Only the rows of the queryset's own table are locked (``of=("self",)``): a lock on a
``select_related`` table (the shop, the customer) would hold up unrelated writers and is how
two services deadlock.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any, TypeVar

from django.core.exceptions import ObjectDoesNotExist
from django.db.models import Model, QuerySet

from flowercrm.errors import DomainError, NotFound

M = TypeVar("M", bound=Model)

Vanished = DomainError | type[DomainError]


def _raise(vanished: Vanished) -> DomainError:
    return vanished() if isinstance(vanished, type) else vanished


def _locking(queryset: QuerySet[M]) -> QuerySet[M]:
    """``queryset`` with ``FOR UPDATE OF`` its own table, unless the caller chose the lock."""
    if queryset.query.select_for_update:
        return queryset
    return queryset.select_for_update(of=("self",))


def lock_row(queryset: QuerySet[M], pk: Any = None, *, vanished: Vanished = NotFound, **lookup: Any) -> M:
    """The one row of ``queryset`` with ``pk`` (or ``lookup``), locked until the transaction
    ends. A row that is not there — deleted before or while we waited for its lock — raises
    ``vanished`` (a ``DomainError`` class or instance; ``NotFound`` by default)."""
    if pk is not None:
        lookup["pk"] = pk
    try:
        return _locking(queryset).get(**lookup)
    except ObjectDoesNotExist:
        raise _raise(vanished) from None


def lock_rows(queryset: QuerySet[M], pks: Iterable[Any], *, vanished: Vanished = NotFound) -> dict[Any, M]:
    """The rows of ``queryset`` with these ``pks``, locked in ``pk`` order (two services
    locking overlapping sets never deadlock), as ``{pk: row}``. If any is missing, ``vanished``
    is raised and the rows already locked stay locked until the caller's transaction ends."""
    wanted = sorted(set(pks))
    rows = {row.pk: row for row in _locking(queryset).filter(pk__in=wanted).order_by("pk")}
    if len(rows) != len(wanted):
        raise _raise(vanished)
    return rows
