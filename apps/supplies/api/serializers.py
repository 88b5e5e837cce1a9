from __future__ import annotations

from decimal import Decimal
from typing import Any

from rest_framework import serializers

from apps.supplies.constants import MAX_LINES, NOTES_MAX_LENGTH, PRICE_MAX, RATE_MAX, SUPPLIER_NAME_MAX_LENGTH
from apps.supplies.models import Supplier, Supply, SupplyLine
from apps.supplies.parser import MATCH_EXACT, MATCH_PARTIAL, MAX_TEXT_LENGTH
from apps.warehouse.constants import HEIGHT_MAX_CM, NAME_MAX_LENGTH
from apps.warehouse.models import StockCategory, StockItem, StockUnit
from flowercrm.serializers import CompactSerializer, MoneyField, PhoneField, QuantityField, ShopRelatedField
from flowercrm.visibility import narrowed


def computed_money(**kwargs: Any) -> serializers.DecimalField:
    """A computed amount rendered as a string (sums may pass 12 digits: no max_digits)."""
    return serializers.DecimalField(max_digits=None, decimal_places=2, read_only=True, **kwargs)


# --- suppliers --------------------------------------------------------------------------------


class SupplierSerializer(serializers.ModelSerializer[Supplier]):
    class Meta:
        model = Supplier
        fields = ["id", "name", "phone", "notes", "created_at", "updated_at"]
        read_only_fields = fields


class SupplierInputSerializer(serializers.Serializer[Any]):
    name = serializers.CharField(max_length=SUPPLIER_NAME_MAX_LENGTH)
    phone = PhoneField(required=False, allow_blank=True)
    notes = serializers.CharField(max_length=NOTES_MAX_LENGTH, required=False, allow_blank=True)


# --- supplies ---------------------------------------------------------------------------------


class StockItemRefSerializer(serializers.Serializer[StockItem]):
    id = serializers.IntegerField(read_only=True)
    name = serializers.CharField(read_only=True)
    height_cm = serializers.IntegerField(read_only=True, allow_null=True)
    unit = serializers.CharField(read_only=True)


class SupplyLineSerializer(serializers.ModelSerializer[SupplyLine]):
    """A line as read: ``stock_item`` (compact) or the ``new_item_*`` fields (null for lines
    of existing items); amounts in the supply's currency and converted at its rate."""

    stock_item = StockItemRefSerializer(read_only=True, allow_null=True)
    # Null for lines of existing items (see ``to_representation``).
    new_item_name = serializers.CharField(read_only=True, allow_null=True)
    new_item_category = serializers.ChoiceField(choices=StockCategory.choices, read_only=True, allow_null=True)
    new_item_height_cm = serializers.IntegerField(read_only=True, allow_null=True)
    new_item_unit = serializers.ChoiceField(choices=StockUnit.choices, read_only=True, allow_null=True)
    purchase_price = serializers.DecimalField(max_digits=12, decimal_places=4, read_only=True)
    total = computed_money()
    unit_price_in_shop_currency = computed_money()
    total_in_shop_currency = computed_money()
    suggested_retail_price = MoneyField(read_only=True, allow_null=True)

    NEW_ITEM_FIELDS = ("new_item_name", "new_item_category", "new_item_height_cm", "new_item_unit")

    class Meta:
        model = SupplyLine
        fields = [
            "id",
            "stock_item_id",
            "stock_item",
            "new_item_name",
            "new_item_category",
            "new_item_height_cm",
            "new_item_unit",
            "quantity",
            "purchase_price",
            "total",
            "unit_price_in_shop_currency",
            "total_in_shop_currency",
            "suggested_retail_price",
        ]
        read_only_fields = fields

    def to_representation(self, instance: SupplyLine) -> dict[str, Any]:
        data: dict[str, Any] = super().to_representation(instance)
        if instance.stock_item_id is not None:
            for field in self.NEW_ITEM_FIELDS:
                data[field] = None
        return data


class SupplySerializer(serializers.ModelSerializer[Supply]):
    """A supply as read (list and detail): supplier, people, lines and totals."""

    supplier = CompactSerializer(read_only=True)
    rate = serializers.DecimalField(max_digits=12, decimal_places=4, read_only=True)
    created_by = CompactSerializer(read_only=True, allow_null=True)
    received_by = CompactSerializer(read_only=True, allow_null=True)
    cancelled_by = CompactSerializer(read_only=True, allow_null=True)
    lines = SupplyLineSerializer(many=True, read_only=True)
    total = computed_money(help_text="Σ line totals in the supply's currency.")
    total_in_shop_currency = computed_money(help_text="Σ line totals converted at the rate, in the shop's currency.")

    class Meta:
        model = Supply
        fields = [
            "id",
            "supplier",
            "date",
            "currency",
            "rate",
            "notes",
            "status",
            "lines",
            "total",
            "total_in_shop_currency",
            "created_by",
            "created_at",
            "updated_at",
            "received_at",
            "received_by",
            "cancelled_at",
            "cancelled_by",
        ]
        read_only_fields = fields


