from __future__ import annotations

from typing import Any

from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from apps.accounts.models import User
from apps.catalog.models import Product
from apps.customers.models import Customer, Source
from apps.orders.models import (
    DeliveryMethod,
    IssueType,
    Order,
    OrderEvent,
    OrderItem,
    OrderPhoto,
    OrderStatus,
    Payment,
    PaymentMethod,
    PhotoKind,
)
from apps.orders.status import PROGRESS_STEPS, allowed_transitions
from apps.shops.models import DeliveryZone, Membership
from apps.warehouse.models import StockItem
from flowercrm.images_api import ShopImageField, UploadedImageSerializer
from flowercrm.roles import ELIGIBLE_COURIER_ROLES, ELIGIBLE_FLORIST_ROLES, Role
from flowercrm.serializers import MONEY_MAX, MoneyField, PhoneField, QuantityField, SentWholeMixin, ShopRelatedField

# --- Output -----------------------------------------------------------------------------


class PersonSerializer(serializers.Serializer[Any]):
    id = serializers.IntegerField()
    name = serializers.CharField()


class BuyerCompactSerializer(serializers.Serializer[Any]):
    id = serializers.IntegerField()
    name = serializers.CharField()
    phone = serializers.CharField()


class OrderItemSerializer(serializers.ModelSerializer[OrderItem]):
    unit_price = MoneyField()
    line_total = MoneyField()

    class Meta:
        model = OrderItem
        fields = ["id", "product_id", "name", "quantity", "unit_price", "line_total"]
        read_only_fields = fields


class OrderItemOfficeSerializer(OrderItemSerializer):
    unit_cost = MoneyField()

    class Meta(OrderItemSerializer.Meta):
        fields = [*OrderItemSerializer.Meta.fields, "unit_cost"]
        read_only_fields = fields


class PaymentSerializer(serializers.ModelSerializer[Payment]):
    amount = MoneyField(min_value=-MONEY_MAX)
    actor = PersonSerializer(allow_null=True)

    class Meta:
        model = Payment
        fields = ["id", "amount", "method", "external_id", "paid_at", "actor", "created_at"]
        read_only_fields = fields


class OrderEventSerializer(serializers.ModelSerializer[OrderEvent]):
    actor = PersonSerializer(allow_null=True)

    class Meta:
        model = OrderEvent
        fields = ["id", "type", "actor", "created_at", "data"]
        read_only_fields = fields


class OrderPhotoSerializer(serializers.ModelSerializer[OrderPhoto]):
    image = UploadedImageSerializer()
    created_by = PersonSerializer(allow_null=True)

    class Meta:
        model = OrderPhoto
        fields = ["id", "kind", "image", "created_by", "created_at"]
        read_only_fields = fields


class _OrderBase(serializers.ModelSerializer[Order]):
    status_label = serializers.CharField(source="get_status_display", read_only=True)
    allowed_transitions = serializers.SerializerMethodField()
    florist = PersonSerializer(allow_null=True, read_only=True)
    courier = PersonSerializer(allow_null=True, read_only=True)
    delivery_time_from = serializers.TimeField(format="%H:%M", allow_null=True)
    delivery_time_to = serializers.TimeField(format="%H:%M", allow_null=True)
    total = MoneyField()
    amount_due = MoneyField()

    def get_allowed_transitions(self, order: Order) -> list[str]:
        request = self.context.get("request")
        role = self.context.get("role")
        if request is None or role is None:
            return []
        return allowed_transitions(order, role=role, user_id=request.user.pk)


SUMMARY_FIELDS = [
    "id",
    "number",
    "status",
    "status_label",
    "allowed_transitions",
    "customer",
    "recipient_name",
    "recipient_phone",
    "is_anonymous",
    "delivery_method",
    "delivery_address",
    "address_needs_clarification",
    "delivery_date",
    "delivery_time_from",
    "delivery_time_to",
    "items",
    "subtotal",
    "delivery_fee",
    "discount",
    "total",
    "paid_amount",
    "amount_due",
    "payment_status",
    "florist",
    "courier",
    "issue_type",
    "source",
    "created_at",
    "updated_at",
]


