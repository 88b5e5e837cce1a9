"""The customer side of a merge (the order side, which moves the orders between the two
steps, is ``apps.orders.customers.customer_merge``)."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext

from apps.customers.constants import MAX_ADDRESSES, MAX_DATES, MAX_TAGS
from apps.customers.models import Customer, CustomerAddress, CustomerPhone, CustomerTag, ImportantDate, tag_key
from apps.customers.services.phones import lock_phones
from flowercrm.errors import Conflict, Invalid
from flowercrm.locking import lock_rows
from flowercrm.updates import model_update

if TYPE_CHECKING:
    from apps.shops.models import Shop


@dataclass
class MergePlan:
    """Two customers of one shop locked for a merge and what moves from ``merge`` to ``keep``
    (checked against the limits; nothing written yet)."""

    keep: Customer
    merge: Customer
    addresses: list[CustomerAddress] = field(default_factory=list)
    dates: list[ImportantDate] = field(default_factory=list)
    tags: list[str] = field(default_factory=list)


def customer_merge_plan(*, shop: Shop, keep: Customer, merge: Customer) -> MergePlan:
    """Lock ``keep`` and ``merge`` (customers of ``shop``, in id order) and work out what
    moves. Same ids or another shop's customer: ``Invalid``; either one merged away or
    deleted by a concurrent request: ``Conflict``; a result over the limits (20 addresses,
    50 dates, 20 tags): ``Conflict``. Writes nothing; the locks are the caller's transaction's
    (outside one, ``select_for_update`` refuses to run)."""
    if keep.pk == merge.pk:
        raise Invalid({"merge_id": [gettext("A customer cannot be merged with itself.")]})
    errors = {
        key: [gettext("Customer not found.")]
        for key, customer in (("keep_id", keep), ("merge_id", merge))
        if customer.shop_id != shop.pk
    }
    if errors:
        raise Invalid(errors)
    locked = lock_rows(
        Customer.objects.filter(shop=shop),
        [keep.pk, merge.pk],
        vanished=Conflict(
            gettext("The customer has just been merged with another one or deleted; reload and try again.")
        ),
    )
    keep, merge = locked[keep.pk], locked[merge.pk]
    return MergePlan(
        keep=keep,
        merge=merge,
        addresses=_merge_addresses(keep, merge),
        dates=_merge_dates(keep, merge),
        tags=_merge_tags(keep, merge),
    )


@transaction.atomic
def customer_absorb(*, plan: MergePlan) -> Customer:
    """Fold ``plan.merge`` into ``plan.keep`` and delete ``plan.merge`` (whose orders the
    caller has moved to ``keep``: they refer to it with ``PROTECT``).

    Addresses and dates move (exact duplicates dropped; ``keep``'s default address stays the
    default); tags are united case-insensitively; ``merge``'s notes are appended with a line
    recording its phone; ``keep``'s blank name, email and source are filled from ``merge``;
    ``merge``'s phone and extra phones become extra phones of ``keep``."""
    keep, merge = plan.keep, plan.merge
    lock_phones(keep.shop_id, [merge.phone])
    if any(a.is_default for a in keep.addresses.all()):
        CustomerAddress.objects.filter(pk__in=[a.pk for a in plan.addresses if a.is_default]).update(is_default=False)
    if plan.addresses:
        CustomerAddress.objects.filter(pk__in=[a.pk for a in plan.addresses]).update(customer=keep)
    if plan.dates:
        ImportantDate.objects.filter(pk__in=[d.pk for d in plan.dates]).update(customer=keep)
    CustomerTag.objects.bulk_create(CustomerTag(customer=keep, name=name) for name in plan.tags)
    # The merged phone keeps finding the kept customer (order intake, search); its own extra
    # phones come along. The row goes first: the phone is unique among main and extra phones.
    CustomerPhone.objects.filter(customer=merge).update(customer=keep, updated_at=timezone.now())

    blanks = {f: getattr(merge, f) for f in ("name", "email", "source") if not getattr(keep, f) and getattr(merge, f)}
    model_update(instance=keep, fields=blanks, data=blanks, validate=False, save=False)
    if merge.name:
        trace = gettext("Merged with customer %(phone)s (%(name)s).") % {"phone": merge.phone, "name": merge.name}
    else:
        trace = gettext("Merged with customer %(phone)s.") % {"phone": merge.phone}
    keep.notes = "\n\n".join(part for part in (keep.notes.strip(), merge.notes.strip(), trace) if part)
    merged_phone = merge.phone
    merge.delete()
    CustomerPhone.objects.create(shop_id=keep.shop_id, customer=keep, phone=merged_phone)
    keep.save()
    return keep


def _address_key(address: CustomerAddress) -> tuple[str, ...]:
    return tuple(
        " ".join(str(getattr(address, f)).casefold().split()) for f in ("address", "entrance", "floor", "intercom")
    )


def _merge_addresses(keep: Customer, merge: Customer) -> list[CustomerAddress]:
    """``merge``'s addresses that ``keep`` lacks."""
    kept = list(keep.addresses.all())
    known = {_address_key(a) for a in kept}
    moving = []
    for address in merge.addresses.order_by("-is_default", "id"):
        if _address_key(address) not in known:
            known.add(_address_key(address))
            moving.append(address)
    if len(kept) + len(moving) > MAX_ADDRESSES:
        raise Conflict(
            gettext("After the merge the customer would have more than %(limit)s addresses; delete some.")
            % {"limit": MAX_ADDRESSES}
        )
    return moving


def _merge_dates(keep: Customer, merge: Customer) -> list[ImportantDate]:
    kept = list(keep.important_dates.all())
    known = {(d.day, d.month, d.title.casefold().strip()) for d in kept}
    moving = []
    for date in merge.important_dates.all():
        key = (date.day, date.month, date.title.casefold().strip())
        if key not in known:
            known.add(key)
            moving.append(date)
    if len(kept) + len(moving) > MAX_DATES:
        raise Conflict(
            gettext("After the merge the customer would have more than %(limit)s dates; delete some.")
            % {"limit": MAX_DATES}
        )
    return moving


def _merge_tags(keep: Customer, merge: Customer) -> list[str]:
    known = {tag_key(t) for t in keep.tags.values_list("name", flat=True)}
    count = len(known)
    new = []
    for name in merge.tags.values_list("name", flat=True):
        if tag_key(name) not in known:
            known.add(tag_key(name))
            new.append(name)
    if count + len(new) > MAX_TAGS:
        raise Conflict(
            gettext("After the merge the customer would have more than %(limit)s tags; delete some.")
            % {"limit": MAX_TAGS}
        )
    return new
