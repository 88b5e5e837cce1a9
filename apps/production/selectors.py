"""Reads of the florists' queue."""

from __future__ import annotations

import datetime as dt
import statistics
from typing import Any

from django.db.models import Prefetch, QuerySet

from apps.orders.models import OrderItem
from apps.production.models import ProductionTask, TaskStatus
from apps.shops.models import Shop


def task_list(*, shop: Shop) -> QuerySet[ProductionTask]:
    """The queue with each task's order summary, a fixed number of queries per page."""
    return (
        ProductionTask.objects.filter(shop=shop)
        .select_related("order", "florist", "result_photo__image", "result_photo__created_by")
        .prefetch_related(Prefetch("order__items", queryset=OrderItem.objects.order_by("id")))
    )


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
