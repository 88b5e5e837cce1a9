"""Create, edit and delete a customer (the edit as the back office makes it, with the
customer's orders re-indexed, is ``apps.orders.customers.customer_update``)."""

from __future__ import annotations

from collections.abc import Mapping
from typing import TYPE_CHECKING, Any

from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.db.models import ProtectedError
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from apps.customers.models import Customer, CustomerPhone
from apps.customers.services.nested import STRIPPED, clean_nested, replace_nested
from apps.customers.services.phones import (
    clean_extra_phones,
    lock_phones,
    new_phones,
    phone_taken,
    replace_extra_phones,
)
from flowercrm.errors import Invalid, NotFound, Protected
from flowercrm.locking import lock_row
from flowercrm.phone import normalize_phone
from flowercrm.updates import model_update, model_validate

if TYPE_CHECKING:
    from apps.shops.models import Shop

CUSTOMER_FIELDS = ("phone", "name", "email", "notes", "source")
# The shop is the caller's; ``search_text`` is computed on save.
NOT_VALIDATED = ("shop", "search_text")
# A customer edited or deleted while another request merged it away or deleted it.
VANISHED = _("Customer not found: it was deleted or merged with another one.")
HAS_ORDERS = _("The customer has orders and cannot be deleted (merge it with another customer).")


@transaction.atomic
def customer_create(*, shop: Shop, data: Mapping[str, Any]) -> Customer:
    """Create a customer of ``shop`` with its ``addresses``, ``important_dates`` and ``tags``.

    The phone is stored in E.164 and is unique within the shop: a duplicate — also one
    inserted concurrently — is ``Invalid`` on ``phone``. Anything invalid raises ``Invalid``
    with errors shaped like ``data`` and writes nothing.
    """
    if not data.get("phone"):
        raise Invalid({"phone": [gettext("Give a phone.")]})
    customer = Customer(shop=shop)
    lock_phones(shop.pk, new_phones(customer, data))
    apply_fields(customer, data)
    nested = clean_nested(data)
    extra = clean_extra_phones(customer, data)
    _save_customer(customer)
    replace_nested(customer, nested)
    if extra:
        replace_extra_phones(customer, extra)
        customer.save(update_fields=["updated_at"])  # search_text now has the extra phones
    return customer


@transaction.atomic
def customer_update(*, customer: Customer, data: Mapping[str, Any]) -> Customer:
    """Change the fields given in ``data``; ``addresses``, ``important_dates``, ``tags`` and
    ``extra_phones``, when given, replace the customer's current ones. Same guarantees as
    ``customer_create``. A customer deleted or merged away meanwhile is ``NotFound`` (404).
    Making one of the customer's extra phones the main phone drops it from the extras.

    The customer's orders keep the old name and phone in their search index: the back office
    edits through ``apps.orders.customers.customer_update``, which re-indexes them."""
    customer = lock_row(Customer.objects.all(), customer.pk, vanished=NotFound(str(VANISHED)))
    if "phone" in data and not data["phone"]:
        raise Invalid({"phone": [gettext("Give a phone.")]})
    lock_phones(customer.shop_id, new_phones(customer, data))
    apply_fields(customer, data)
    nested = clean_nested(data)
    extra = clean_extra_phones(customer, data)
    CustomerPhone.objects.filter(customer=customer, phone=customer.phone).delete()
    if extra is not None:
        replace_extra_phones(customer, extra)
    _save_customer(customer)
    replace_nested(customer, nested)
    return customer


def customer_input(data: Mapping[str, Any]) -> dict[str, Any]:
    """The customer's own fields of ``data`` as stored: the phone in E.164, text stripped,
    ``None`` as blank. Anything else than a string is ``Invalid`` on its field."""
    values: dict[str, Any] = {}
    errors: dict[str, list[str]] = {}
    for name in CUSTOMER_FIELDS:
        if name not in data:
            continue
        value = data[name]
        if name == "phone":
            try:
                values[name] = normalize_phone(value)
            except ValidationError as exc:
                errors[name] = list(exc.messages)
        elif value is None:
            values[name] = ""
        elif isinstance(value, str):
            values[name] = value.strip() if name in STRIPPED else value
        else:
            errors[name] = [gettext("A string is expected.")]
    if errors:
        raise Invalid(errors)
    return values


def apply_fields(customer: Customer, data: Mapping[str, Any], *, check_phone: bool = True) -> None:
    """Apply and validate the customer's own fields (not saved); the phone must be free."""
    model_update(instance=customer, fields=CUSTOMER_FIELDS, data=customer_input(data), validate=False, save=False)
    # Always validated (not only what changed): the row is written whole.
    model_validate(customer, exclude=NOT_VALIDATED)
    if check_phone:
        error = phone_taken(shop_id=customer.shop_id, phone=customer.phone, customer=customer)
        if error:
            raise Invalid({"phone": [error]})


def _save_customer(customer: Customer) -> None:
    """Save; a concurrent insert of the same phone is the same 400 as a known duplicate."""
    try:
        with transaction.atomic():  # a savepoint: the outer transaction stays usable
            customer.save()
    except IntegrityError:
        error = phone_taken(shop_id=customer.shop_id, phone=customer.phone, customer=customer)
        if error:
            raise Invalid({"phone": [error]}) from None
        raise


# --- delete ----------------------------------------------------------------------------------


@transaction.atomic
def customer_delete(*, customer: Customer) -> None:
    """Delete a customer with their addresses, dates and tags. A customer with orders is
    kept: ``Protected`` (409 ``protected``; orders refer to their buyer with ``PROTECT``).
    A customer deleted or merged away meanwhile is ``NotFound`` (404)."""
    customer = lock_row(Customer.objects.all(), customer.pk, vanished=NotFound(str(VANISHED)))
    try:
        with transaction.atomic():
            customer.delete()
    except (ProtectedError, IntegrityError):
        raise Protected(str(HAS_ORDERS)) from None
