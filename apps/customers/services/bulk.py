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
from flowercrm.bulk import bulk_insert_values
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
    customer: Customer | None  # ``None``: a new one, written from ``values``
    values: dict[str, Any] = field(default_factory=dict)
    customer_id: int | None = None
    fields: list[str] = field(default_factory=list)
    tags: list[str] = field(default_factory=list)
    addresses: list[dict[str, Any]] = field(default_factory=list)
    dates: list[dict[str, Any]] = field(default_factory=list)

    @property
    def created(self) -> bool:
        return self.customer is None


@dataclass
class _Have:
    """A found customer's tags (in their order), addresses and dates ``(day, month, title)``."""

    tags: list[str] = field(default_factory=list)
    addresses: list[str] = field(default_factory=list)
    dates: list[tuple[int, int, str]] = field(default_factory=list)


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
    known = {c.phone: c for c in Customer.objects.filter(shop=shop, phone__in=wanted)}
    extra_owner = dict(
        CustomerPhone.objects.filter(shop=shop, phone__in=wanted - set(known)).values_list("phone", "customer_id")
    )
    if extra_owner:
        owners = Customer.objects.filter(shop=shop, pk__in=set(extra_owner.values()))
        by_id = {c.pk: c for c in owners}
        known |= {phone: by_id[owner] for phone, owner in extra_owner.items() if owner in by_id}
    have = _nested_of({c.pk for c in known.values()})

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
            pending.append(_prepare(shop, rows[index], phone, index, found, have, update=update))
        except Invalid as exc:
            outcomes[index] = _errors(exc)

    _write(shop, pending)
    for item in pending:
        changed = item.created or item.fields or item.tags or item.addresses or item.dates
        outcomes[item.index] = CREATED if item.created else (UPDATED if changed else UNCHANGED)
    if deferred:
        _apply_round(shop, rows, phones, deferred, outcomes, update=update)


def _errors(exc: Invalid) -> dict[str, Any]:
    errors: dict[str, Any] = exc.extra.get("errors") or {"non_field_errors": [exc.detail]}
    return errors


def _nested_of(customer_ids: set[int]) -> dict[int, _Have]:
    """What the found customers have: one query per kind (not ``prefetch_related``, whose
    per-customer querysets cost more than the rows)."""
    have: dict[int, _Have] = {pk: _Have() for pk in customer_ids}
    if not customer_ids:
        return have
    for customer_id, name in CustomerTag.objects.filter(customer_id__in=customer_ids).values_list(
        "customer_id", "name"
    ):
        have[customer_id].tags.append(name)
    for customer_id, address in CustomerAddress.objects.filter(customer_id__in=customer_ids).values_list(
        "customer_id", "address"
    ):
        have[customer_id].addresses.append(address)
    for customer_id, day, month, title in ImportantDate.objects.filter(customer_id__in=customer_ids).values_list(
        "customer_id", "day", "month", "title"
    ):
        have[customer_id].dates.append((day, month, title))
    return have


def _prepare(
    shop: Shop,
    row: Mapping[str, Any],
    phone: str,
    index: int,
    customer: Customer | None,
    have: Mapping[int, _Have],
    *,
    update: bool,
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
        item = _Pending(index=index, customer=None, values=data)
    else:
        item = _Pending(index=index, customer=customer, customer_id=customer.pk)
        changes = {
            f: v for f, v in values.items() if (update or not getattr(customer, f)) and getattr(customer, f) != v
        }
        if changes:
            apply_fields(customer, changes, check_phone=False)
            item.fields = list(changes)
    _prepare_nested(item, row, _Have() if customer is None else have[customer.pk])
    return item


def _prepare_nested(item: _Pending, row: Mapping[str, Any], have: _Have) -> None:
    have_tags, have_addresses, have_dates = have.tags, have.addresses, have.dates
    nested: dict[str, Any] = {}
    new_tags = [t for t in row.get("tags") or [] if tag_key(t) not in {tag_key(h) for h in have_tags}]
    if new_tags:
        nested["tags"] = have_tags + new_tags  # the limits hold for the customer's whole list
    address = (row.get("address") or "").strip()
    if address and fold(address) not in {fold(a) for a in have_addresses}:
        nested["addresses"] = [{"address": address, "is_default": not have_addresses}]
    date, title = row.get("date"), (row.get("date_title") or "").strip()
    if date or title:
        day, month = date or (None, None)
        if not any((d, m, fold(t)) == (day, month, fold(title)) for d, m, t in have_dates):
            nested["important_dates"] = [{"day": day, "month": month, "title": title}]
    if not nested:
        return
    cleaned = clean_nested(nested)
    if cleaned.tags is not None:
        known = {tag_key(h) for h in have_tags}
        item.tags = [t for t in clean_tags(cleaned.tags) if tag_key(t) not in known]
    item.addresses = cleaned.addresses or []
    item.dates = cleaned.dates or []


def _write(shop: Shop, pending: list[_Pending]) -> None:
    now = timezone.now()
    new = [item for item in pending if item.created]
    rows = [
        {
            **item.values,
            "shop_id": shop.pk,
            "search_text": Customer.search_text_of(item.values, [item.values["phone"]]),
        }
        for item in new
    ]
    with transaction.atomic():  # a savepoint: a concurrent duplicate leaves the outer transaction usable
        ids = bulk_insert_values(Customer, rows)
    for item, pk in zip(new, ids, strict=True):
        item.customer_id = pk
    changed = [item.customer for item in pending if item.fields and item.customer is not None]
    for customer in changed:
        customer.search_text = customer.compute_search_text()
        customer.updated_at = now
    fields = sorted({f for item in pending for f in item.fields})
    if changed:
        Customer.objects.bulk_update(changed, [*fields, "search_text", "updated_at"], batch_size=500)
    bulk_insert_values(
        CustomerTag, [{"customer_id": item.customer_id, "name": name} for item in pending for name in item.tags]
    )
    bulk_insert_values(
        CustomerAddress, [{**row, "customer_id": item.customer_id} for item in pending for row in item.addresses]
    )
    bulk_insert_values(
        ImportantDate, [{**row, "customer_id": item.customer_id} for item in pending for row in item.dates]
    )
