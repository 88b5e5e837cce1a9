"""The public tracking page (``GET /api/tracking/{token}/``): nothing about the buyer, the
recipient masked, the address as the street only, and only bouquet photos."""

from __future__ import annotations

from typing import Any

from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from apps.orders.api.serializers.output import ItemLineSerializer
from apps.orders.models import DeliveryMethod, Order, OrderStatus, PhotoKind
from apps.orders.rows import item_lines
from apps.orders.status import PROGRESS_STEPS
from apps.orders.tracking import street_only
from flowercrm.phone import mask_phone


class TrackingPhotoSerializer(serializers.Serializer[Any]):
    url = serializers.CharField()
    thumbnail_url = serializers.CharField()


class TrackingShopSerializer(serializers.Serializer[Any]):
    name = serializers.CharField()


class TrackingSerializer(serializers.Serializer[Any]):
    """The public tracking page: nothing about the buyer, the recipient masked."""

    status = serializers.CharField()
    status_label = serializers.CharField(source="get_status_display")
    progress_step = serializers.SerializerMethodField()
    progress_total = serializers.SerializerMethodField()
    delivery_method = serializers.CharField()
    delivery_date = serializers.DateField()
    delivery_time_from = serializers.TimeField(format="%H:%M", allow_null=True)
    delivery_time_to = serializers.TimeField(format="%H:%M", allow_null=True)
    items = serializers.SerializerMethodField()
    recipient_name = serializers.SerializerMethodField()
    recipient_phone = serializers.SerializerMethodField()
    address = serializers.SerializerMethodField()
    shop = serializers.SerializerMethodField()
    photo = serializers.SerializerMethodField()

    @extend_schema_field(TrackingPhotoSerializer(allow_null=True))
    def get_photo(self, order: Order) -> dict[str, str] | None:
        """The latest bouquet photo (proofs of delivery are never public)."""
        bouquets = [p for p in order.photos.all() if p.kind == PhotoKind.BOUQUET]
        if not bouquets:
            return None
        image = bouquets[-1].image
        request = self.context.get("request")

        def absolute(url: str) -> str:
            return request.build_absolute_uri(url) if request is not None else url

        return {"url": absolute(image.url), "thumbnail_url": absolute(image.thumbnail_url)}

    def get_progress_step(self, order: Order) -> int:
        return PROGRESS_STEPS[OrderStatus(order.status)]

    def get_progress_total(self, order: Order) -> int:
        return max(PROGRESS_STEPS.values())

    @extend_schema_field(ItemLineSerializer(many=True))
    def get_items(self, order: Order) -> list[dict[str, Any]]:
        return item_lines(order)

    def get_recipient_name(self, order: Order) -> str:
        name = order.recipient_name.strip()
        return name.split()[0] if name else ""

    def get_recipient_phone(self, order: Order) -> str:
        return mask_phone(order.recipient_phone) if order.recipient_phone else ""

    def get_address(self, order: Order) -> str:
        return street_only(order.delivery_address) if order.delivery_method == DeliveryMethod.DELIVERY else ""

    @extend_schema_field(TrackingShopSerializer())
    def get_shop(self, order: Order) -> dict[str, str]:
        return {"name": order.shop.name}
