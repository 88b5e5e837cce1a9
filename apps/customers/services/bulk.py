"""Customers in bulk (a file import): many rows at once with the rules of one customer.

Each row goes through the same checks as :func:`customer_create` — ``apply_fields`` (the phone
in E.164, the model's own rules) and ``clean_nested`` (addresses, dates, tags) — and the
writes are batched: one look-up of the batch's phones (main and extra), one insert of the new
customers and one of their nested rows, one update of the changed ones. A customer is found by
their phone: a known one only gets blanks filled (``update=True``: the file's non-blank values
win), and tags, an address and a date it does not have yet are added — so importing the same
rows again changes nothing.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext

from apps.customers.constants import MAX_NOTES
from apps.customers.models import Customer, CustomerAddress, CustomerPhone, CustomerTag, ImportantDate, tag_key
from apps.customers.services.edit import NOT_VALIDATED, apply_fields, customer_input
from apps.customers.services.nested import clean_nested, clean_tags
from flowercrm.bulk import bulk_insert, bulk_insert_values
from flowercrm.errors import Invalid
from flowercrm.phone import normalize_phone
from flowercrm.search import fold
from flowercrm.updates import values_validate

if TYPE_CHECKING:
    from apps.shops.models import Shop

CREATED, UPDATED, UNCHANGED = "created", "updated", "unchanged"
# The customer's own text fields a row may carry (blanks are never written over a value).
ROW_FIELDS = ("name", "email", "notes", "source")

Outcome = str | dict[str, Any]


@dataclass
class _Pending:
    """A row being applied: its customer (new or found) and the nested rows to add."""

    index: int
    customer: Customer
    created: bool
    fields: list[str] = field(default_factory=list)
    tags: list[str] = field(default_factory=list)
    addresses: list[CustomerAddress] = field(default_factory=list)
    dates: list[ImportantDate] = field(default_factory=list)


@transaction.atomic
def customers_import(*, shop: Shop, rows: Sequence[Mapping[str, Any]], update: bool = False) -> list[Outcome]:
    """Apply ``rows`` — ``{"phone", "name"?, "email"?, "notes"?, "source"?, "tags"?: [str],
    "address"?: str, "date"?: (day, month), "date_title"?: str}`` — to the customers of
    ``shop``; answers, per row, ``"created"``, ``"updated"``, ``"unchanged"`` or the row's
    errors by field (that row writes nothing). A phone met twice in ``rows`` is applied in
    order: the later row updates the customer the earlier one made.

    The phone's advisory lock of single edits is not taken (a big file would exhaust the
    lock table); the unique index on the main phone still refuses a concurrent duplicate
    (an ``IntegrityError`` the caller retries row by row)."""
    outcomes: list[Outcome] = [UNCHANGED] * len(rows)
    phones: list[str | None] = []
    for index, row in enumerate(rows):
        try:
            phones.append(normalize_phone(row.get("phone") or ""))
        except ValidationError as exc:
            phones.append(None)
            outcomes[index] = {"phone": list(exc.messages)}
    # Rounds in which each phone appears once: a repeated phone sees the earlier row's result.
    rounds: list[list[int]] = []
    seen: dict[str, int] = {}
    for index, phone in enumerate(phones):
        if phone is None:
            continue
        round_no = seen.get(phone, 0)
        seen[phone] = round_no + 1
        while len(rounds) <= round_no:
            rounds.append([])
        rounds[round_no].append(index)
    for indexes in rounds:
        _apply_round(shop, rows, phones, indexes, outcomes, update=update)
    return outcomes


def _apply_round(
    shop: Shop,
    rows: Sequence[Mapping[str, Any]],
    phones: list[str | None],
    indexes: list[int],
    outcomes: list[Outcome],
    *,
    update: bool,
) -> None:
    wanted = {phones[i] for i in indexes}
    known = {
        c.phone: c
        for c in Customer.objects.filter(shop=shop, phone__in=wanted).prefetch_related(
            "tags", "addresses", "important_dates"
        )
    }
    extra_owner = dict(
        CustomerPhone.objects.filter(shop=shop, phone__in=wanted - set(known)).values_list("phone", "customer_id")
    )
    if extra_owner:
        owners = Customer.objects.filter(shop=shop, pk__in=set(extra_owner.values())).prefetch_related(
            "tags", "addresses", "important_dates"
        )
        by_id = {c.pk: c for c in owners}
        known |= {phone: by_id[owner] for phone, owner in extra_owner.items() if owner in by_id}

    pending: list[_Pending] = []
    deferred: list[int] = []
    touched: set[int] = set()
    for index in indexes:
        phone = phones[index] or ""  # rounds hold rows with a valid phone only
        found = known.get(phone)
        if found is not None and found.pk in touched:
            deferred.append(index)  # a main and an extra phone of one customer: one after the other
            continue
        if found is not None:
            touched.add(found.pk)
        try:
            pending.append(_prepare(shop, rows[index], phone, index, found, update=update))
        except Invalid as exc:
            outcomes[index] = _errors(exc)

    _write(pending)
    for item in pending:
        changed = item.created or item.fields or item.tags or item.addresses or item.dates
        outcomes[item.index] = CREATED if item.created else (UPDATED if changed else UNCHANGED)
    if deferred:
        _apply_round(shop, rows, phones, deferred, outcomes, update=update)


def _errors(exc: Invalid) -> dict[str, Any]:
    errors: dict[str, Any] = exc.extra.get("errors") or {"non_field_errors": [exc.detail]}
    return errors


def _prepare(
    shop: Shop, row: Mapping[str, Any], phone: str, index: int, customer: Customer | None, *, update: bool
) -> _Pending:
    """Check one row against its customer (``None``: a new one) and say what to write."""
    values = {f: row[f] for f in ROW_FIELDS if isinstance(row.get(f), str) and row[f].strip()}
    if len(values.get("notes", "")) > MAX_NOTES:
        raise Invalid({"notes": [gettext("At most %(limit)s characters.") % {"limit": MAX_NOTES}]})
    if customer is None:
        # The phone is already normalised (and looked up) by ``customers_import``; the row is
        # checked as ``apply_fields`` checks it (``values_validate`` is ``model_validate``
        # without building the row twice).
        data = values_validate(Customer, {**customer_input(values), "phone": phone}, exclude=NOT_VALIDATED)
        item = _Pending(index=index, customer=Customer(shop=shop, **data), created=True)
    else:
        item = _Pending(index=index, customer=customer, created=False)
        changes = {
            f: v for f, v in values.items() if (update or not getattr(customer, f)) and getattr(customer, f) != v
        }
        if changes:
            apply_fields(customer, changes, check_phone=False)
            item.fields = list(changes)
    _prepare_nested(item, row)
    return item


def _prepare_nested(item: _Pending, row: Mapping[str, Any]) -> None:
    customer = item.customer
    have_tags = [] if item.created else [t.name for t in customer.tags.all()]
    have_addresses = [] if item.created else list(customer.addresses.all())
    have_dates = [] if item.created else list(customer.important_dates.all())
    nested: dict[str, Any] = {}
    new_tags = [t for t in row.get("tags") or [] if tag_key(t) not in {tag_key(h) for h in have_tags}]
    if new_tags:
        nested["tags"] = have_tags + new_tags  # the limits hold for the customer's whole list
    address = (row.get("address") or "").strip()
    if address and fold(address) not in {fold(a.address) for a in have_addresses}:
        nested["addresses"] = [{"address": address, "is_default": not have_addresses}]
    date, title = row.get("date"), (row.get("date_title") or "").strip()
    if date or title:
        day, month = date or (None, None)
        if not any((d.day, d.month, fold(d.title)) == (day, month, fold(title)) for d in have_dates):
            nested["important_dates"] = [{"day": day, "month": month, "title": title}]
    if not nested:
        return
    cleaned = clean_nested(nested)
    if cleaned.tags is not None:
        known = {tag_key(h) for h in have_tags}
        item.tags = [t for t in clean_tags(cleaned.tags) if tag_key(t) not in known]
    item.addresses = cleaned.addresses or []
    item.dates = cleaned.dates or []


def _write(pending: list[_Pending]) -> None:
    now = timezone.now()
    new = [item.customer for item in pending if item.created]
    for customer in new:
        customer.search_text = customer.compute_search_text()
    with transaction.atomic():  # a savepoint: a concurrent duplicate leaves the outer transaction usable
        bulk_insert(Customer, new)
    changed = [item for item in pending if item.fields]
    for item in changed:
        item.customer.search_text = item.customer.compute_search_text()
        item.customer.updated_at = now
    fields = sorted({f for item in changed for f in item.fields})
    if changed:
        Customer.objects.bulk_update(
            [item.customer for item in changed], [*fields, "search_text", "updated_at"], batch_size=500
        )
    tags: list[dict[str, Any]] = []
    addresses: list[CustomerAddress] = []
    dates: list[ImportantDate] = []
    for item in pending:
        tags += [{"customer_id": item.customer.pk, "name": name} for name in item.tags]
        for address in item.addresses:
            address.customer = item.customer
            addresses.append(address)
        for date in item.dates:
            date.customer = item.customer
            dates.append(date)
    bulk_insert_values(CustomerTag, tags)
    bulk_insert(CustomerAddress, addresses)
    bulk_insert(ImportantDate, dates)
