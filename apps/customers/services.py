"""Every write to customers: create and edit with nested addresses, dates and tags, the
find-or-create used by order intake, delete and merge."""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from typing import TYPE_CHECKING, Any

from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.db.models import ProtectedError
from django.utils import timezone

from apps.customers.models import Customer, CustomerAddress, CustomerPhone, CustomerTag, ImportantDate
from apps.orders.models import EventType, Order
from apps.orders.services import order_log_event, orders_reindex_for_customer
from flowercrm.errors import Conflict, Invalid, NotFound, Protected
from flowercrm.locking import lock_row, lock_rows
from flowercrm.phone import normalize_phone

if TYPE_CHECKING:
    from apps.accounts.models import User
    from apps.shops.models import Shop

MAX_ADDRESSES = 20
MAX_DATES = 50
MAX_TAGS = 20
MAX_TAG_LENGTH = 50
MAX_EXTRA_PHONES = 20  # what an edit may send; a merge adds beyond it

CUSTOMER_FIELDS = ("phone", "name", "email", "notes", "source")
ADDRESS_FIELDS = ("label", "address", "entrance", "floor", "intercom", "comment", "is_default")
DATE_FIELDS = ("day", "month", "title", "remind_days_before")
# Text fields the services strip (a name of spaces is no name).
_STRIPPED = {"name", "email", "label", "address", "entrance", "floor", "intercom", "title"}

DUPLICATE_PHONE = "Клиент с этим телефоном уже есть."
EXTRA_PHONE_TAKEN = "Этот телефон — дополнительный телефон другого клиента."
# A customer edited or deleted while another request merged it away or deleted it.
VANISHED = "Клиент не найден: его удалили или объединили с другим."


# --- create and edit -------------------------------------------------------------------------


@transaction.atomic
def customer_create(*, shop: Shop, data: Mapping[str, Any]) -> Customer:
    """Create a customer of ``shop`` with its ``addresses``, ``important_dates`` and ``tags``.

    The phone is stored in E.164 and is unique within the shop: a duplicate — also one
    inserted concurrently — is ``Invalid`` on ``phone``. Anything invalid raises ``Invalid``
    with errors shaped like ``data`` and writes nothing.
    """
    if not data.get("phone"):
        raise Invalid({"phone": ["Укажите телефон."]})
    customer = Customer(shop=shop)
    _apply_fields(customer, data)
    nested = _clean_nested(data)
    extra = _clean_extra_phones(customer, data)
    _save_customer(customer)
    _replace_nested(customer, nested)
    if extra:
        _replace_extra_phones(customer, extra)
        customer.save(update_fields=["updated_at"])  # search_text now has the extra phones
    return customer


@transaction.atomic
def customer_update(*, customer: Customer, data: Mapping[str, Any]) -> Customer:
    """Change the fields given in ``data``; ``addresses``, ``important_dates``, ``tags`` and
    ``extra_phones``, when given, replace the customer's current ones. Same guarantees as
    ``customer_create``. A customer deleted or merged away meanwhile is ``NotFound`` (404).
    Making one of the customer's extra phones the main phone drops it from the extras."""
    customer = lock_row(Customer.objects.all(), customer.pk, vanished=NotFound(VANISHED))
    if "phone" in data and not data["phone"]:
        raise Invalid({"phone": ["Укажите телефон."]})
    _apply_fields(customer, data)
    nested = _clean_nested(data)
    extra = _clean_extra_phones(customer, data)
    CustomerPhone.objects.filter(customer=customer, phone=customer.phone).delete()
    if extra is not None:
        _replace_extra_phones(customer, extra)
    _save_customer(customer)
    _replace_nested(customer, nested)
    orders_reindex_for_customer(customer=customer)
    return customer


def _apply_fields(customer: Customer, data: Mapping[str, Any], *, check_phone: bool = True) -> None:
    errors: dict[str, list[str]] = {}
    for field in CUSTOMER_FIELDS:
        if field not in data:
            continue
        value = data[field]
        if field == "phone":
            try:
                value = normalize_phone(value)
            except ValidationError as exc:
                errors["phone"] = list(exc.messages)
                continue
        elif value is None:
            value = ""
        elif not isinstance(value, str):
            errors[field] = ["Ожидается строка."]
            continue
        setattr(customer, field, value.strip() if field in _STRIPPED else value)
    if errors:
        raise Invalid(errors)
    _full_clean(customer, exclude=["shop", "search_text"])
    if check_phone:
        error = phone_taken(shop_id=customer.shop_id, phone=customer.phone, customer=customer)
        if error:
            raise Invalid({"phone": [error]})


