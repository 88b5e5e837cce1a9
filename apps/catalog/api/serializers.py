"""Shapes of the catalog API. Input and output differ (a recipe line is written as
``{"stock_item_id", "quantity"}`` and read with its stock item and costs), so each has its own
serializer. Computed money goes through ``DecimalField`` serializers: always strings.

Florists read the catalog without money of the shop's own (§11.1 "Who sees money"): their
shapes (``ProductFlorist``, ``CalculationFlorist``…) are derived with
``flowercrm.visibility.narrowed`` and lack costs, margins, unit costs, extras' prices and
labour."""

from __future__ import annotations

from decimal import ROUND_HALF_UP
from typing import Any

from django.utils.translation import gettext_lazy as _
from rest_framework import serializers

from apps.catalog.constants import (
    DESCRIPTION_MAX_LENGTH,
    EXTRA_NAME_MAX_LENGTH,
    MAX_COMPONENTS,
    MAX_EXTRAS,
    MAX_PRODUCT_IMAGES,
    NAME_MAX_LENGTH,
    SKU_MAX_LENGTH,
)
from apps.catalog.models import Product, ProductCategory, ProductComponent, ProductExtra, ProductImage
from apps.warehouse.models import StockItem
from flowercrm.images_api import ShopImageField
from flowercrm.serializers import MoneyField, QuantityField, SentWholeMixin, ShopRelatedField, WarningSerializer
from flowercrm.visibility import narrowed


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


class ProductExtraOutputSerializer(serializers.ModelSerializer[ProductExtra]):
    price = MoneyField(read_only=True)
    line_cost = ComputedMoneyField()

    class Meta:
        model = ProductExtra
        fields = ["name", "price", "quantity", "line_cost"]
        read_only_fields = fields


class ProductImageOutputSerializer(serializers.ModelSerializer[ProductImage]):
    """A product picture. ``id`` is the uploaded image's id — the one ``images`` takes — so a
    client reorders by sending the ids back. URLs are built now (absolute with a request)."""

    id = serializers.IntegerField(source="image_id", read_only=True)
    url = serializers.SerializerMethodField()
    thumbnail_url = serializers.SerializerMethodField()
    width = serializers.IntegerField(source="image.width", read_only=True)
    height = serializers.IntegerField(source="image.height", read_only=True)

    class Meta:
        model = ProductImage
        fields = ["id", "url", "thumbnail_url", "width", "height", "position", "is_primary"]
        read_only_fields = fields

    def get_url(self, picture: ProductImage) -> str:
        return self._absolute(picture.image.url)

    def get_thumbnail_url(self, picture: ProductImage) -> str:
        return self._absolute(picture.image.thumbnail_url)

    def _absolute(self, url: str) -> str:
        request = self.context.get("request")
        return request.build_absolute_uri(url) if request is not None else url


class ProductOutputSerializer(serializers.ModelSerializer[Product]):
    """A product with its recipe, extras, labour, cost, margin and pictures. ``cost`` =
    components at current unit costs + extras + labour. Read it from
    ``apps.catalog.selectors`` (the cost is annotated and the rest prefetched there)."""

    price = MoneyField(read_only=True)
    sale_price = MoneyField(read_only=True, allow_null=True)
    effective_price = MoneyField(read_only=True)
    components = ProductComponentOutputSerializer(many=True, read_only=True)
    extras = ProductExtraOutputSerializer(many=True, read_only=True)
    labour = MoneyField(read_only=True)
    cost = ComputedMoneyField()
    margin = ComputedMoneyField()
    margin_percent = ComputedMoneyField(decimal_places=1, allow_null=True)
    images = ProductImageOutputSerializer(many=True, read_only=True)
    primary_image = ProductImageOutputSerializer(read_only=True, allow_null=True)

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
            "extras",
            "labour",
            "cost",
            "margin",
            "margin_percent",
            "images",
            "primary_image",
            "created_at",
            "updated_at",
        ]
        read_only_fields = fields


class ProductWriteOutputSerializer(ProductOutputSerializer):
    """The answer to creating or editing a product: the product and its ``warnings`` (empty
    when none)."""

    warnings = WarningSerializer(many=True, read_only=True)

    class Meta(ProductOutputSerializer.Meta):
        fields = [*ProductOutputSerializer.Meta.fields, "warnings"]
        read_only_fields = fields


ProductComponentFloristSerializer = narrowed(
    ProductComponentOutputSerializer, name="ProductComponentFloristSerializer", drop=["unit_cost", "line_cost"]
)
ProductExtraFloristSerializer = narrowed(
    ProductExtraOutputSerializer, name="ProductExtraFloristSerializer", drop=["price", "line_cost"]
)
ProductFloristSerializer = narrowed(
    ProductOutputSerializer,
    name="ProductFloristSerializer",
    drop=["cost", "margin", "margin_percent", "labour"],
    replace={
        "components": ProductComponentFloristSerializer(many=True, read_only=True),
        "extras": ProductExtraFloristSerializer(many=True, read_only=True),
    },
)