# Florists read supplies (what arrives, how much, when) without any money (§11.1).
SupplyLineFloristSerializer = narrowed(
    SupplyLineSerializer,
    name="SupplyLineFloristSerializer",
    drop=["purchase_price", "total", "unit_price_in_shop_currency", "total_in_shop_currency", "suggested_retail_price"],
)
SupplyFloristSerializer = narrowed(
    SupplySerializer,
    name="SupplyFloristSerializer",
    drop=["rate", "total", "total_in_shop_currency"],
    replace={"lines": SupplyLineFloristSerializer(many=True, read_only=True)},
)


class SupplyLineInputSerializer(serializers.Serializer[Any]):
    """``stock_item_id`` (an item of the active shop), or a new item's ``new_item_name``
    (+ category, height, unit); ``quantity``; ``purchase_price`` per unit in the supply's
    currency (up to 4 decimals)."""

    stock_item_id = ShopRelatedField(
        source="stock_item", queryset=StockItem.objects.all(), required=False, allow_null=True
    )
    new_item_name = serializers.CharField(max_length=NAME_MAX_LENGTH, required=False, allow_blank=True)
    new_item_category = serializers.ChoiceField(choices=StockCategory.choices, required=False)
    new_item_height_cm = serializers.IntegerField(min_value=1, max_value=HEIGHT_MAX_CM, required=False, allow_null=True)
    new_item_unit = serializers.ChoiceField(choices=StockUnit.choices, required=False)
    quantity = QuantityField()
    purchase_price = serializers.DecimalField(
        max_digits=12, decimal_places=4, min_value=Decimal("0"), max_value=PRICE_MAX
    )


class SupplyInputSerializer(serializers.Serializer[Any]):
    """Create or PATCH a draft. The supplier is ``supplier_id`` or ``supplier_name`` (found
    case-insensitively or created); ``lines``, when sent, replaces every line."""

    supplier_id = ShopRelatedField(source="supplier", queryset=Supplier.objects.all(), required=False, allow_null=True)
    supplier_name = serializers.CharField(max_length=SUPPLIER_NAME_MAX_LENGTH, required=False, allow_blank=True)
    date = serializers.DateField(required=False)
    currency = serializers.CharField(min_length=3, max_length=3, required=False)
    rate = serializers.DecimalField(
        max_digits=12,
        decimal_places=4,
        min_value=Decimal("0.0001"),
        max_value=RATE_MAX,
        required=False,
        allow_null=True,
    )
    notes = serializers.CharField(max_length=NOTES_MAX_LENGTH, required=False, allow_blank=True)
    # max_length is ListSerializer's (checked before any line is validated); the stubs miss it.
    lines = SupplyLineInputSerializer(many=True, required=False, max_length=MAX_LINES)  # type: ignore[call-arg]


class SupplyParseSerializer(serializers.Serializer[Any]):
    text = serializers.CharField(allow_blank=True, trim_whitespace=False, max_length=MAX_TEXT_LENGTH)


class ParsedItemSerializer(serializers.Serializer[Any]):
    """Documents one parsed line, ``name [height] price quantity`` (the view returns the
    parser's dict as is)."""

    line = serializers.IntegerField()
    name = serializers.CharField()
    height_cm = serializers.IntegerField(allow_null=True)
    purchase_price = serializers.CharField(help_text="Decimal string in the supply's currency.")
    quantity = serializers.IntegerField()
    match = serializers.ChoiceField(
        choices=[(MATCH_EXACT, "exact"), (MATCH_PARTIAL, "partial")],
        allow_null=True,
        help_text="`exact`: same case-folded name and height; `partial`: the one item of that height whose name "
        "contains the line's name (or the reverse); null: no match, see `suggestions`.",
    )
    stock_item_id = serializers.IntegerField(allow_null=True)
    stock_item = StockItemRefSerializer(allow_null=True)
    suggestions = StockItemRefSerializer(many=True)


class ParseErrorSerializer(serializers.Serializer[Any]):
    line = serializers.IntegerField()
    message = serializers.CharField()


class SupplyParseResultSerializer(serializers.Serializer[Any]):
    items = ParsedItemSerializer(many=True)
    # DRF's metaclass pops declared fields, so this does not shadow Serializer.errors at runtime.
    errors = ParseErrorSerializer(many=True)  # type: ignore[assignment]