class OrderSummarySerializer(_OrderBase):
    """A list row for the office and florists (the same row /ws sends them)."""

    customer = BuyerCompactSerializer()
    items = OrderItemSerializer(many=True)
    subtotal = MoneyField()
    delivery_fee = MoneyField()
    discount = MoneyField()
    paid_amount = MoneyField()

    class Meta:
        model = Order
        fields = SUMMARY_FIELDS
        read_only_fields = fields


DETAIL_EXTRA = [
    "delivery_entrance",
    "delivery_floor",
    "delivery_intercom",
    "delivery_zone_id",
    "call_before",
    "surprise",
    "card_text",
    "comment",
    "issue_comment",
    "cancel_reason",
    "closed_at",
    "tracking_token",
    "photos",
    "payments",
    "events",
]


class OrderDetailSerializer(OrderSummarySerializer):
    items = OrderItemOfficeSerializer(many=True)
    photos = OrderPhotoSerializer(many=True)
    payments = PaymentSerializer(many=True)
    events = OrderEventSerializer(many=True)

    class Meta:
        model = Order
        fields = [*SUMMARY_FIELDS, *DETAIL_EXTRA]
        read_only_fields = fields


class OrderFloristDetailSerializer(OrderSummarySerializer):
    """Florists see the work and the history, not costs, payments or the tracking link."""

    events = OrderEventSerializer(many=True)
    photos = OrderPhotoSerializer(many=True)

    class Meta:
        model = Order
        fields = [*SUMMARY_FIELDS, *[f for f in DETAIL_EXTRA if f not in ("payments", "tracking_token")]]
        read_only_fields = fields


COURIER_FIELDS = [
    "id",
    "number",
    "status",
    "status_label",
    "allowed_transitions",
    "buyer",
    "recipient_name",
    "recipient_phone",
    "delivery_method",
    "delivery_address",
    "delivery_entrance",
    "delivery_floor",
    "delivery_intercom",
    "address_needs_clarification",
    "call_before",
    "surprise",
    "delivery_date",
    "delivery_time_from",
    "delivery_time_to",
    "card_text",
    "items",
    "total",
    "amount_due",
    "courier",
    "issue_type",
    "issue_comment",
]


class OrderCourierSerializer(_OrderBase):
    """What a courier needs for a delivery: the recipient, the address, the window, the card
    and what to collect; the buyer only if not anonymous, and only name and phone."""

    buyer = serializers.SerializerMethodField()
    items = serializers.SerializerMethodField()

    class Meta:
        model = Order
        fields = COURIER_FIELDS
        read_only_fields = fields

    def get_buyer(self, order: Order) -> dict[str, str] | None:
        if order.is_anonymous:
            return None
        return {"name": order.customer.name, "phone": order.customer.phone}

    def get_items(self, order: Order) -> list[dict[str, Any]]:
        return [{"name": item.name, "quantity": item.quantity} for item in order.items.all()]


def output_serializer(role: str, *, detail: bool) -> type[serializers.Serializer[Any]]:
    if role == Role.COURIER:
        return OrderCourierSerializer
    if role == Role.FLORIST:
        return OrderFloristDetailSerializer if detail else OrderSummarySerializer
    return OrderDetailSerializer if detail else OrderSummarySerializer


# --- Input ------------------------------------------------------------------------------


class BuyerInputSerializer(serializers.Serializer[Any]):
    phone = PhoneField()
    name = serializers.CharField(max_length=150, required=False, allow_blank=True, default="")
    email = serializers.EmailField(required=False, allow_blank=True, default="")


class ItemInputSerializer(SentWholeMixin, serializers.Serializer[Any]):
    product_id = ShopRelatedField(queryset=Product.objects.all(), source="product")
    quantity = QuantityField()


