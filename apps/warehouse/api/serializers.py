from __future__ import annotations

from typing import Any

from django.utils.translation import gettext
from rest_framework import serializers

from apps.warehouse.constants import HEIGHT_MAX_CM, NAME_MAX_LENGTH, NOTE_MAX_LENGTH, REASON_MAX_LENGTH
from apps.warehouse.models import StockCategory, StockItem, StockMovement, StockUnit, WriteOffReason
from apps.warehouse.selectors import is_low_stock
from flowercrm.limits import QUANTITY_MAX
from flowercrm.serializers import CompactSerializer, MoneyField, QuantityField
from flowercrm.visibility import narrowed

# Stock figures move only through the ledger (supplies, orders, write-offs, stocktakes).
LEDGER_FIELDS = ("quantity", "reserved", "available", "unit_cost")


class StockItemSerializer(serializers.ModelSerializer[StockItem]):
    """A stock item as every reader sees it; stock figures are read-only."""

    available = serializers.IntegerField(read_only=True)
    unit_cost = MoneyField(read_only=True)
    retail_price = MoneyField(read_only=True)
    is_low = serializers.SerializerMethodField()

    class Meta:
        model = StockItem
        fields = [
            "id",
            "name",
            "category",
            "height_cm",
            "unit",
            "quantity",
            "reserved",
            "available",
            "unit_cost",
            "retail_price",
            "min_quantity",
            "is_low",
            "is_active",
            "created_at",
            "updated_at",
        ]
        read_only_fields = fields

    def get_is_low(self, item: StockItem) -> bool:
        return is_low_stock(item)


StockItemFloristSerializer = narrowed(StockItemSerializer, name="StockItemFloristSerializer", drop=["unit_cost"])


class StockItemInputSerializer(serializers.Serializer[Any]):
    """Create (all fields but ``name`` optional) and edit (partial). Sending a stock figure
    (``quantity``, ``reserved``, ``available``, ``unit_cost``) is a 400: those change only
    through supplies, orders, write-offs and stocktakes."""

    name = serializers.CharField(max_length=NAME_MAX_LENGTH)
    category = serializers.ChoiceField(choices=StockCategory.choices, required=False)
    height_cm = serializers.IntegerField(min_value=1, max_value=HEIGHT_MAX_CM, allow_null=True, required=False)
    unit = serializers.ChoiceField(choices=StockUnit.choices, required=False)
    retail_price = MoneyField(required=False)
    min_quantity = serializers.IntegerField(min_value=0, max_value=QUANTITY_MAX, required=False)
    is_active = serializers.BooleanField(required=False)

    def validate(self, attrs: dict[str, Any]) -> dict[str, Any]:
        sent = [f for f in LEDGER_FIELDS if f in self.initial_data]
        if sent:
            raise serializers.ValidationError(
                {f: [gettext("Changed only through supplies, write-offs and stocktakes.")] for f in sent}
            )
        return attrs


class WriteOffSerializer(serializers.Serializer[Any]):
    quantity = QuantityField()
    reason = serializers.ChoiceField(choices=WriteOffReason.choices)
    note = serializers.CharField(max_length=NOTE_MAX_LENGTH, required=False, allow_blank=True, default="")

    def validate(self, attrs: dict[str, Any]) -> dict[str, Any]:
        if attrs["reason"] == WriteOffReason.OTHER and not attrs["note"].strip():
            raise serializers.ValidationError({"note": [gettext("Describe the reason for the write-off.")]})
        return attrs


class AdjustSerializer(serializers.Serializer[Any]):
    counted_quantity = QuantityField(min_value=0)
    reason = serializers.CharField(max_length=REASON_MAX_LENGTH)


class MovementItemSerializer(serializers.ModelSerializer[StockItem]):
    class Meta:
        model = StockItem
        fields = ["id", "name", "height_cm", "unit"]
        read_only_fields = fields


class StockMovementSerializer(serializers.ModelSerializer[StockMovement]):
    """One ledger line; ``supply_id``/``order_id`` name the supply or order it belongs to."""

    item = MovementItemSerializer(read_only=True)
    actor = CompactSerializer(read_only=True, allow_null=True)
    unit_cost = MoneyField(read_only=True)
    supply_id = serializers.IntegerField(read_only=True, allow_null=True)
    order_id = serializers.IntegerField(read_only=True, allow_null=True)

    class Meta:
        model = StockMovement
        fields = [
            "id",
            "item",
            "kind",
            "delta",
            "balance_after",
            "reason",
            "note",
            "unit_cost",
            "actor",
            "supply_id",
            "order_id",
            "created_at",
        ]
        read_only_fields = fields


StockMovementFloristSerializer = narrowed(
    StockMovementSerializer, name="StockMovementFloristSerializer", drop=["unit_cost"]
)