class ComponentInputSerializer(serializers.Serializer[Any]):
    """A recipe line as written: a stock item of the active shop and a quantity."""

    stock_item_id = ShopRelatedField(queryset=StockItem.objects.all(), source="stock_item")
    quantity = QuantityField()


class ImageIdListField(serializers.ListField):
    """A list of uploaded image ids of the active shop whose errors are nested like the
    payload (``[[], ["…"]]``, one entry per index) rather than DRF's ``{index: […]}``."""

    def __init__(self, **kwargs: Any) -> None:
        kwargs.setdefault("child", ShopImageField())
        super().__init__(**kwargs)

    def run_child_validation(self, data: list[Any]) -> list[Any]:
        # Before the children (a query each), not after them as ListField's validator would.
        if self.max_length is not None and len(data) > self.max_length:
            self.fail("max_length", max_length=self.max_length)
        result: list[Any] = []
        errors: list[Any] = []
        for item in data:
            try:
                result.append(self.child.run_validation(item))
                errors.append([])
            except serializers.ValidationError as exc:
                errors.append(exc.detail)
        if any(errors):
            raise serializers.ValidationError(errors)
        return result


class ExtraInputSerializer(SentWholeMixin, serializers.Serializer[Any]):
    """Something priced into the bouquet that is not a stock item (a card, a box, a topper)."""

    name = serializers.CharField(max_length=EXTRA_NAME_MAX_LENGTH)
    price = MoneyField()
    quantity = QuantityField(default=1)


class ProductInputSerializer(serializers.Serializer[Any]):
    """``POST``/``PUT``/``PATCH /api/products/``. ``components`` (when sent) replaces the
    recipe and ``images`` (ordered uploaded image ids) the pictures; the primary picture is
    ``primary_image_id`` when sent (one of ``images``, or of the current pictures when
    ``images`` is not sent), otherwise the first. ``extras`` (when sent) replaces the extras;
    ``labour`` defaults to 0 on create. The service checks the rules that cross
    fields and rows (sale price below price, unique SKU, each stock item and image once, images
    free to attach)."""

    name = serializers.CharField(max_length=NAME_MAX_LENGTH)
    description = serializers.CharField(max_length=DESCRIPTION_MAX_LENGTH, allow_blank=True, required=False)
    category = serializers.ChoiceField(choices=ProductCategory.choices, required=False)
    price = MoneyField()
    sale_price = MoneyField(allow_null=True, required=False)
    sku = serializers.CharField(max_length=SKU_MAX_LENGTH, allow_blank=True, required=False)
    is_active = serializers.BooleanField(required=False)
    components: serializers.ListSerializer[Any] = serializers.ListSerializer(
        child=ComponentInputSerializer(), required=False, max_length=MAX_COMPONENTS
    )
    extras: serializers.ListSerializer[Any] = serializers.ListSerializer(
        child=ExtraInputSerializer(), required=False, max_length=MAX_EXTRAS
    )
    labour = MoneyField(required=False)
    images = ImageIdListField(
        required=False,
        max_length=MAX_PRODUCT_IMAGES,
        error_messages={"max_length": _("At most {max_length} images per product.")},
    )
    primary_image_id = ShopImageField(required=False, allow_null=True)


# --- the calculator ------------------------------------------------------------------------


class SaveAsInputSerializer(serializers.Serializer[Any]):
    name = serializers.CharField(max_length=NAME_MAX_LENGTH)
    category = serializers.ChoiceField(choices=ProductCategory.choices, required=False)
    price = MoneyField(required=False)
    description = serializers.CharField(max_length=DESCRIPTION_MAX_LENGTH, allow_blank=True, required=False)
    sku = serializers.CharField(max_length=SKU_MAX_LENGTH, allow_blank=True, required=False)


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
    """The priced recipe. ``markups`` are the percents used."""

    components = CalculationComponentSerializer(many=True, read_only=True)
    extras = CalculationExtraSerializer(many=True, read_only=True)
    components_cost = ComputedMoneyField()
    extras_cost = ComputedMoneyField()
    labour = ComputedMoneyField()
    cost = ComputedMoneyField()
    category = serializers.CharField(read_only=True, allow_null=True)
    markups = PriceLevelsSerializer(read_only=True)
    suggested_prices = PriceLevelsSerializer(read_only=True)


class CalculationSavedSerializer(CalculationOutputSerializer):
    """The priced recipe and the ``product`` ``save_as`` created from it (with ``warnings``)."""

    product = ProductWriteOutputSerializer(read_only=True)


CalculationComponentFloristSerializer = narrowed(
    CalculationComponentSerializer, name="CalculationComponentFloristSerializer", drop=["unit_cost", "line_cost"]
)
CalculationExtraFloristSerializer = narrowed(
    CalculationExtraSerializer, name="CalculationExtraFloristSerializer", drop=["price", "line_cost"]
)
CalculationFloristSerializer = narrowed(
    CalculationOutputSerializer,
    name="CalculationFloristSerializer",
    drop=["components_cost", "extras_cost", "labour", "cost", "markups"],
    replace={
        "components": CalculationComponentFloristSerializer(many=True, read_only=True),
        "extras": CalculationExtraFloristSerializer(many=True, read_only=True),
    },
)
