"""Shapes of the catalog API. Input and output differ (a recipe line is written as
``{"stock_item_id", "quantity"}`` and read with its stock item and costs), so each has its own
serializer. Computed money goes through ``DecimalField`` serializers: always strings."""

from __future__ import annotations

from decimal import ROUND_HALF_UP
from typing import Any

from rest_framework import serializers

from apps.catalog.models import Product, ProductCategory, ProductComponent
from apps.catalog.services import MAX_COMPONENTS, MAX_EXTRAS
from apps.warehouse.models import StockItem
from flowercrm.serializers import MoneyField, QuantityField, ShopRelatedField


class ComputedMoneyField(serializers.DecimalField):
    """Read-only computed money (sums, margins, suggested prices): a 2-place string. No digit
    limit, because a sum may pass the 12 digits of a stored amount."""

    def __init__(self, **kwargs: Any) -> None:
        kwargs.setdefault("max_digits", None)
        kwargs.setdefault("decimal_places", 2)
        kwargs.setdefault("coerce_to_string", True)
        kwargs.setdefault("rounding", ROUND_HALF_UP)
        kwargs["read_only"] = True
        super().__init__(**kwargs)


class StockItemCompactSerializer(serializers.Serializer[StockItem]):
    """``{"id", "name", "unit"}`` — a stock item referenced by a recipe line."""

    id = serializers.IntegerField(read_only=True)
    name = serializers.CharField(read_only=True)
    unit = serializers.CharField(read_only=True)


# --- products ------------------------------------------------------------------------------


class ProductComponentOutputSerializer(serializers.ModelSerializer[ProductComponent]):
    stock_item_id = serializers.IntegerField(read_only=True)
    stock_item = StockItemCompactSerializer(read_only=True)
    unit_cost = MoneyField(source="stock_item.unit_cost", read_only=True)
    line_cost = ComputedMoneyField()

    class Meta:
        model = ProductComponent
        fields = ["stock_item_id", "stock_item", "quantity", "unit_cost", "line_cost"]
        read_only_fields = fields


class ProductOutputSerializer(serializers.ModelSerializer[Product]):
    """A product with its recipe, cost and margin. Read it from ``apps.catalog.selectors``
    (the recipe cost is annotated there)."""

    price = MoneyField(read_only=True)
    sale_price = MoneyField(read_only=True, allow_null=True)
    effective_price = MoneyField(read_only=True)
    components = ProductComponentOutputSerializer(many=True, read_only=True)
    cost = ComputedMoneyField()
    margin = ComputedMoneyField()
    margin_percent = ComputedMoneyField(decimal_places=1, allow_null=True)

    class Meta:
        model = Product
        fields = [
            "id",
            "name",
            "description",
            "category",
            "price",
            "sale_price",
            "effective_price",
            "sku",
            "is_active",
            "components",
            "cost",
            "margin",
            "margin_percent",
            "created_at",
            "updated_at",
        ]
        read_only_fields = fields


class ComponentInputSerializer(serializers.Serializer[Any]):
    """A recipe line as written: a stock item of the active shop and a quantity."""

    stock_item_id = ShopRelatedField(queryset=StockItem.objects.all(), source="stock_item")
    quantity = QuantityField()


class ProductInputSerializer(serializers.Serializer[Any]):
    """``POST``/``PUT``/``PATCH /api/products/``. ``components`` (when sent) replaces the
    recipe; the service checks the rules that cross fields and rows (sale price below price,
    unique SKU, each stock item once)."""

    name = serializers.CharField(max_length=200)
    description = serializers.CharField(max_length=5000, allow_blank=True, required=False)
    category = serializers.ChoiceField(choices=ProductCategory.choices, required=False)
    price = MoneyField()
    sale_price = MoneyField(allow_null=True, required=False)
    sku = serializers.CharField(max_length=64, allow_blank=True, required=False)
    is_active = serializers.BooleanField(required=False)
    components: serializers.ListSerializer[Any] = serializers.ListSerializer(
        child=ComponentInputSerializer(), required=False, max_length=MAX_COMPONENTS
    )


# --- the calculator ------------------------------------------------------------------------


class ExtraInputSerializer(serializers.Serializer[Any]):
    """Something priced into the bouquet that is not a stock item (a card, a box, a topper)."""

    name = serializers.CharField(max_length=200)
    price = MoneyField()
    quantity = QuantityField(default=1)


class SaveAsInputSerializer(serializers.Serializer[Any]):
    name = serializers.CharField(max_length=200)
    category = serializers.ChoiceField(choices=ProductCategory.choices, required=False)
    price = MoneyField(required=False)
    description = serializers.CharField(max_length=5000, allow_blank=True, required=False)
    sku = serializers.CharField(max_length=64, allow_blank=True, required=False)


class CalculateInputSerializer(serializers.Serializer[Any]):
    """``POST /api/catalog/calculate/``. ``labour`` defaults to the shop's labour cost;
    ``category`` picks the markups (else ``save_as.category``, else the shop's default)."""

    components: serializers.ListSerializer[Any] = serializers.ListSerializer(
        child=ComponentInputSerializer(), max_length=MAX_COMPONENTS
    )
    extras: serializers.ListSerializer[Any] = serializers.ListSerializer(
        child=ExtraInputSerializer(), required=False, max_length=MAX_EXTRAS
    )
    labour = MoneyField(required=False)
    category = serializers.ChoiceField(choices=ProductCategory.choices, required=False)
    save_as = SaveAsInputSerializer(required=False, allow_null=True)


class CalculationComponentSerializer(serializers.Serializer[Any]):
    stock_item_id = serializers.IntegerField(source="stock_item.id", read_only=True)
    stock_item = StockItemCompactSerializer(read_only=True)
    quantity = serializers.IntegerField(read_only=True)
    unit_cost = MoneyField(read_only=True)
    line_cost = ComputedMoneyField()


class CalculationExtraSerializer(serializers.Serializer[Any]):
    name = serializers.CharField(read_only=True)
    price = MoneyField(read_only=True)
    quantity = serializers.IntegerField(read_only=True)
    line_cost = ComputedMoneyField()


class PriceLevelsSerializer(serializers.Serializer[Any]):
    minimum = ComputedMoneyField()
    recommended = ComputedMoneyField()
    premium = ComputedMoneyField()


class CalculationOutputSerializer(serializers.Serializer[Any]):
    """The priced recipe. ``markups`` are the percents used; ``product`` is present when
    ``save_as`` created one."""

    components = CalculationComponentSerializer(many=True, read_only=True)
    extras = CalculationExtraSerializer(many=True, read_only=True)
    components_cost = ComputedMoneyField()
    extras_cost = ComputedMoneyField()
    labour = ComputedMoneyField()
    cost = ComputedMoneyField()
    category = serializers.CharField(read_only=True, allow_null=True)
    markups = PriceLevelsSerializer(read_only=True)
    suggested_prices = PriceLevelsSerializer(read_only=True)
    product = ProductOutputSerializer(read_only=True, required=False)