def phone_taken(*, shop_id: int, phone: str, customer: Customer | None = None) -> str | None:
    """Why ``phone`` cannot be a phone of ``customer`` (``None``: a new one) in the shop —
    another customer has it as their main or extra phone — or ``None`` when it is free.
    Main and extra phones are unique together within a shop."""
    mains = Customer.objects.filter(shop_id=shop_id, phone=phone)
    extras = CustomerPhone.objects.filter(shop_id=shop_id, phone=phone)
    if customer is not None and customer.pk is not None:
        mains, extras = mains.exclude(pk=customer.pk), extras.exclude(customer_id=customer.pk)
    if mains.exists():
        return DUPLICATE_PHONE
    if extras.exists():
        return EXTRA_PHONE_TAKEN
    return None


def _clean_extra_phones(customer: Customer, data: Mapping[str, Any]) -> list[str] | None:
    """``data["extra_phones"]`` normalised, without duplicates and the main phone (``None``:
    not given). Each must be free in the shop (``phone_taken``)."""
    if "extra_phones" not in data:
        return None
    items = _as_list(data["extra_phones"], MAX_EXTRA_PHONES) if data["extra_phones"] is not None else []
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


def _replace_extra_phones(customer: Customer, phones: list[str]) -> None:
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
        raise Invalid({"extra_phones": [EXTRA_PHONE_TAKEN]}) from None


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


def _full_clean(obj: Any, *, exclude: list[str]) -> None:
    """Field rules of the model (lengths, choices, email, ``clean()``); uniqueness is checked
    by the services themselves so the error lands on the right field."""
    try:
        obj.full_clean(exclude=exclude, validate_unique=False, validate_constraints=False)
    except ValidationError as exc:
        raise Invalid(exc.message_dict) from None


class _Nested:
    """Validated nested lists (``None``: not given, keep the current rows)."""

    def __init__(self) -> None:
        self.addresses: list[CustomerAddress] | None = None
        self.dates: list[ImportantDate] | None = None
        self.tags: list[str] | None = None


def _clean_nested(data: Mapping[str, Any]) -> _Nested:
    nested = _Nested()
    errors: dict[str, Any] = {}
    for key, clean in (("addresses", _clean_addresses), ("important_dates", _clean_dates), ("tags", clean_tags)):
        if key not in data:
            continue
        try:
            setattr(nested, "dates" if key == "important_dates" else key, clean(data[key]))
        except Invalid as exc:
            errors[key] = exc.extra["errors"]["items"]
    if errors:
        raise Invalid(errors)
    return nested


def _as_list(value: Any, limit: int) -> list[Any]:
    if value is None:
        return []
    if not isinstance(value, (list, tuple)):
        raise Invalid({"items": ["Ожидается список."]})
    if len(value) > limit:
        raise Invalid({"items": [f"Не больше {limit}."]})
    return list(value)


def _build_rows(model: type[Any], fields: Sequence[str], items: Iterable[Any]) -> list[Any]:
    """Model instances for nested dicts; per-item errors come back shaped like the list."""
    rows, item_errors, failed = [], [], False
    for item in items:
        if not isinstance(item, Mapping):
            item_errors.append({"non_field_errors": ["Ожидается объект."]})
            failed = True
            continue
        values = {f: item[f] for f in fields if f in item and item[f] is not None}
        for f in _STRIPPED.intersection(values):
            if isinstance(values[f], str):
                values[f] = values[f].strip()
        row = model(**values)
        try:
            row.full_clean(exclude=["customer"], validate_unique=False, validate_constraints=False)
            item_errors.append({})
        except ValidationError as exc:
            item_errors.append(exc.message_dict)
            failed = True
        rows.append(row)
    if failed:
        raise Invalid({"items": item_errors})
    return rows


def _clean_addresses(value: Any) -> list[CustomerAddress]:
    rows: list[CustomerAddress] = _build_rows(CustomerAddress, ADDRESS_FIELDS, _as_list(value, MAX_ADDRESSES))
    if sum(1 for row in rows if row.is_default) > 1:
        raise Invalid({"items": ["Основным может быть только один адрес."]})
    return rows


