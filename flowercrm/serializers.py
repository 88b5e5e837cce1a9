"""Serializer fields shared by every app: money, bounded quantities, shop-scoped references."""

from __future__ import annotations

from collections.abc import Mapping
from decimal import Decimal
from typing import Any, NoReturn

from django.core.exceptions import ValidationError as DjangoValidationError
from django.db.models import Model, QuerySet
from django.utils.translation import gettext_lazy as _
from rest_framework import serializers

from flowercrm.limits import MAX_ID, MONEY_MAX, QUANTITY_MAX
from flowercrm.phone import normalize_phone

__all__ = ["MAX_ID", "MONEY_MAX", "QUANTITY_MAX"]  # re-exported for serializers of the apps


class MoneyField(serializers.DecimalField):
    """Money in: a decimal string or a JSON number; out: always a string (``"15000.00"``)."""

    def __init__(self, **kwargs: Any) -> None:
        kwargs.setdefault("max_digits", 12)
        kwargs.setdefault("decimal_places", 2)
        kwargs.setdefault("min_value", Decimal("0"))
        kwargs.setdefault("max_value", MONEY_MAX)
        kwargs.setdefault("coerce_to_string", True)
        super().__init__(**kwargs)


class QuantityField(serializers.IntegerField):
    """A moved or ordered quantity: 1..100000 (``min_value=0`` for counted quantities)."""

    def __init__(self, **kwargs: Any) -> None:
        kwargs.setdefault("min_value", 1)
        kwargs.setdefault("max_value", QUANTITY_MAX)
        super().__init__(**kwargs)


class PhoneField(serializers.CharField):
    """A phone in any common format in, E.164 out."""

    def __init__(self, **kwargs: Any) -> None:
        kwargs.setdefault("max_length", 32)
        super().__init__(**kwargs)

    def to_internal_value(self, data: Any) -> str:
        value = super().to_internal_value(data)
        if not value:
            return value
        try:
            return normalize_phone(value)
        except DjangoValidationError as exc:
            raise serializers.ValidationError(exc.messages) from None


# DRF's invalid choice message names only the value sent; ours also lists the allowed ones.
INVALID_CHOICE = _('"{input}" is not a valid choice. Allowed: {allowed}.')
_drf_choice_fail = serializers.ChoiceField.fail


def _choice_fail(self: serializers.ChoiceField, key: str, **kwargs: Any) -> NoReturn:
    if key == "invalid_choice":
        kwargs.setdefault("allowed", ", ".join(str(value) for value in self.choice_strings_to_values))
    _drf_choice_fail(self, key, **kwargs)
    raise AssertionError("unreachable")  # pragma: no cover - ``fail`` always raises


def install_choice_errors() -> None:
    """Make every DRF ``ChoiceField`` (and ``MultipleChoiceField``, and the choice fields
    ``ModelSerializer`` builds) list the allowed values in its invalid choice error, in every
    serializer of every app. Called once from ``FlowerCRMConfig.ready``; a field's own
    ``error_messages["invalid_choice"]`` still wins (it may use ``{allowed}`` too)."""
    # MultipleChoiceField declares its own message (DRF merges them down the MRO).
    for field_class in (serializers.ChoiceField, serializers.MultipleChoiceField):
        field_class.default_error_messages = {
            **field_class.default_error_messages,
            "invalid_choice": INVALID_CHOICE,
        }
    serializers.ChoiceField.fail = _choice_fail  # type: ignore[method-assign,assignment]


