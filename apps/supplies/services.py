"""Every write to suppliers and supplies, and receiving a supply into stock.

A supply is edited only while it is a ``draft``; every status change locks the supply row
first and checks the status under the lock, so two concurrent receives cannot both pass
(the second is a 409 and nothing is received twice).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from decimal import Decimal
from typing import TYPE_CHECKING, Any, cast

from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.utils import timezone

from apps.shops.models import Shop
from apps.supplies.models import (
    PRICE_MAX,
    RATE_ONE,
    Supplier,
    Supply,
    SupplyLine,
    SupplyStatus,
    currency_rate_errors,
    supplier_name_key,
)
from apps.warehouse.models import StockCategory, StockItem, StockUnit, stock_match_key
from apps.warehouse.services import stock_item_create, stock_receive
from flowercrm.errors import Conflict, Invalid, NotFound
from flowercrm.limits import MONEY_MAX, QUANTITY_MAX
from flowercrm.locking import lock_row
from flowercrm.money import round_to_step, with_markup
from flowercrm.phone import normalize_phone

if TYPE_CHECKING:
    from apps.accounts.models import User

NAME_MAX_LENGTH = 200
NOTES_MAX_LENGTH = 5000
MAX_LINES = 500
HEIGHT_MAX_CM = 1000


# --- suppliers --------------------------------------------------------------------------------


def _clean_supplier_fields(data: Mapping[str, Any]) -> dict[str, Any]:
    values: dict[str, Any] = {}
    if "name" in data:
        name = " ".join(str(data["name"] or "").split())
        if not name:
            raise Invalid({"name": ["Укажите название поставщика."]})
        if len(name) > NAME_MAX_LENGTH:
            raise Invalid({"name": [f"Не длиннее {NAME_MAX_LENGTH} символов."]})
        values["name"] = name
    if "phone" in data:
        phone = str(data["phone"] or "").strip()
        if phone:
            try:
                phone = normalize_phone(phone)
            except ValidationError as exc:
                raise Invalid({"phone": exc.messages}) from None
        values["phone"] = phone
    if "notes" in data:
        notes = str(data["notes"] or "")
        if len(notes) > NOTES_MAX_LENGTH:
            raise Invalid({"notes": [f"Не длиннее {NOTES_MAX_LENGTH} символов."]})
        values["notes"] = notes
    return values


def _ensure_supplier_name_free(*, shop: Shop, name: str, exclude_pk: int | None = None) -> None:
    taken = Supplier.objects.filter(shop=shop, name_key=supplier_name_key(name))
    if exclude_pk is not None:
        taken = taken.exclude(pk=exclude_pk)
    if taken.exists():
        raise Invalid({"name": ["Поставщик с таким названием уже есть."]})


@transaction.atomic
def supplier_create(*, shop: Shop, data: Mapping[str, Any]) -> Supplier:
    """A new supplier of ``shop``; its name is unique in the shop regardless of case (400)."""
    values = _clean_supplier_fields({"name": "", **data})
    _ensure_supplier_name_free(shop=shop, name=values["name"])
    return Supplier.objects.create(shop=shop, **values)


@transaction.atomic
def supplier_update(*, supplier: Supplier, data: Mapping[str, Any]) -> Supplier:
    """Rename a supplier or change its phone and notes (the name stays unique, 400)."""
    supplier = lock_row(Supplier.objects.all(), supplier.pk)
    values = _clean_supplier_fields(data)
    if "name" in values:
        _ensure_supplier_name_free(shop=supplier.shop, name=values["name"], exclude_pk=supplier.pk)
    for field, value in values.items():
        setattr(supplier, field, value)
    supplier.save()
    return supplier


def supplier_get_or_create(*, shop: Shop, name: str) -> Supplier:
    """The shop's supplier with this name (case-insensitively), created when there is none.
    Two requests creating the same name at once end with one supplier."""
    values = _clean_supplier_fields({"name": name})
    key = supplier_name_key(values["name"])
    found = Supplier.objects.filter(shop=shop, name_key=key).first()
    if found is not None:
        return found
    try:
        with transaction.atomic():  # a savepoint: the unique constraint decides a race
            return Supplier.objects.create(shop=shop, **values)
    except IntegrityError:
        return Supplier.objects.get(shop=shop, name_key=key)


# --- supplies ---------------------------------------------------------------------------------


def _resolve_supplier(*, shop: Shop, data: Mapping[str, Any]) -> Supplier | None:
    """``supplier`` (a Supplier of this shop) or ``supplier_name`` (get-or-create); None
    when neither is given. Both at once is a 400."""
    supplier = data.get("supplier")
    name = data.get("supplier_name")
    if supplier is not None and name:
        raise Invalid({"supplier_id": ["Укажите поставщика по id или по названию, не оба сразу."]})
    if supplier is not None:
        if not isinstance(supplier, Supplier) or supplier.shop_id != shop.id:
            raise Invalid({"supplier_id": ["Поставщик не найден."]})
        return supplier
    if name:
        return supplier_get_or_create(shop=shop, name=name)
    return None


def _currency_and_rate(*, shop: Shop, supply: Supply | None, data: Mapping[str, Any]) -> tuple[str, Decimal]:
    """The supply's currency and rate after applying ``data``: the shop's currency comes at
    rate 1 (given or not; any other rate is a 400); another currency needs a rate > 0."""
    currency_given = "currency" in data and data["currency"] is not None
    currency = (
        str(data["currency"]).strip().upper() if currency_given else (supply.currency if supply else shop.currency)
    )
    rate = data.get("rate")
    if rate is None:
        if currency == shop.currency:
            rate = RATE_ONE
        elif supply is not None and not currency_given:
            rate = supply.rate
        elif supply is not None and currency == supply.currency:
            rate = supply.rate
        else:
            raise Invalid({"rate": [f"Укажите курс {currency} к {shop.currency}."]})
    errors = currency_rate_errors(shop_currency=shop.currency, currency=currency, rate=rate)
    if errors:
        raise Invalid({field: [message] for field, message in errors.items()})
    return currency, rate


def _build_lines(*, shop: Shop, rate: Decimal, lines: Sequence[Mapping[str, Any]]) -> list[SupplyLine]:
    """Validate the lines (errors nested like the payload: ``{"lines": [{}, {"quantity": […]}]}``)
    and build unsaved rows."""
    if len(lines) > MAX_LINES:
        raise Invalid({"lines": [f"Не больше {MAX_LINES} строк."]})
    item_ids = {line["stock_item"].id for line in lines if isinstance(line.get("stock_item"), StockItem)}
    own_items = set(StockItem.objects.filter(shop=shop, id__in=item_ids).values_list("id", flat=True))
    errors: list[dict[str, list[str]]] = []
    built: list[SupplyLine] = []
    for line in lines:
        error: dict[str, list[str]] = {}
        item = line.get("stock_item")
        name = " ".join(str(line.get("new_item_name") or "").split())
        if (item is None) == (not name):
            error["stock_item_id"] = ["Укажите stock_item_id или new_item_name (что-то одно)."]
        elif item is not None and (not isinstance(item, StockItem) or item.id not in own_items):
            error["stock_item_id"] = ["Складская позиция не найдена."]
        if len(name) > NAME_MAX_LENGTH:
            error["new_item_name"] = [f"Не длиннее {NAME_MAX_LENGTH} символов."]
        category = line.get("new_item_category") or StockCategory.FLOWER
        if category not in StockCategory.values:
            error["new_item_category"] = ["Неизвестная категория."]
        unit = line.get("new_item_unit") or StockUnit.STEM
        if unit not in StockUnit.values:
            error["new_item_unit"] = ["Неизвестная единица."]
        height = line.get("new_item_height_cm")
        if height is not None and (
            isinstance(height, bool) or not isinstance(height, int) or not 1 <= height <= HEIGHT_MAX_CM
        ):
            error["new_item_height_cm"] = [f"Высота от 1 до {HEIGHT_MAX_CM} см."]
        quantity = line.get("quantity")
        if isinstance(quantity, bool) or not isinstance(quantity, int) or not 1 <= quantity <= QUANTITY_MAX:
            error["quantity"] = [f"Количество от 1 до {QUANTITY_MAX}."]
        price = line.get("purchase_price")
        if not isinstance(price, Decimal) or not price.is_finite() or not 0 <= price <= PRICE_MAX:
            error["purchase_price"] = ["Цена — число от 0 (до 4 знаков после запятой)."]
        elif price != price.quantize(Decimal("0.0001")):
            error["purchase_price"] = ["Не больше 4 знаков после запятой."]
        elif price * rate > MONEY_MAX:
            error["purchase_price"] = ["Цена в валюте магазина слишком велика."]
        errors.append(error)
        if error:
            continue
        quantity, price = cast(int, quantity), cast(Decimal, price)
        if item is not None:
            built.append(SupplyLine(stock_item=item, quantity=quantity, purchase_price=price))
        else:
            built.append(
                SupplyLine(
                    new_item_name=name,
                    new_item_category=category,
                    new_item_height_cm=height,
                    new_item_unit=unit,
                    quantity=quantity,
                    purchase_price=price,
                )
            )
    if any(errors):
        raise Invalid({"lines": errors})
    return built


def _clean_supply_fields(data: Mapping[str, Any]) -> dict[str, Any]:
    values: dict[str, Any] = {}
    if data.get("date") is not None:
        values["date"] = data["date"]
    if "notes" in data:
        notes = str(data["notes"] or "")
        if len(notes) > NOTES_MAX_LENGTH:
            raise Invalid({"notes": [f"Не длиннее {NOTES_MAX_LENGTH} символов."]})
        values["notes"] = notes
    return values


def _lock_draft(supply: Supply, action: str) -> Supply:
    """The supply row locked for this transaction; a supply that is no longer a draft is a
    409 (checked under the lock, so concurrent requests see each other's result)."""
    locked = Supply.objects.select_for_update(of=("self",)).select_related("shop").filter(pk=supply.pk).first()
    if locked is None:  # deleted by a concurrent request
        raise NotFound()
    if locked.status != SupplyStatus.DRAFT:
        state = "принята" if locked.status == SupplyStatus.RECEIVED else "отменена"
        raise Conflict(f"Поставка уже {state}: {action} можно только черновик.")
    return locked


@transaction.atomic
def supply_create(*, shop: Shop, actor: User | None, data: Mapping[str, Any]) -> Supply:
    """A draft supply with its lines. ``data``: ``supplier`` (a Supplier of this shop) or
    ``supplier_name`` (found case-insensitively or created), ``date`` (default: today in the
    shop's zone), ``currency`` (default: the shop's), ``rate`` (1 for the shop's currency,
    required otherwise), ``notes``, ``lines``. Any error is a 400 and nothing is written
    (a supplier created by name included)."""
    currency, rate = _currency_and_rate(shop=shop, supply=None, data=data)
    lines = _build_lines(shop=shop, rate=rate, lines=data.get("lines") or [])
    values = _clean_supply_fields(data)
    supplier = _resolve_supplier(shop=shop, data=data)
    if supplier is None:
        raise Invalid({"supplier_id": ["Укажите поставщика (supplier_id или supplier_name)."]})
    supply = Supply(
        shop=shop,
        supplier=supplier,
        currency=currency,
        rate=rate,
        created_by=actor,
        date=values.get("date") or timezone.localdate(),
        notes=values.get("notes", ""),
    )
    supply.save()
    for line in lines:
        line.supply = supply
    SupplyLine.objects.bulk_create(lines)
    return supply


@transaction.atomic
def supply_update(*, supply: Supply, actor: User | None, data: Mapping[str, Any]) -> Supply:
    """Change a draft: the fields given, and ``lines`` (when given) replaces all lines.
    A received or cancelled supply is a 409 ``conflict``; bad input is a 400 that changes
    nothing."""
    supply = _lock_draft(supply, "изменить")
    shop = supply.shop
    currency, rate = _currency_and_rate(shop=shop, supply=supply, data=data)
    if "lines" in data and data["lines"] is not None:
        lines: list[SupplyLine] | None = _build_lines(shop=shop, rate=rate, lines=data["lines"])
    else:
        lines = None
        if any(line.purchase_price * rate > MONEY_MAX for line in supply.lines.all()):
            raise Invalid({"rate": ["С этим курсом цены строк в валюте магазина слишком велики."]})
    values = _clean_supply_fields(data)
    supplier = _resolve_supplier(shop=shop, data=data)
    if supplier is not None:
        supply.supplier = supplier
    supply.currency, supply.rate = currency, rate
    for field, value in values.items():
        setattr(supply, field, value)
    supply.save()
    if lines is not None:
        supply.lines.all().delete()
        for line in lines:
            line.supply = supply
        SupplyLine.objects.bulk_create(lines)
    return supply


@transaction.atomic
def supply_delete(*, supply: Supply) -> None:
    """Delete a draft with its lines; a received or cancelled supply is a 409 and stays."""
    supply = _lock_draft(supply, "удалить")
    supply.delete()


@transaction.atomic
def supply_cancel(*, supply: Supply, actor: User | None) -> Supply:
    """Cancel a draft (kept for the record, no stock change); otherwise a 409."""
    supply = _lock_draft(supply, "отменить")
    supply.status = SupplyStatus.CANCELLED
    supply.cancelled_at = timezone.now()
    supply.cancelled_by = actor
    supply.save(update_fields=["status", "cancelled_at", "cancelled_by", "updated_at"])
    return supply


def suggested_retail_price(*, shop: Shop, category: str, unit_cost: Decimal) -> Decimal | None:
    """cost × (1 + the category's recommended markup %) rounded half-up to the shop's
    ``price_rounding_step`` (ARCHITECTURE §4); None when it would not fit a money field."""
    raw = with_markup(unit_cost, shop.markup_for(category)["recommended"])
    price = round_to_step(raw, shop.price_rounding_step)
    return price if price <= MONEY_MAX else None


def _create_item_for_line(*, shop: Shop, line: SupplyLine) -> StockItem:
    """A new stock item for a new-item line; when a concurrent request created the same
    name and height first, that item (the unique ``match_key`` decides)."""
    key = stock_match_key(line.new_item_name, line.new_item_height_cm)
    data = {
        "name": line.new_item_name,
        "category": line.new_item_category or StockCategory.FLOWER,
        "height_cm": line.new_item_height_cm,
        "unit": line.new_item_unit or StockUnit.STEM,
    }
    try:
        with transaction.atomic():  # a savepoint, so a lost race leaves the transaction usable
            return stock_item_create(shop=shop, data=data)
    except (IntegrityError, Invalid):
        found = StockItem.objects.filter(shop=shop, match_key=key).first()
        if found is None:
            raise
        return found


@transaction.atomic
def supply_receive(*, supply: Supply, actor: User | None) -> Supply:
    """Receive a draft into stock, all lines or none:

    - the supply row is locked and its status checked under the lock: a supply that is
      already received (or cancelled) is a 409 and nothing is received twice;
    - a new-item line lands in the existing item with the same case-folded name and height
      (``stock_match_key``), or creates one; the line then points at that item;
    - each line is a ``receipt`` movement linked to the supply, at purchase price × rate in
      the shop's currency, giving the item's new weighted-average unit cost;
    - the suggested retail price (unit cost × (1 + the category's recommended markup),
      rounded half-up to the shop's step) is stored on every line and set on the item
      **only when the item has no retail price yet** (0.00): a price the shop chose is never
      overwritten by a supply; the line shows the suggestion either way.

    Existing items are locked in ``id`` order before any change and new items are created
    in ``match_key`` order, so concurrent receipts sharing items cannot deadlock.
    """
    supply = _lock_draft(supply, "принять")
    shop = supply.shop
    lines = list(supply.lines.order_by("id"))
    if not lines:
        raise Invalid({"lines": ["В поставке нет строк."]})
    new_keys = {
        line.id: stock_match_key(line.new_item_name, line.new_item_height_cm)
        for line in lines
        if line.stock_item_id is None
    }
    by_key = dict(
        StockItem.objects.filter(shop=shop, match_key__in=set(new_keys.values())).values_list("match_key", "id")
    )
    item_ids = {line.stock_item_id for line in lines if line.stock_item_id is not None} | set(by_key.values())
    items = {
        item.id: item
        for item in StockItem.objects.select_for_update().filter(shop=shop, id__in=sorted(item_ids)).order_by("id")
    }
    if len(items) != len(item_ids):
        raise Invalid({"lines": ["Складская позиция строки не найдена."]})
    first_line_of: dict[str, SupplyLine] = {}
    for line in lines:
        if line.id in new_keys:
            first_line_of.setdefault(new_keys[line.id], line)
    for key in sorted(set(first_line_of) - set(by_key)):
        item = _create_item_for_line(shop=shop, line=first_line_of[key])
        items[item.id] = item
        by_key[key] = item.id

    for line in lines:
        item = items[line.stock_item_id if line.stock_item_id is not None else by_key[new_keys[line.id]]]
        line.stock_item = item
        line.new_item_name = ""
        line.new_item_height_cm = None
        stock_receive(
            item=item,
            quantity=line.quantity,
            unit_price=line.purchase_price * supply.rate,
            actor=actor,
            supply=supply,
        )
        item.refresh_from_db(fields=["quantity", "unit_cost", "retail_price"])
        line.suggested_retail_price = suggested_retail_price(
            shop=shop, category=item.category, unit_cost=item.unit_cost
        )
        line.save(
            update_fields=["stock_item", "new_item_name", "new_item_height_cm", "suggested_retail_price", "updated_at"]
        )
        if item.retail_price == 0 and line.suggested_retail_price:
            item.retail_price = line.suggested_retail_price
            item.save(update_fields=["retail_price", "updated_at"])
    supply.status = SupplyStatus.RECEIVED
    supply.received_at = timezone.now()
    supply.received_by = actor
    supply.save(update_fields=["status", "received_at", "received_by", "updated_at"])
    return supply