@extend_schema_field(OpenApiTypes.INT)
class EligibleMemberField(serializers.Field):  # type: ignore[type-arg]
    """A user id that must be an active member of the shop with an eligible role."""

    default_error_messages = {"invalid": "Ожидается id сотрудника."}

    def __init__(self, *, roles: frozenset[str], **kwargs: Any) -> None:
        self.eligible_roles = roles
        super().__init__(**kwargs)

    def to_representation(self, value: Any) -> Any:
        return getattr(value, "pk", value)

    def to_internal_value(self, data: Any) -> User:
        if isinstance(data, bool) or not isinstance(data, (int, str)) or not str(data).isdigit() or len(str(data)) > 18:
            self.fail("invalid")
        membership = (
            Membership.objects.select_related("user")
            .filter(shop=self.context.get("shop"), user_id=int(data), is_active=True, role__in=self.eligible_roles)
            .first()
        )
        if membership is None:
            raise serializers.ValidationError("Такого сотрудника с подходящей ролью в магазине нет.")
        return membership.user


class OrderWriteSerializer(serializers.Serializer[Any]):
    """The order body of ARCHITECTURE §5. Prices, subtotals and totals a client sends are not
    fields here, so they are ignored."""

    customer = BuyerInputSerializer(required=False)
    customer_id = ShopRelatedField(queryset=Customer.objects.all(), source="customer_obj", required=False)
    recipient_name = serializers.CharField(max_length=150, required=False, allow_blank=True)
    recipient_phone = PhoneField(required=False, allow_blank=True)
    is_anonymous = serializers.BooleanField(required=False)
    delivery_method = serializers.ChoiceField(choices=DeliveryMethod.choices, required=False)
    delivery_address = serializers.CharField(max_length=500, required=False, allow_blank=True)
    delivery_entrance = serializers.CharField(max_length=20, required=False, allow_blank=True)
    delivery_floor = serializers.CharField(max_length=20, required=False, allow_blank=True)
    delivery_intercom = serializers.CharField(max_length=50, required=False, allow_blank=True)
    address_needs_clarification = serializers.BooleanField(required=False)
    delivery_zone_id = ShopRelatedField(
        queryset=DeliveryZone.objects.all(), source="delivery_zone", required=False, allow_null=True
    )
    call_before = serializers.BooleanField(required=False)
    surprise = serializers.BooleanField(required=False)
    delivery_date = serializers.DateField(required=False)
    delivery_time_from = serializers.TimeField(required=False, allow_null=True, input_formats=["%H:%M", "%H:%M:%S"])
    delivery_time_to = serializers.TimeField(required=False, allow_null=True, input_formats=["%H:%M", "%H:%M:%S"])
    card_text = serializers.CharField(max_length=1000, required=False, allow_blank=True)
    comment = serializers.CharField(max_length=2000, required=False, allow_blank=True)
    source = serializers.ChoiceField(choices=Source.choices, required=False, allow_blank=True)  # type: ignore[assignment]
    items = ItemInputSerializer(many=True, required=False, max_length=50)  # type: ignore[call-arg]
    delivery_fee = MoneyField(required=False, allow_null=True)
    discount = MoneyField(required=False, allow_null=True)

    def validate_delivery_date(self, value: Any) -> Any:
        if not 2000 <= value.year <= 2100:
            raise serializers.ValidationError("Дата вне допустимого диапазона.")
        return value

    def validate(self, attrs: dict[str, Any]) -> dict[str, Any]:
        start, end = attrs.get("delivery_time_from"), attrs.get("delivery_time_to")
        if start is not None and end is not None and end < start:
            raise serializers.ValidationError({"delivery_time_to": ["Окно доставки заканчивается раньше начала."]})
        return attrs


