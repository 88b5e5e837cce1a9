"""Reads of the florists' queue. Orders are reached through the task's relation (production
never imports orders)."""

from __future__ import annotations

import datetime as dt
import statistics
from collections.abc import Sequence
from functools import reduce
from operator import or_
from typing import Any

from django.db.models import Count, Q, QuerySet

from apps.production.models import ProductionTask, TaskStatus
from apps.shops.models import Shop


def task_list(*, shop: Shop) -> QuerySet[ProductionTask]:
    """The queue with each task's order summary, a fixed number of queries per page."""
    return (
        ProductionTask.objects.filter(shop=shop)
        .select_related("order", "florist", "result_photo__image", "result_photo__created_by")
        .prefetch_related("order__items")  # in ``id`` order (the items' default ordering)
    )


def task_search(*, shop: Shop, tasks: QuerySet[ProductionTask], terms: list[str]) -> QuerySet[ProductionTask]:
    """``tasks`` whose order any of ``terms`` (``flowercrm.search.search_terms``) matches: its
    number, recipient or buyer (the order's ``search_text``, as the orders search) or the
    name of one of its items. Item names are matched through the product's folded
    ``search_text`` (Cyrillic on every backend) and the line's own name (which keeps the name
    a renamed product had when it was sold; case-insensitive beyond ASCII on PostgreSQL)."""
    if not terms:
        return tasks
    by_item = ProductionTask.objects.filter(shop=shop).filter(
        reduce(
            or_, (Q(order__items__product__search_text__contains=t) | Q(order__items__name__icontains=t) for t in terms)
        )
    )
    by_order = reduce(or_, (Q(order__search_text__contains=t) for t in terms))
    return tasks.filter(by_order | Q(pk__in=by_item.values("pk")))


def florist_stats(*, shop: Shop, date_from: dt.date | None, date_to: dt.date | None) -> list[dict[str, Any]]:
    """Per florist, over tasks finished in the range (days in the shop's zone): tasks done,
    median minutes spent, tasks finished after their deadline."""
    tasks = ProductionTask.objects.filter(shop=shop, status=TaskStatus.DONE, florist__isnull=False)
    zone = shop.zoneinfo
    # Nothing comes before the first day there is, nor after the last (their bounds overflow).
    if date_from and date_from > dt.date.min:
        tasks = tasks.filter(finished_at__gte=dt.datetime.combine(date_from, dt.time.min, tzinfo=zone))
    if date_to and date_to < dt.date.max:
        tasks = tasks.filter(
            finished_at__lt=dt.datetime.combine(date_to + dt.timedelta(days=1), dt.time.min, tzinfo=zone)
        )
    rows: dict[int, dict[str, Any]] = {}
    for florist_id, name, minutes, finished, deadline in tasks.values_list(
        "florist_id", "florist__name", "minutes_spent", "finished_at", "deadline"
    ).order_by("florist_id", "id"):
        row = rows.setdefault(
            florist_id, {"florist": {"id": florist_id, "name": name}, "done": 0, "minutes": [], "late": 0}
        )
        row["done"] += 1
        if minutes is not None:
            row["minutes"].append(minutes)
        if finished and deadline and finished > deadline:
            row["late"] += 1
    return [
        {
            "florist": row["florist"],
            "tasks_done": row["done"],
            "median_minutes": statistics.median(row["minutes"]) if row["minutes"] else None,
            "late_tasks": row["late"],
        }
        for row in rows.values()
    ]


def task_queue_counts(*, shops: Sequence[Shop]) -> dict[str, int]:
    """How many tasks of ``shops`` wait and are being made (``{status: count}`` for the open
    statuses, zeros included): one query."""
    open_statuses = (TaskStatus.PENDING, TaskStatus.IN_PROGRESS)
    counts = dict.fromkeys(open_statuses, 0)
    rows = (
        ProductionTask.objects.filter(shop__in=shops, status__in=open_statuses)
        .values_list("status")
        .annotate(count=Count("id"))
        .order_by()
    )
    for status, count in rows:
        counts[TaskStatus(status)] = count
    return {str(status): count for status, count in counts.items()}


def task_list_values(
    tasks: QuerySet[ProductionTask], *, columns: Sequence[str]
) -> QuerySet[ProductionTask, dict[str, Any]]:
    """``tasks`` (``task_list``'s, filtered and ordered) as plain ``columns`` — the queue
    page's read path (issue 17): one query with the order, florist and result photo joined,
    no model instances; the orders' lines come from ``task_item_values``."""
    return tasks.prefetch_related(None).values(*columns)


def task_item_values(*, task_ids: Sequence[int], columns: Sequence[str]) -> list[dict[str, Any]]:
    """The lines of the orders of ``task_ids`` as plain ``columns`` (``order__items__…``,
    reached through the task: production never imports orders), in line order: one query
    (none for an empty page)."""
    if not task_ids:
        return []
    lines = ProductionTask.objects.filter(pk__in=task_ids, order__items__isnull=False)
    return list(lines.order_by("order__items__id").values(*columns))
