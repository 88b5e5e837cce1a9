"""Shapes of the public storefront API. Output carries what a buyer may see — never a cost,
recipe, extra, labour, stock figure or anything about other buyers. Input is the order body
of ARCHITECTURE §5 without money: fields a client may send but the checkout does not take
(``price``, ``unit_price``, ``total``, ``delivery_fee``, ``discount``, ``customer_id``,
``source``…) are ignored, like any unknown field, so an old or sloppy client still works
and nothing it prices is used."""

from __future__ import annotations

from typing import Any

from django.utils.translation import gettext
from rest_framework import serializers

from apps.catalog.api.serializers import ProductImageOutputSerializer
from apps.catalog.models import Product
from apps.orders.models import DeliveryMethod, PaymentMethod
from apps.shops.models import DeliveryZone, Shop
from flowercrm.limits import MAX_ID
from flowercrm.serializers import MoneyField, PhoneField, ShopRelatedField

MAX_ITEMS = 20
MAX_QUANTITY = 100


class PublicZoneSerializer(serializers.ModelSerializer[DeliveryZone]):
    fee = MoneyField(read_only=True)

    class Meta:
        model = DeliveryZone
        fields = ["id", "name", "fee"]
        read_only_fields = fields


class PublicShopSerializer(serializers.ModelSerializer[Shop]):
    """A shop's public profile. ``delivery_zones``: choose one for a delivery when the list is
    not empty (its fee is the delivery fee); otherwise a delivery costs
    ``default_delivery_fee``; a pickup is free."""

    default_delivery_fee = MoneyField(read_only=True)
    delivery_zones = PublicZoneSerializer(many=True, read_only=True)

    class Meta:
        model = Shop
        fields = [
            "slug",
            "name",
            "phone",
            "address",
            "hours",
            "currency",
            "time_zone",
            "default_delivery_fee",
            "delivery_zones",
        ]
        read_only_fields = fields


class PublicProductSerializer(serializers.ModelSerializer[Product]):
    """A product on sale: ``effective_price`` is what an order charges for one (the sale
    price when there is one)."""

    price = MoneyField(read_only=True)
    sale_price = MoneyField(read_only=True, allow_null=True)
    effective_price = MoneyField(read_only=True)
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
            "images",
            "primary_image",
        ]
        read_only_fields = fields


class CheckoutBuyerSerializer(serializers.Serializer[Any]):
    phone = PhoneField()
    name = serializers.CharField(max_length=150)


class CheckoutItemSerializer(serializers.Serializer[Any]):
    # Resolved for the whole list at once by ``CheckoutSerializer.validate_items``.
    product_id = serializers.IntegerField(min_value=1, max_value=MAX_ID)
    quantity = serializers.IntegerField(min_value=1, max_value=MAX_QUANTITY)


class CheckoutSerializer(serializers.Serializer[Any]):
    """The storefront's order body. No money: prices, the delivery fee and the total are the
    server's. The delivery date is today up to 60 days ahead in the shop's time zone; today's
    window must not have ended. A delivery needs an address, and a zone when the shop has
    zones."""

    customer = CheckoutBuyerSerializer()
    recipient_name = serializers.CharField(max_length=150, required=False, allow_blank=True, default="")
    recipient_phone = PhoneField(required=False, allow_blank=True, default="")
    is_anonymous = serializers.BooleanField(required=False, default=False)
    delivery_method = serializers.ChoiceField(choices=DeliveryMethod.choices)
    delivery_zone_id = ShopRelatedField(
        queryset=DeliveryZone.objects.all(), source="delivery_zone", required=False, allow_null=True
    )
    delivery_address = serializers.CharField(max_length=500, required=False, allow_blank=True, default="")
    delivery_entrance = serializers.CharField(max_length=20, required=False, allow_blank=True, default="")
    delivery_floor = serializers.CharField(max_length=20, required=False, allow_blank=True, default="")
    delivery_intercom = serializers.CharField(max_length=50, required=False, allow_blank=True, default="")
    call_before = serializers.BooleanField(required=False, default=False)
    surprise = serializers.BooleanField(required=False, default=False)
    delivery_date = serializers.DateField()
    delivery_time_from = serializers.TimeField(required=False, allow_null=True, input_formats=["%H:%M", "%H:%M:%S"])
    delivery_time_to = serializers.TimeField(required=False, allow_null=True, input_formats=["%H:%M", "%H:%M:%S"])
    card_text = serializers.CharField(max_length=500, required=False, allow_blank=True, default="")
    comment = serializers.CharField(max_length=1000, required=False, allow_blank=True, default="")
    items = CheckoutItemSerializer(many=True, min_length=1, max_length=MAX_ITEMS)  # type: ignore[call-arg]
    payment_method = serializers.ChoiceField(
        choices=PaymentMethod.choices,
        required=False,
        allow_blank=True,
        default="",
        help_text="How the buyer would like to pay (a preference for the office; no payment is taken here).",
    )

    def validate_items(self, lines: list[dict[str, Any]]) -> list[dict[str, Any]]:
        """Products on sale of the storefront's shop only, read in one query whatever the
        number of lines: another shop's, an unknown or an inactive one is a 400 on its line."""
        ids = {line["product_id"] for line in lines}
        shop = self.context.get("shop")
        found = {p.id: p for p in Product.objects.filter(shop=shop, is_active=True, id__in=ids)} if shop else {}
        errors = [
            {} if line["product_id"] in found else {"product_id": [gettext("The product is not on sale.")]}
            for line in lines
        ]
        if any(errors):
            raise serializers.ValidationError(errors)
        return [{"product": found[line["product_id"]], "quantity": line["quantity"]} for line in lines]


class CheckoutAnswerSerializer(serializers.Serializer[Any]):
    number = serializers.IntegerField(read_only=True)
    total = MoneyField(read_only=True)
    tracking_url = serializers.URLField(read_only=True)