class ShopRelatedField(serializers.PrimaryKeyRelatedField):
    """An ``<name>_id`` input that must name a row of the caller's shop.

    Another shop's id answers exactly like a missing one: a 400 on this field.
    ``queryset`` is the model's unscoped queryset; it is narrowed by ``shop`` from context.
    """

    default_error_messages = {
        "does_not_exist": _("Object with id={pk_value} not found."),
        "incorrect_type": _("An integer (id) is expected."),
    }

    def __init__(self, *, shop_field: str = "shop", **kwargs: Any) -> None:
        self.shop_field = shop_field
        super().__init__(**kwargs)

    def get_queryset(self) -> QuerySet[Any]:
        queryset: Any = super().get_queryset()
        shop = self.context.get("shop")
        if shop is None:
            return queryset.none()
        return queryset.filter(**{self.shop_field: shop})

    def to_internal_value(self, data: Any) -> Model:
        if isinstance(data, bool) or not isinstance(data, (int, str)):
            self.fail("incorrect_type", data_type=type(data).__name__)
        try:
            pk = int(data)
        except (TypeError, ValueError):
            self.fail("incorrect_type", data_type=type(data).__name__)
        if not 1 <= pk <= MAX_ID:
            self.fail("does_not_exist", pk_value=data)
        read = self.context.get(_READ_AHEAD, {}).get(id(self))
        if read is not None:  # the list's rows were read in one query (``ReadAheadListSerializer``)
            if pk not in read:
                self.fail("does_not_exist", pk_value=pk)
            return read[pk]
        return super().to_internal_value(pk)

    def read_ahead(self, values: list[Any]) -> None:
        """Read the rows that ``values`` (the ids a list sends in this field) name, in one
        query; ``to_internal_value`` then takes them from there."""
        pks = {int(v) for v in values if isinstance(v, (int, str)) and not isinstance(v, bool) and str(v).isdigit()}
        rows = {row.pk: row for row in self.get_queryset().filter(pk__in=[pk for pk in pks if 1 <= pk <= MAX_ID])}
        self.context.setdefault(_READ_AHEAD, {})[id(self)] = rows


# Context key: rows read ahead for a list's ``ShopRelatedField`` (by the field's identity —
# a list serializer validates every item with the same child and so the same field).
_READ_AHEAD = "_shop_related_read_ahead"


class ReadAheadListSerializer(serializers.ListSerializer[Any]):
    """A list whose items' ``ShopRelatedField`` ids are read in one query per field for the
    whole list, not one per item (an order of many lines: one product query). Set it as the
    item serializer's ``Meta.list_serializer_class``."""

    def to_internal_value(self, data: Any) -> Any:
        if isinstance(data, list):
            for name, field in self.child.fields.items():  # type: ignore[union-attr]
                if isinstance(field, ShopRelatedField) and not field.read_only:
                    field.read_ahead([item.get(name) for item in data if isinstance(item, dict)])
        return super().to_internal_value(data)


class SentWholeMixin:
    """For a nested item that is always sent whole (a line of a list that replaces the current
    one): its required fields stay required in a PATCH. DRF passes a partial update on to every
    nested field, so an item without them would otherwise reach the service."""

    def to_internal_value(self, data: Any) -> Any:
        fields: dict[str, serializers.Field[Any, Any, Any, Any]] = self.fields  # type: ignore[attr-defined]
        missing: dict[str, list[str]] = {}
        if getattr(self.root, "partial", False) and isinstance(data, Mapping):  # type: ignore[attr-defined]
            missing = {
                name: [str(field.error_messages["required"])]
                for name, field in fields.items()
                if field.required and not field.read_only and name not in data
            }
        try:
            value = super().to_internal_value(data)  # type: ignore[misc]
        except serializers.ValidationError as exc:
            if missing and isinstance(exc.detail, dict):
                raise serializers.ValidationError({**missing, **exc.detail}) from None
            raise
        if missing:
            raise serializers.ValidationError(missing)
        return value


class CompactSerializer(serializers.Serializer[Any]):
    """``{"id", "name"}`` — the compact form of a reference in output."""

    id = serializers.IntegerField(read_only=True)
    name = serializers.CharField(read_only=True)


class WarningSerializer(serializers.Serializer[Any]):
    """Something a write allowed but that is probably a mistake (``flowercrm.warnings``):
    ``past_delivery_date``, ``window_in_past``, ``stock_short``, ``price_below_cost``…"""

    code = serializers.CharField(read_only=True)
    message = serializers.CharField(read_only=True)