class OrderCreateSerializer(OrderWriteSerializer):
    delivery_date = serializers.DateField()
    items = ItemInputSerializer(many=True, min_length=1, max_length=50)  # type: ignore[call-arg]

    def validate(self, attrs: dict[str, Any]) -> dict[str, Any]:
        attrs = super().validate(attrs)
        if (attrs.get("delivery_time_from") is None) != (attrs.get("delivery_time_to") is None):
            raise serializers.ValidationError({"delivery_time_to": ["Укажите оба конца окна или ни одного."]})
        has_new, has_id = "customer" in attrs, "customer_obj" in attrs
        if has_new and has_id:
            raise serializers.ValidationError({"customer": ["Укажите customer или customer_id, не оба."]})
        if not has_new and not has_id:
            raise serializers.ValidationError({"customer": ["Укажите покупателя: customer или customer_id."]})
        return attrs


class OrderUpdateSerializer(OrderWriteSerializer):
    florist_id = EligibleMemberField(roles=ELIGIBLE_FLORIST_ROLES, source="florist", required=False, allow_null=True)
    courier_id = EligibleMemberField(roles=ELIGIBLE_COURIER_ROLES, source="courier", required=False, allow_null=True)

    def to_internal_value(self, data: Any) -> Any:
        if isinstance(data, dict):
            refused = sorted({"status", "customer", "customer_id"} & set(data))
            if refused:
                raise serializers.ValidationError(
                    {name: ["Это поле не меняется через PATCH (статус — через /transition/)."] for name in refused}
                )
        return super().to_internal_value(data)


class ConsumptionLineSerializer(serializers.Serializer[Any]):
    stock_item_id = ShopRelatedField(queryset=StockItem.objects.all(), source="stock_item")
    quantity = QuantityField()


class PhotoInputSerializer(serializers.Serializer[Any]):
    image_id = ShopImageField()
    kind = serializers.ChoiceField(choices=PhotoKind.choices)


class TransitionSerializer(serializers.Serializer[Any]):
    status = serializers.ChoiceField(choices=OrderStatus.choices)
    # A courier's proof of delivery, attached with the move to ``delivered``.
    photo_id = ShopImageField(required=False)
    reason = serializers.CharField(max_length=1000, required=False, allow_blank=True, default="")
    consumption = ConsumptionLineSerializer(many=True, required=False, max_length=100)  # type: ignore[call-arg]

    def validate_consumption(self, lines: list[dict[str, Any]]) -> dict[int, int]:
        total: dict[int, int] = {}
        for line in lines:
            item_id = line["stock_item"].id
            total[item_id] = total.get(item_id, 0) + line["quantity"]
            if total[item_id] > 100_000:
                raise serializers.ValidationError("Слишком большое количество.")
        return total


class PaymentInputSerializer(serializers.Serializer[Any]):
    amount = MoneyField(min_value=-MONEY_MAX)
    method = serializers.ChoiceField(choices=PaymentMethod.choices)
    external_id = serializers.CharField(max_length=100, required=False, allow_blank=True, default="")


class CommentInputSerializer(serializers.Serializer[Any]):
    text = serializers.CharField(max_length=2000)


class IssueInputSerializer(serializers.Serializer[Any]):
    type = serializers.ChoiceField(choices=IssueType.choices)
    comment = serializers.CharField(max_length=2000, required=False, allow_blank=True, default="")


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

    def get_items(self, order: Order) -> list[dict[str, Any]]:
        return [{"name": item.name, "quantity": item.quantity} for item in order.items.all()]

    def get_recipient_name(self, order: Order) -> str:
        name = order.recipient_name.strip()
        return name.split()[0] if name else ""

    def get_recipient_phone(self, order: Order) -> str:
        from flowercrm.phone import mask_phone

        return mask_phone(order.recipient_phone) if order.recipient_phone else ""

    def get_address(self, order: Order) -> str:
        return street_only(order.delivery_address) if order.delivery_method == DeliveryMethod.DELIVERY else ""

    def get_shop(self, order: Order) -> dict[str, str]:
        return {"name": order.shop.name}


def street_only(address: str) -> str:
    """«ул. Абая 10, кв 5» → «ул. Абая»: the street without house, flat or entrance."""
    first = address.split(",")[0].strip()
    words = first.split()
    while words and any(ch.isdigit() for ch in words[-1]):
        words.pop()
    return " ".join(words)
