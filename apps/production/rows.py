"""The queue's list rows, built from plain values (issue 17).

``TaskSerializer`` stays the one description of the row (one shape for every role); the list
renders the same dicts from ``values()`` of the tasks (order, florist and result photo joined)
and one query for the page's order lines, grouped here — no model instance, no serializer
per row. (``apps.production.events.task_row`` renders one loaded task for ``/ws``.)
``apps/production/tests/api/test_list_fast_path.py`` compares the list with the serializer
byte for byte.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Iterable
from typing import Any

from apps.production import queue
from flowercrm.rows import day, hhmm, image_columns, image_values, moment

Record = dict[str, Any]
PHOTO_IMAGE = "result_photo__image__"

TASK_COLUMNS = (
    "id",
    "status",
    "deadline",
    "window_start",
    "florist_id",
    "florist__name",
    "order_id",
    "order__number",
    "order__status",
    "order__delivery_method",
    "order__delivery_date",
    "order__delivery_time_from",
    "order__delivery_time_to",
    "order__card_text",
    "order__comment",
    "notes",
    "result_photo_id",
    "result_photo__kind",
    *image_columns(PHOTO_IMAGE),
    "result_photo__created_by_id",
    "result_photo__created_by__name",
    "result_photo__created_at",
    "started_at",
    "finished_at",
    "minutes_spent",
    "cancel_reason",
    "created_at",
    "updated_at",
)
# The page's order lines (``values()`` names through the task, grouped by ``order_id``).
ITEM_COLUMNS = ("order_id", "order__items__name", "order__items__quantity")


def _person(pk: int | None, name: Any) -> dict[str, Any] | None:
    return None if pk is None else {"id": pk, "name": str(name)}


def _photo(task: Record, absolute: Callable[[str], str] | None) -> dict[str, Any] | None:
    if task["result_photo_id"] is None:
        return None
    return {
        "id": task["result_photo_id"],
        "kind": task["result_photo__kind"],
        "image": image_values(task, PHOTO_IMAGE, absolute),
        "created_by": _person(task["result_photo__created_by_id"], task["result_photo__created_by__name"]),
        "created_at": moment(task["result_photo__created_at"]),
    }


def task_rows(
    tasks: Iterable[Record],
    items: Iterable[Record],
    *,
    now: dt.datetime,
    absolute: Callable[[str], str] | None = None,
) -> list[Record]:
    """``TaskSerializer``'s dicts of ``tasks`` (``TASK_COLUMNS``) with their orders' lines
    (``ITEM_COLUMNS``, in line order); ``priority`` as of ``now``; ``absolute`` makes the
    photo's URLs absolute (the request's ``build_absolute_uri``). Datetimes in the current
    time zone."""
    lines: dict[int, list[Record]] = {}
    for item in items:
        lines.setdefault(item["order_id"], []).append(
            {"name": item["order__items__name"], "quantity": item["order__items__quantity"]}
        )
    return [
        {
            "id": task["id"],
            "status": task["status"],
            "priority": queue.priority_at(task["window_start"], now),
            "deadline": moment(task["deadline"]),
            "window_start": moment(task["window_start"]),
            "florist": _person(task["florist_id"], task["florist__name"]),
            "order": {
                "id": task["order_id"],
                "number": task["order__number"],
                "status": task["order__status"],
                "delivery_method": task["order__delivery_method"],
                "delivery_date": day(task["order__delivery_date"]),
                "delivery_time_from": hhmm(task["order__delivery_time_from"]),
                "delivery_time_to": hhmm(task["order__delivery_time_to"]),
                "card_text": task["order__card_text"],
                "comment": task["order__comment"],
                "items": lines.get(task["order_id"], []),
            },
            "notes": task["notes"],
            "result_photo": _photo(task, absolute),
            "started_at": moment(task["started_at"]),
            "finished_at": moment(task["finished_at"]),
            "minutes_spent": task["minutes_spent"],
            "cancel_reason": task["cancel_reason"],
            "created_at": moment(task["created_at"]),
            "updated_at": moment(task["updated_at"]),
        }
        for task in tasks
    ]
