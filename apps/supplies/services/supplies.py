"""Drafts of supplies: created with their lines, edited (``lines`` replaced whole), deleted or
cancelled. A supply is edited only while it is a ``draft``; every status change locks the
supply row first and checks the status under the lock (:func:`lock_draft`)."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from decimal import Decimal
from typing import TYPE_CHECKING, Any, Literal

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from apps.shops.models import Shop
from apps.supplies.constants import MAX_LINES
from apps.supplies.lines import clean_item_name, price_fits, supply_line_errors
from apps.supplies.models import RATE_ONE, Supplier, Supply, SupplyLine, SupplyStatus, currency_rate_errors
from apps.supplies.services.suppliers import clean_notes, supplier_get_or_create
from apps.warehouse.models import StockCategory, StockUnit
from flowercrm.errors import Conflict, Invalid, NotFound
from flowercrm.updates import model_update

if TYPE_CHECKING:
    from apps.accounts.models import User

SUPPLY_FIELDS = ("supplier", "currency", "rate", "date", "notes")
# Set by the services themselves (the shop, the people, the computed search column).
SUPPLY_NOT_VALIDATED = ("shop", "search_text", "created_by", "received_by", "cancelled_by")
# The line rules name model fields; the API names the item by ``stock_item_id``.
LINE_API_FIELDS = {"stock_item": "stock_item_id"}


def _resolve_supplier(*, shop: Shop, data: Mapping[str, Any]) -> Supplier | None:
    """``supplier`` (a Supplier of this shop) or ``supplier_name`` (get-or-create); None
    when neither is given. Both at once is a 400."""
    supplier = data.get("supplier")
    name = data.get("supplier_name")
    if supplier is not None and name:
        raise Invalid({"supplier_id": [gettext("Give the supplier by id or by name, not both.")]})
    if supplier is not None:
        if not isinstance(supplier, Supplier) or supplier.shop_id != shop.id:
            raise Invalid({"supplier_id": [gettext("Supplier not found.")]})
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
            raise Invalid(
                {
                    "rate": [
                        gettext("Give the rate of %(currency)s to %(shop_currency)s.")
                        % {"currency": currency, "shop_currency": shop.currency}
                    ]
                }
            )
    errors = currency_rate_errors(shop_currency=shop.currency, currency=currency, rate=rate)
    if errors:
        raise Invalid({field: [message] for field, message in errors.items()})
    return currency, rate


def _line_values(line: Mapping[str, Any]) -> dict[str, Any]:
    """A line of the input with a new item's defaults (flower, stem) and its name cleaned."""
    return {
        "stock_item": line.get("stock_item"),
        "new_item_name": clean_item_name(line.get("new_item_name")),
        "new_item_category": line.get("new_item_category") or StockCategory.FLOWER,
        "new_item_height_cm": line.get("new_item_height_cm"),
        "new_item_unit": line.get("new_item_unit") or StockUnit.STEM,
        "quantity": line.get("quantity"),
        "purchase_price": line.get("purchase_price"),
    }


def _build_lines(*, shop: Shop, rate: Decimal, lines: Sequence[Mapping[str, Any]]) -> list[SupplyLine]:
    """Check the lines with the line rules (``apps.supplies.lines``; errors nested like the
    payload: ``{"lines": [{}, {"quantity": […]}]}``) and build unsaved rows."""
    if len(lines) > MAX_LINES:
        raise Invalid({"lines": [gettext("At most %(limit)s lines.") % {"limit": MAX_LINES}]})
    errors: list[dict[str, list[str]]] = []
    built: list[SupplyLine] = []
    for line in lines:
        values = _line_values(line)
        broken = supply_line_errors(shop_id=shop.id, rate=rate, **values)
        errors.append({LINE_API_FIELDS.get(field, field): [message] for field, message in broken.items()})
        if broken:
            continue
        if values["stock_item"] is not None:  # a new item's fields stay at their defaults
            built.append(
                SupplyLine(
                    stock_item=values["stock_item"],
                    quantity=values["quantity"],
                    purchase_price=values["purchase_price"],
                )
            )
        else:
            built.append(SupplyLine(**values))
    if any(errors):
        raise Invalid({"lines": errors})
    return built


def _supply_values(data: Mapping[str, Any]) -> dict[str, Any]:
    values: dict[str, Any] = {}
    if data.get("date") is not None:
        values["date"] = data["date"]
    if "notes" in data:
        values["notes"] = clean_notes(data["notes"])
    return values