def _clean_dates(value: Any) -> list[ImportantDate]:
    return _build_rows(ImportantDate, DATE_FIELDS, _as_list(value, MAX_DATES))  # type: ignore[no-any-return]


def clean_tags(value: Any) -> list[str]:
    """Tags as stored: stripped, 1..50 characters, at most 20, duplicates that differ only
    in case dropped (the first spelling wins)."""
    items = _as_list(value, MAX_TAGS)
    tags: list[str] = []
    seen: set[str] = set()
    for raw in items:
        if not isinstance(raw, str) or not raw.strip():
            raise Invalid({"items": ["Тег — непустая строка."]})
        tag = " ".join(raw.split())
        if len(tag) > MAX_TAG_LENGTH:
            raise Invalid({"items": [f"Тег не длиннее {MAX_TAG_LENGTH} символов."]})
        if tag.casefold() not in seen:
            seen.add(tag.casefold())
            tags.append(tag)
    return tags


def _replace_nested(customer: Customer, nested: _Nested) -> None:
    if nested.addresses is not None:
        customer.addresses.all().delete()
        for address in nested.addresses:
            address.customer = customer
        CustomerAddress.objects.bulk_create(nested.addresses)
    if nested.dates is not None:
        customer.important_dates.all().delete()
        for date in nested.dates:
            date.customer = customer
        ImportantDate.objects.bulk_create(nested.dates)
    if nested.tags is not None:
        customer.tags.all().delete()
        CustomerTag.objects.bulk_create(CustomerTag(customer=customer, name=name) for name in nested.tags)


# --- order intake ----------------------------------------------------------------------------


@transaction.atomic
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
    customer = Customer.objects.select_for_update().filter(shop=shop, phone=phone).first()
    if customer is None:
        owner = CustomerPhone.objects.filter(shop=shop, phone=phone).values_list("customer_id", flat=True).first()
        if owner is not None:
            customer = Customer.objects.select_for_update().filter(shop=shop, pk=owner).first()
    if customer is None:
        customer = Customer(shop=shop, phone=phone)
        _apply_fields(customer, {"name": name, "email": email, "source": source}, check_phone=False)
        try:
            with transaction.atomic():
                customer.save()
            return customer
        except IntegrityError:
            # Another request created it between our look-up and insert: use that row.
            customer = lock_row(Customer.objects.filter(shop=shop), phone=phone, vanished=Conflict(VANISHED))
    blanks = {
        field: value
        for field, value in (("name", name), ("email", email), ("source", source))
        if value and value.strip() and not getattr(customer, field)
    }
    if blanks:
        _apply_fields(customer, blanks, check_phone=False)
        customer.save(update_fields=[*blanks, "updated_at"])
    return customer


# --- delete and merge ------------------------------------------------------------------------


@transaction.atomic
def customer_delete(*, customer: Customer) -> None:
    """Delete a customer with their addresses, dates and tags. A customer with orders is
    kept: ``Protected`` (409 ``protected``). A customer deleted or merged away meanwhile is
    ``NotFound`` (404)."""
    customer = lock_row(Customer.objects.all(), customer.pk, vanished=NotFound(VANISHED))
    if Order.objects.filter(customer=customer).exists():
        raise Protected("У клиента есть заказы: его нельзя удалить (объедините его с другим клиентом).")
    try:
        with transaction.atomic():
            customer.delete()
    except (ProtectedError, IntegrityError):
        raise Protected("У клиента есть заказы: его нельзя удалить.") from None


