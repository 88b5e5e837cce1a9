"""A customer's list row as admins and managers read it, built from plain values (issue 17).

``CustomerSerializer`` stays the one description of the shape (and of the schema); the list
renders the same dicts from ``values()`` of the customer (with the order statistics of
``apps.orders.customers.customers_with_stats``) and one query per nested table, grouped here
— no model instance, no serializer per row. ``apps/customers/tests/api/test_list_fast_path.py``
compares the two byte for byte.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from flowercrm.rows import moment, money

Record = dict[str, Any]

# What the list reads of a customer (``values()`` names; the last three are annotations).
CUSTOMER_COLUMNS = (
    "id",
    "phone",
    "name",
    "email",
    "notes",
    "source",
    "orders_count",
    "total_spent",
    "last_order_at",
    "created_at",
    "updated_at",
)
# The nested rows: (related table, its ``values()`` columns after ``customer_id``).
ADDRESS_COLUMNS = ("id", "label", "address", "entrance", "floor", "intercom", "comment", "is_default")
DATE_COLUMNS = ("id", "day", "month", "title", "remind_days_before")


def _grouped(rows: Iterable[Record], render: Any) -> dict[int, list[Any]]:
    grouped: dict[int, list[Any]] = {}
    for row in rows:
        grouped.setdefault(row.pop("customer_id"), []).append(render(row))
    return grouped


def customer_rows(
    customers: Iterable[Record],
    *,
    phones: Iterable[Record],
    tags: Iterable[Record],
    addresses: Iterable[Record],
    dates: Iterable[Record],
) -> list[dict[str, Any]]:
    """``CustomerSerializer``'s dicts of ``customers`` (``CUSTOMER_COLUMNS``) with their
    extra ``phones`` and ``tags`` (``customer_id``, ``phone``/``name``), ``addresses``
    (``ADDRESS_COLUMNS``) and important ``dates`` (``DATE_COLUMNS``), each with its
    ``customer_id`` and in its model's order. Datetimes are in the current time zone."""
    by_phone = _grouped(phones, lambda row: row["phone"])
    by_tag = _grouped(tags, lambda row: row["name"])
    by_address = _grouped(addresses, lambda row: row)
    by_date = _grouped(dates, lambda row: row)
    return [
        {
            "id": (pk := customer["id"]),
            "phone": customer["phone"],
            "name": customer["name"],
            "email": customer["email"],
            "notes": customer["notes"],
            "source": customer["source"],
            "extra_phones": by_phone.get(pk, []),
            "tags": by_tag.get(pk, []),
            "addresses": by_address.get(pk, []),
            "important_dates": by_date.get(pk, []),
            "orders_count": customer["orders_count"],
            "total_spent": money(customer["total_spent"]),
            "last_order_at": moment(customer["last_order_at"]),
            "created_at": moment(customer["created_at"]),
            "updated_at": moment(customer["updated_at"]),
        }
        for customer in customers
    ]