# Why a supply that is no longer a draft refuses an action: (its status, the action) → message.
NOT_A_DRAFT = {
    (SupplyStatus.RECEIVED, "receive"): _("The supply is already received: only a draft can be received."),
    (SupplyStatus.RECEIVED, "edit"): _("The supply is already received: only a draft can be edited."),
    (SupplyStatus.RECEIVED, "delete"): _("The supply is already received: only a draft can be deleted."),
    (SupplyStatus.RECEIVED, "cancel"): _("The supply is already received: only a draft can be cancelled."),
    (SupplyStatus.CANCELLED, "receive"): _("The supply is already cancelled: only a draft can be received."),
    (SupplyStatus.CANCELLED, "edit"): _("The supply is already cancelled: only a draft can be edited."),
    (SupplyStatus.CANCELLED, "delete"): _("The supply is already cancelled: only a draft can be deleted."),
    (SupplyStatus.CANCELLED, "cancel"): _("The supply is already cancelled: only a draft can be cancelled."),
}


def lock_draft(supply: Supply, action: Literal["receive", "edit", "delete", "cancel"]) -> Supply:
    """The supply row locked for this transaction; a supply that is no longer a draft is a
    409 (checked under the lock, so concurrent requests see each other's result)."""
    locked = Supply.objects.select_for_update(of=("self",)).select_related("shop").filter(pk=supply.pk).first()
    if locked is None:  # deleted by a concurrent request
        raise NotFound()
    if locked.status != SupplyStatus.DRAFT:
        status = SupplyStatus.RECEIVED if locked.status == SupplyStatus.RECEIVED else SupplyStatus.CANCELLED
        raise Conflict(str(NOT_A_DRAFT[status, action]))
    return locked


def _add_lines(supply: Supply, lines: list[SupplyLine]) -> None:
    for line in lines:
        line.supply = supply
    SupplyLine.objects.bulk_create(lines)


@transaction.atomic
def supply_create(*, shop: Shop, actor: User | None, data: Mapping[str, Any]) -> Supply:
    """A draft supply with its lines. ``data``: ``supplier`` (a Supplier of this shop) or
    ``supplier_name`` (found case-insensitively or created), ``date`` (default: today in the
    shop's zone), ``currency`` (default: the shop's), ``rate`` (1 for the shop's currency,
    required otherwise), ``notes``, ``lines``. Any error is a 400 and nothing is written
    (a supplier created by name included)."""
    currency, rate = _currency_and_rate(shop=shop, supply=None, data=data)
    lines = _build_lines(shop=shop, rate=rate, lines=data.get("lines") or [])
    values = _supply_values(data)
    supplier = _resolve_supplier(shop=shop, data=data)
    if supplier is None:
        raise Invalid({"supplier_id": [gettext("Give the supplier (supplier_id or supplier_name).")]})
    supply = Supply(shop=shop, created_by=actor, date=timezone.localdate())
    model_update(
        instance=supply,
        fields=SUPPLY_FIELDS,
        data={**values, "supplier": supplier, "currency": currency, "rate": rate},
        exclude_validation=SUPPLY_NOT_VALIDATED,
        save=False,
    )
    supply.save()
    _add_lines(supply, lines)
    return supply


@transaction.atomic
def supply_update(*, supply: Supply, actor: User | None, data: Mapping[str, Any]) -> Supply:
    """Change a draft: the fields given, and ``lines`` (when given) replaces all lines.
    A received or cancelled supply is a 409 ``conflict``; bad input is a 400 that changes
    nothing."""
    supply = lock_draft(supply, "edit")
    shop = supply.shop
    currency, rate = _currency_and_rate(shop=shop, supply=supply, data=data)
    lines = None
    if data.get("lines") is not None:
        lines = _build_lines(shop=shop, rate=rate, lines=data["lines"])
    elif not all(price_fits(line.purchase_price, rate) for line in supply.lines.all()):
        raise Invalid({"rate": [gettext("At this rate the line prices in the shop's currency are too large.")]})
    values = {**_supply_values(data), "currency": currency, "rate": rate}
    supplier = _resolve_supplier(shop=shop, data=data)
    if supplier is not None:
        values["supplier"] = supplier
    model_update(instance=supply, fields=SUPPLY_FIELDS, data=values, exclude_validation=SUPPLY_NOT_VALIDATED)
    if lines is not None:
        supply.lines.all().delete()
        _add_lines(supply, lines)
    return supply


@transaction.atomic
def supply_delete(*, supply: Supply) -> None:
    """Delete a draft with its lines; a received or cancelled supply is a 409 and stays."""
    supply = lock_draft(supply, "delete")
    supply.delete()


@transaction.atomic
def supply_cancel(*, supply: Supply, actor: User | None) -> Supply:
    """Cancel a draft (kept for the record, no stock change); otherwise a 409."""
    supply = lock_draft(supply, "cancel")
    supply.status = SupplyStatus.CANCELLED
    supply.cancelled_at = timezone.now()
    supply.cancelled_by = actor
    supply.save(update_fields=["status", "cancelled_at", "cancelled_by", "updated_at"])
    return supply