@transaction.atomic
def customer_merge(*, shop: Shop, keep: Customer, merge: Customer, actor: User | None) -> Customer:
    """Fold ``merge`` into ``keep`` (both customers of ``shop``) and delete ``merge``.

    Orders move to ``keep`` with an ``edited`` event each; addresses and dates move (exact
    duplicates dropped; ``keep``'s default address stays the default); tags are united
    case-insensitively; ``merge``'s notes are appended with a line recording its phone;
    ``keep``'s blank name, email and source are filled from ``merge``; ``merge``'s phone and
    extra phones become extra phones of ``keep``. Both rows are locked in id order. Same ids
    or another shop's customer: ``Invalid``; either one merged away or deleted by a concurrent
    request: ``Conflict``; a result over the limits (20 addresses, 50 dates, 20 tags):
    ``Conflict``, and nothing changes.
    """
    if keep.pk == merge.pk:
        raise Invalid({"merge_id": ["Нельзя объединить клиента с самим собой."]})
    errors = {
        key: ["Клиент не найден."]
        for key, customer in (("keep_id", keep), ("merge_id", merge))
        if customer.shop_id != shop.pk
    }
    if errors:
        raise Invalid(errors)
    locked = lock_rows(
        Customer.objects.filter(shop=shop),
        [keep.pk, merge.pk],
        vanished=Conflict("Клиента только что объединили с другим или удалили; обновите данные и повторите."),
    )
    keep, merge = locked[keep.pk], locked[merge.pk]

    moved_addresses = _merge_addresses(keep, merge)
    moved_dates = _merge_dates(keep, merge)
    new_tags = _merge_tags(keep, merge)

    order_ids = list(Order.objects.filter(customer=merge).order_by("id").values_list("id", flat=True))
    Order.objects.filter(customer=merge).update(customer=keep, updated_at=timezone.now())
    for order in Order.objects.filter(pk__in=order_ids).order_by("id"):
        order_log_event(
            order=order,
            type=EventType.EDITED,
            actor=actor,
            data={"before": {"customer_id": merge.pk}, "after": {"customer_id": keep.pk}, "reason": "merge"},
        )

    if moved_addresses:
        CustomerAddress.objects.filter(pk__in=[a.pk for a in moved_addresses]).update(customer=keep)
    if moved_dates:
        ImportantDate.objects.filter(pk__in=[d.pk for d in moved_dates]).update(customer=keep)
    CustomerTag.objects.bulk_create(CustomerTag(customer=keep, name=name) for name in new_tags)
    # The merged phone keeps finding the kept customer (order intake, search); its own extra
    # phones come along. The row goes first: the phone is unique among main and extra phones.
    CustomerPhone.objects.filter(customer=merge).update(customer=keep, updated_at=timezone.now())

    for field in ("name", "email", "source"):
        if not getattr(keep, field) and getattr(merge, field):
            setattr(keep, field, getattr(merge, field))
    trace = f"Объединён с клиентом {merge.phone}" + (f" ({merge.name})" if merge.name else "") + "."
    keep.notes = "\n\n".join(part for part in (keep.notes.strip(), merge.notes.strip(), trace) if part)
    merged_phone = merge.phone
    merge.delete()
    CustomerPhone.objects.create(shop=shop, customer=keep, phone=merged_phone)
    keep.save()
    orders_reindex_for_customer(customer=keep)
    return keep


def _address_key(address: CustomerAddress) -> tuple[str, ...]:
    return tuple(
        " ".join(str(getattr(address, f)).casefold().split()) for f in ("address", "entrance", "floor", "intercom")
    )


def _merge_addresses(keep: Customer, merge: Customer) -> list[CustomerAddress]:
    """``merge``'s addresses that ``keep`` lacks (made non-default when ``keep`` has a default)."""
    kept = list(keep.addresses.all())
    known = {_address_key(a) for a in kept}
    moving = []
    for address in merge.addresses.order_by("-is_default", "id"):
        if _address_key(address) not in known:
            known.add(_address_key(address))
            moving.append(address)
    if len(kept) + len(moving) > MAX_ADDRESSES:
        raise Conflict(f"После объединения у клиента будет больше {MAX_ADDRESSES} адресов; удалите лишние.")
    if any(a.is_default for a in kept):
        ids = [a.pk for a in moving if a.is_default]
        CustomerAddress.objects.filter(pk__in=ids).update(is_default=False)
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
        raise Conflict(f"После объединения у клиента будет больше {MAX_DATES} дат; удалите лишние.")
    return moving


def _merge_tags(keep: Customer, merge: Customer) -> list[str]:
    known = {t.casefold() for t in keep.tags.values_list("name", flat=True)}
    count = len(known)
    new = []
    for name in merge.tags.values_list("name", flat=True):
        if name.casefold() not in known:
            known.add(name.casefold())
            new.append(name)
    if count + len(new) > MAX_TAGS:
        raise Conflict(f"После объединения у клиента будет больше {MAX_TAGS} тегов; удалите лишние.")
    return new
