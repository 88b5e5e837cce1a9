"""Phones of customers: unique within a shop among main and extra phones together."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any

from django.core.exceptions import ValidationError
from django.db import IntegrityError, connection, transaction
from django.utils.translation import gettext_lazy as _

from apps.customers.constants import MAX_EXTRA_PHONES
from apps.customers.models import Customer, CustomerPhone
from apps.customers.services.nested import as_list
from flowercrm.errors import Invalid
from flowercrm.phone import normalize_phone, try_normalize_phone

DUPLICATE_PHONE = _("A customer with this phone already exists.")
EXTRA_PHONE_TAKEN = _("This phone is an extra phone of another customer.")


def phone_taken(*, shop_id: int, phone: str, customer: Customer | None = None) -> str | None:
    """Why ``phone`` cannot be a phone of ``customer`` (``None``: a new one) in the shop —
    another customer has it as their main or extra phone — or ``None`` when it is free.
    Main and extra phones are unique together within a shop."""
    mains = Customer.objects.filter(shop_id=shop_id, phone=phone)
    extras = CustomerPhone.objects.filter(shop_id=shop_id, phone=phone)
    if customer is not None and customer.pk is not None:
        mains, extras = mains.exclude(pk=customer.pk), extras.exclude(customer_id=customer.pk)
    if mains.exists():
        return str(DUPLICATE_PHONE)
    if extras.exists():
        return str(EXTRA_PHONE_TAKEN)
    return None


def lock_phones(shop_id: int, phones: Iterable[str]) -> None:
    """Serialise the writers that make a phone someone's main or extra phone in the shop.

    The two kinds live in two tables, each with its own unique index, so the database alone
    lets a new customer with phone P and another customer's new extra phone P both commit.
    Every such writer takes this lock (PostgreSQL, until the transaction ends) before
    ``phone_taken`` and writes under it; the second one waits and then sees the first.
    Phones are locked sorted, once per service call, so two writers never deadlock.
    """
    if connection.vendor != "postgresql":
        return
    with connection.cursor() as cursor:
        for phone in sorted(set(phones)):
            cursor.execute("SELECT pg_advisory_xact_lock(hashtextextended(%s, 0))", [f"customers:{shop_id}:{phone}"])


def new_phones(customer: Customer, data: Mapping[str, Any]) -> set[str]:
    """The phones ``data`` makes the customer's that are not theirs yet (what to lock)."""
    if "phone" not in data and "extra_phones" not in data:
        return set()
    given = [data["phone"]] if data.get("phone") else []
    if isinstance(data.get("extra_phones"), (list, tuple)):
        given += list(data["extra_phones"])
    known = {customer.phone}
    if customer.pk is not None:
        known |= set(CustomerPhone.objects.filter(customer=customer).values_list("phone", flat=True))
    return {phone for phone in map(try_normalize_phone, given) if phone} - known


def clean_extra_phones(customer: Customer, data: Mapping[str, Any]) -> list[str] | None:
    """``data["extra_phones"]`` normalised, without duplicates and the main phone (``None``:
    not given). Each must be free in the shop (``phone_taken``)."""
    if "extra_phones" not in data:
        return None
    items = as_list(data["extra_phones"], MAX_EXTRA_PHONES) if data["extra_phones"] is not None else []
    phones: list[str] = []
    errors: list[str] = []
    for raw in items:
        try:
            phone = normalize_phone(raw)
        except ValidationError as exc:
            errors.extend(exc.messages)
            continue
        taken = phone_taken(shop_id=customer.shop_id, phone=phone, customer=customer)
        if taken:
            errors.append(f"{phone}: {taken}")
        elif phone != customer.phone and phone not in phones:
            phones.append(phone)
    if errors:
        raise Invalid({"extra_phones": errors})
    return phones


def replace_extra_phones(customer: Customer, phones: list[str]) -> None:
    """Make ``phones`` the customer's extra phones (rows kept where they match). Needs a
    saved customer; a phone taken concurrently is the same 400 as a known one."""
    CustomerPhone.objects.filter(customer=customer).exclude(phone__in=phones).delete()
    known = set(CustomerPhone.objects.filter(customer=customer).values_list("phone", flat=True))
    try:
        with transaction.atomic():
            CustomerPhone.objects.bulk_create(
                CustomerPhone(shop_id=customer.shop_id, customer=customer, phone=p) for p in phones if p not in known
            )
    except IntegrityError:
        raise Invalid({"extra_phones": [str(EXTRA_PHONE_TAKEN)]}) from None
