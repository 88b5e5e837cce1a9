"""A customer's nested lists (addresses, important dates, tags): checked whole, then replaced."""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from django.core.exceptions import ValidationError
from django.utils.translation import gettext

from apps.customers.constants import MAX_ADDRESSES, MAX_DATES, MAX_TAG_LENGTH, MAX_TAGS
from apps.customers.models import (
    Customer,
    CustomerAddress,
    CustomerTag,
    ImportantDate,
    check_one_default_address,
    normalize_tag,
    tag_key,
)
from flowercrm.errors import Invalid
from flowercrm.updates import values_validate

ADDRESS_FIELDS = ("label", "address", "entrance", "floor", "intercom", "comment", "is_default")
DATE_FIELDS = ("day", "month", "title", "remind_days_before")
# Text fields the services strip (a name of spaces is no name).
STRIPPED = {"name", "email", "label", "address", "entrance", "floor", "intercom", "title"}


@dataclass
class Nested:
    """Validated nested lists (``None``: not given, keep the current rows): addresses and
    dates as their rows' cleaned values by field (a file import writes thousands without
    building model instances)."""

    addresses: list[dict[str, Any]] | None = None
    dates: list[dict[str, Any]] | None = None
    tags: list[str] | None = None


def clean_nested(data: Mapping[str, Any]) -> Nested:
    nested = Nested()
    errors: dict[str, Any] = {}
    for key, attr, clean in (
        ("addresses", "addresses", _clean_addresses),
        ("important_dates", "dates", _clean_dates),
        ("tags", "tags", clean_tags),
    ):
        if key not in data:
            continue
        try:
            setattr(nested, attr, clean(data[key]))
        except Invalid as exc:
            errors[key] = exc.extra["errors"]["items"]
    if errors:
        raise Invalid(errors)
    return nested


def as_list(value: Any, limit: int) -> list[Any]:
    if value is None:
        return []
    if not isinstance(value, (list, tuple)):
        raise Invalid({"items": [gettext("A list is expected.")]})
    if len(value) > limit:
        raise Invalid({"items": [gettext("At most %(limit)s.") % {"limit": limit}]})
    return list(value)


def _row_values(fields: Sequence[str], item: Mapping[str, Any]) -> dict[str, Any]:
    values = {f: item[f] for f in fields if f in item and item[f] is not None}
    for f in STRIPPED.intersection(values):
        if isinstance(values[f], str):
            values[f] = values[f].strip()
    return values


def _build_rows(model: type[Any], fields: Sequence[str], items: Iterable[Any]) -> list[dict[str, Any]]:
    """The cleaned values of nested dicts as rows of ``model`` (``model_validate`` of each
    row, without building it); per-item errors come back shaped like the list."""
    rows, item_errors = [], []
    for item in items:
        if not isinstance(item, Mapping):
            item_errors.append({"non_field_errors": [gettext("An object is expected.")]})
            continue
        values = _row_values(fields, item)
        try:
            values = values_validate(model, values, exclude=["customer"])
            item_errors.append({})
        except Invalid as exc:
            item_errors.append(exc.extra["errors"])
        rows.append(values)
    if any(item_errors):
        raise Invalid({"items": item_errors})
    return rows


def _clean_addresses(value: Any) -> list[dict[str, Any]]:
    rows = _build_rows(CustomerAddress, ADDRESS_FIELDS, as_list(value, MAX_ADDRESSES))
    default = CustomerAddress._meta.get_field("is_default").get_default()
    try:
        check_one_default_address(row.get("is_default", default) for row in rows)
    except ValidationError as exc:
        raise Invalid({"items": exc.messages}) from None
    return rows


def _clean_dates(value: Any) -> list[dict[str, Any]]:
    return _build_rows(ImportantDate, DATE_FIELDS, as_list(value, MAX_DATES))


def clean_tags(value: Any) -> list[str]:
    """Tags as stored: stripped, 1..50 characters, at most 20, duplicates that differ only
    in case dropped (the first spelling wins)."""
    items = as_list(value, MAX_TAGS)
    tags: list[str] = []
    seen: set[str] = set()
    for raw in items:
        if not isinstance(raw, str) or not raw.strip():
            raise Invalid({"items": [gettext("A tag is a non-empty string.")]})
        tag = normalize_tag(raw)
        if len(tag) > MAX_TAG_LENGTH:
            raise Invalid(
                {"items": [gettext("A tag is at most %(limit)s characters long.") % {"limit": MAX_TAG_LENGTH}]}
            )
        if tag_key(tag) not in seen:
            seen.add(tag_key(tag))
            tags.append(tag)
    return tags


def replace_nested(customer: Customer, nested: Nested) -> None:
    if nested.addresses is not None:
        customer.addresses.all().delete()
        CustomerAddress.objects.bulk_create(CustomerAddress(customer=customer, **row) for row in nested.addresses)
    if nested.dates is not None:
        customer.important_dates.all().delete()
        ImportantDate.objects.bulk_create(ImportantDate(customer=customer, **row) for row in nested.dates)
    if nested.tags is not None:
        customer.tags.all().delete()
        CustomerTag.objects.bulk_create(CustomerTag(customer=customer, name=name) for name in nested.tags)
