"""Every write to suppliers: names unique in a shop regardless of case, phones in E.164."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.utils.translation import gettext

from apps.shops.models import Shop
from apps.supplies.constants import NOTES_MAX_LENGTH
from apps.supplies.models import Supplier, supplier_name_key
from flowercrm.errors import Invalid
from flowercrm.locking import lock_row
from flowercrm.phone import normalize_phone
from flowercrm.updates import model_update, model_validate

SUPPLIER_FIELDS = ("name", "phone", "notes")
# Computed by the model on save; the shop is the caller's.
SUPPLIER_NOT_VALIDATED = ("shop", "name_key", "search_text")


def clean_notes(value: Any) -> str:
    """Notes are free text with the API's bound (a text column has none of its own)."""
    notes = str(value or "")
    if len(notes) > NOTES_MAX_LENGTH:
        raise Invalid({"notes": [gettext("At most %(limit)s characters.") % {"limit": NOTES_MAX_LENGTH}]})
    return notes


def _supplier_values(data: Mapping[str, Any]) -> dict[str, Any]:
    """The input as stored: the name's whitespace collapsed, the phone in E.164."""
    values: dict[str, Any] = {}
    if "name" in data:
        values["name"] = " ".join(str(data["name"] or "").split())
        if not values["name"]:
            raise Invalid({"name": [gettext("Give the supplier's name.")]})
    if "phone" in data:
        phone = str(data["phone"] or "").strip()
        try:
            values["phone"] = normalize_phone(phone) if phone else ""
        except ValidationError as exc:
            raise Invalid({"phone": exc.messages}) from None
    if "notes" in data:
        values["notes"] = clean_notes(data["notes"])
    return values


def _new_supplier(*, shop: Shop, data: Mapping[str, Any]) -> Supplier:
    """An unsaved, validated supplier of ``shop`` (the name is required)."""
    supplier = Supplier(shop=shop)
    model_update(
        instance=supplier,
        fields=SUPPLIER_FIELDS,
        data=_supplier_values({"name": "", **data}),
        validate=False,
        save=False,
    )
    model_validate(supplier, exclude=SUPPLIER_NOT_VALIDATED)
    return supplier


def _ensure_supplier_name_free(*, shop: Shop, name: str, exclude_pk: int | None = None) -> None:
    taken = Supplier.objects.filter(shop=shop, name_key=supplier_name_key(name))
    if exclude_pk is not None:
        taken = taken.exclude(pk=exclude_pk)
    if taken.exists():
        raise Invalid({"name": [gettext("A supplier with this name already exists.")]})


@transaction.atomic
def supplier_create(*, shop: Shop, data: Mapping[str, Any]) -> Supplier:
    """A new supplier of ``shop``; its name is unique in the shop regardless of case (400)."""
    supplier = _new_supplier(shop=shop, data=data)
    _ensure_supplier_name_free(shop=shop, name=supplier.name)
    supplier.save()
    return supplier


@transaction.atomic
def supplier_update(*, supplier: Supplier, data: Mapping[str, Any]) -> Supplier:
    """Rename a supplier or change its phone and notes (the name stays unique, 400)."""
    supplier = lock_row(Supplier.objects.all(), supplier.pk)
    values = _supplier_values(data)
    if "name" in values:
        _ensure_supplier_name_free(shop=supplier.shop, name=values["name"], exclude_pk=supplier.pk)
    model_update(instance=supplier, fields=SUPPLIER_FIELDS, data=values, exclude_validation=SUPPLIER_NOT_VALIDATED)
    return supplier


def supplier_get_or_create(*, shop: Shop, name: str) -> Supplier:
    """The shop's supplier with this name (case-insensitively), created when there is none.
    Two requests creating the same name at once end with one supplier."""
    supplier = _new_supplier(shop=shop, data={"name": name})
    key = supplier_name_key(supplier.name)
    found = Supplier.objects.filter(shop=shop, name_key=key).first()
    if found is not None:
        return found
    try:
        with transaction.atomic():  # a savepoint: the unique constraint decides a race
            supplier.save()
            return supplier
    except IntegrityError:
        return Supplier.objects.get(shop=shop, name_key=key)
