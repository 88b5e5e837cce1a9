"""The find-or-create of a customer by phone that order intake calls."""

from __future__ import annotations

from collections.abc import Mapping
from typing import TYPE_CHECKING

from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.db.models import Q

from apps.customers.models import Customer, CustomerPhone
from apps.customers.services.edit import VANISHED, apply_fields
from apps.customers.services.phones import lock_phones
from flowercrm.errors import Conflict, Invalid
from flowercrm.locking import lock_row
from flowercrm.phone import normalize_phone

if TYPE_CHECKING:
    from apps.shops.models import Shop


def _find_by_phone(shop: Shop, phone: str) -> Customer | None:
    """The customer with ``phone`` as their main or an extra phone, locked (one query: a phone
    is unique across both in a shop)."""
    extra = CustomerPhone.objects.filter(shop=shop, phone=phone).values("customer_id")
    return Customer.objects.select_for_update().filter(shop=shop).filter(Q(phone=phone) | Q(pk__in=extra)).first()


def _insert_for_intake(shop: Shop, phone: str, values: Mapping[str, str]) -> Customer | None:
    """A new customer with ``phone``, or ``None`` when another request inserted it first."""
    customer = Customer(shop=shop, phone=phone)
    apply_fields(customer, values, check_phone=False)
    try:
        with transaction.atomic():
            customer.save()
    except IntegrityError:
        return None
    return customer


def customer_upsert_by_phone(*, shop: Shop, phone: str, name: str = "", email: str = "", source: str = "") -> Customer:
    """The customer of ``shop`` with this phone (any common format) as their main or an
    extra phone (e.g. the phone of a duplicate merged into them), created if unknown.

    A known customer only gets blanks filled: a name, email or source already recorded is
    never overwritten. Safe under concurrent calls with one phone (one row, no error).
    Order intake calls this inside its own transaction.
    """
    try:
        phone = normalize_phone(phone)
    except ValidationError as exc:
        raise Invalid({"phone": list(exc.messages)}) from None
    return _upsert(shop=shop, phone=phone, name=name, email=email, source=source)


# No savepoint of its own (two statements fewer per order intake, issue 17): its callers (order
# intake, a history row) run it inside their own atomic block and let its errors end that
# block; called alone it is the transaction. A bad phone is refused above, before it.
@transaction.atomic(savepoint=False)
def _upsert(*, shop: Shop, phone: str, name: str, email: str, source: str) -> Customer:
    values = {"name": name, "email": email, "source": source}
    customer = _find_by_phone(shop, phone)
    if customer is None:
        # Unknown so far: look again under the phone's lock (an edit may be making it
        # someone's extra phone right now), then insert.
        lock_phones(shop.pk, [phone])
        customer = _find_by_phone(shop, phone)
    if customer is None:
        created = _insert_for_intake(shop, phone, values)
        if created is not None:
            return created
        # Another request created it between our look-up and insert: use that row.
        customer = lock_row(Customer.objects.filter(shop=shop), phone=phone, vanished=Conflict(str(VANISHED)))
    blanks = {f: value for f, value in values.items() if value and value.strip() and not getattr(customer, f)}
    if blanks:
        apply_fields(customer, blanks, check_phone=False)
        customer.save(update_fields=[*blanks, "updated_at"])
    return customer
