from __future__ import annotations

from typing import Any

from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import PolymorphicProxySerializer, extend_schema_field
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
from apps.orders.tracking import street_only
from apps.orders.visibility import florist_event_data
from apps.shops.models import DeliveryZone, Membership
from apps.warehouse.models import StockItem
from flowercrm.images_api import ShopImageField, UploadedImageSerializer
from flowercrm.roles import ELIGIBLE_COURIER_ROLES, ELIGIBLE_FLORIST_ROLES, Role
from flowercrm.serializers import MONEY_MAX, MoneyField, PhoneField, QuantityField, SentWholeMixin, ShopRelatedField
from flowercrm.visibility import RoleShape, role_response

# --- Output -----------------------------------------------------------------------------
#
# One shape per role (ARCHITECTURE §11.1): the office sees everything; florists see no order
# money (``apps.orders.visibility``); couriers see the delivery and only ``amount_due``. The
# florist and courier shapes are ``RoleShape``s: their schema components forbid other
# properties, so each body matches exactly one branch of a ``oneOf``.


class PersonSerializer(serializers.Serializer[Any]):
    id = serializers.IntegerField()
    name = serializers.CharField()


class BuyerCompactSerializer(serializers.Serializer[Any]):
    id = serializers.IntegerField()
    name = serializers.CharField()
    phone = serializers.CharField()


class BuyerContactSerializer(serializers.Serializer[Any]):
    """The buyer as a courier sees them: name and phone, only of orders that are not anonymous."""

    name = serializers.CharField()
    phone = serializers.CharField()


class ItemLineSerializer(serializers.Serializer[Any]):
    """A line without money: what and how many."""

    name = serializers.CharField()
    quantity = serializers.IntegerField()


def item_lines(order: Order) -> list[dict[str, Any]]:
    return [{"name": item.name, "quantity": item.quantity} for item in order.items.all()]


class OrderWarningSerializer(serializers.Serializer[Any]):
    """Allowed but probably a mistake (``past_delivery_date``, ``window_in_past``, ``stock_short``…)."""

    code = serializers.CharField()
    message = serializers.CharField()


class ShortageSerializer(serializers.Serializer[Any]):
    stock_item_id = serializers.IntegerField()
    name = serializers.CharField()
    needed = serializers.IntegerField()
    on_hand = serializers.IntegerField()


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


class OrderItemFloristSerializer(RoleShape, serializers.ModelSerializer[OrderItem]):
    """A line as florists see it: no prices."""

    class Meta:
        model = OrderItem
        fields = ["id", "product_id", "name", "quantity"]
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
    # Blank when there is no problem (a read-only model choice would be documented without "").
    issue_type = serializers.ChoiceField(choices=IssueType.choices, allow_blank=True, read_only=True)

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
# The order's money: none of it reaches florists; couriers get only ``amount_due``.
ORDER_MONEY_FIELDS = ("subtotal", "delivery_fee", "discount", "total", "paid_amount", "amount_due", "payment_status")


class OrderSummarySerializer(_OrderBase):
    """A list row for the office (the same row /ws sends them)."""

    customer = BuyerCompactSerializer()
    items = OrderItemSerializer(many=True)
    subtotal = MoneyField()
    delivery_fee = MoneyField()
    discount = MoneyField()
    total = MoneyField()
    paid_amount = MoneyField()
    amount_due = MoneyField()

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
    """An order as the office reads it: everything, with costs, payments and the history."""

    items = OrderItemOfficeSerializer(many=True)
    photos = OrderPhotoSerializer(many=True)
    payments = PaymentSerializer(many=True)
    events = OrderEventSerializer(many=True)

    class Meta:
        model = Order
        fields = [*SUMMARY_FIELDS, *DETAIL_EXTRA]
        read_only_fields = fields


FLORIST_SUMMARY_FIELDS = [f for f in SUMMARY_FIELDS if f not in ORDER_MONEY_FIELDS]


class OrderSummaryFloristSerializer(RoleShape, _OrderBase):
    """A list row for florists (the same row /ws sends them): the work, no money."""

    customer = BuyerCompactSerializer()
    items = OrderItemFloristSerializer(many=True)

    class Meta:
        model = Order
        fields = FLORIST_SUMMARY_FIELDS
        read_only_fields = fields


class OrderDetailFloristSerializer(OrderSummaryFloristSerializer):
    """Florists see the work and the history, not money, payments or the tracking link."""

    events = serializers.SerializerMethodField()
    photos = OrderPhotoSerializer(many=True)

    class Meta:
        model = Order
        fields = [*FLORIST_SUMMARY_FIELDS, *(f for f in DETAIL_EXTRA if f not in ("payments", "tracking_token"))]
        read_only_fields = fields

    @extend_schema_field(OrderEventSerializer(many=True))
    def get_events(self, order: Order) -> list[dict[str, Any]]:
        """The event log without payments, and without the money of the other events."""
        shown = []
        for event in order.events.all():
            data = florist_event_data(event.type, event.data)
            if data is not None:
                shown.append({**OrderEventSerializer(event).data, "data": data})
        return shown


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
    "amount_due",
    "courier",
    "issue_type",
    "issue_comment",
]


class OrderSummaryCourierSerializer(RoleShape, _OrderBase):
    """What a courier needs for a delivery: the recipient, the address, the window, the card
    and what to collect; the buyer only if not anonymous, and only name and phone."""

    buyer = serializers.SerializerMethodField()
    items = serializers.SerializerMethodField()
    amount_due = MoneyField()

    class Meta:
        model = Order
        fields = COURIER_FIELDS
        read_only_fields = fields

    @extend_schema_field(BuyerContactSerializer(allow_null=True))
    def get_buyer(self, order: Order) -> dict[str, str] | None:
        if order.is_anonymous:
            return None
        return {"name": order.customer.name, "phone": order.customer.phone}

    @extend_schema_field(ItemLineSerializer(many=True))
    def get_items(self, order: Order) -> list[dict[str, Any]]:
        return item_lines(order)


class OrderDetailCourierSerializer(OrderSummaryCourierSerializer):
    """A courier's order (the same fields as their list row)."""

    class Meta(OrderSummaryCourierSerializer.Meta):
        pass


SUMMARY_BY_ROLE: dict[str, type[serializers.Serializer[Any]]] = {
    Role.ADMIN: OrderSummarySerializer,
    Role.MANAGER: OrderSummarySerializer,
    Role.FLORIST: OrderSummaryFloristSerializer,
    Role.COURIER: OrderSummaryCourierSerializer,
}
DETAIL_BY_ROLE: dict[str, type[serializers.Serializer[Any]]] = {
    Role.ADMIN: OrderDetailSerializer,
    Role.MANAGER: OrderDetailSerializer,
    Role.FLORIST: OrderDetailFloristSerializer,
    Role.COURIER: OrderDetailCourierSerializer,
}


def output_serializer(role: str, *, detail: bool) -> type[serializers.Serializer[Any]]:
    return (DETAIL_BY_ROLE if detail else SUMMARY_BY_ROLE)[role]


def _answer_shape(detail: type[Any], *, name: str, shortages: bool) -> type[Any]:
    """``detail`` plus ``warnings`` (and, for transitions, ``shortages``): the body of an
    action that answers with the order (for the schema; the view adds the keys)."""
    fields = detail.Meta.fields
    extra = ["warnings", *(["shortages"] if shortages else [])]
    attrs: dict[str, Any] = {
        "__module__": __name__,
        "__doc__": f"{detail.__doc__ or 'An order'}\n\nThe answer of an action: with `warnings` (empty when none)"
        + (" and, when confirming, `shortages`." if shortages else "."),
        "warnings": OrderWarningSerializer(many=True, read_only=True),
        "Meta": type("Meta", (detail.Meta,), {"fields": [*fields, *extra], "read_only_fields": fields}),
    }
    if shortages:
        attrs["shortages"] = ShortageSerializer(
            many=True,
            required=False,
            help_text="Only when confirming: stock items whose reservations exceed what is on hand.",
        )
    return type(name, (detail,), attrs)


# Create and PATCH are office moves; every role moves orders (transition), each its own shape.
OrderDetailAnswerSerializer = _answer_shape(OrderDetailSerializer, name="OrderDetailAnswerSerializer", shortages=False)
TRANSITION_ANSWERS = [
    _answer_shape(OrderDetailSerializer, name="OrderTransitionSerializer", shortages=True),
    _answer_shape(OrderDetailFloristSerializer, name="OrderTransitionFloristSerializer", shortages=True),
    _answer_shape(OrderDetailCourierSerializer, name="OrderTransitionCourierSerializer", shortages=True),
]


def order_list_response() -> PolymorphicProxySerializer:
    """The list rows of every role, for ``extend_schema``."""
    return role_response(
        OrderSummarySerializer,
        [OrderSummaryFloristSerializer, OrderSummaryCourierSerializer],
        component_name="OrderSummaryByRole",
        many=True,
    )


def order_detail_response() -> PolymorphicProxySerializer:
    """An order as each role reads it (GET, and the actions that answer with the order)."""
    return role_response(
        OrderDetailSerializer,
        [OrderDetailFloristSerializer, OrderDetailCourierSerializer],
        component_name="OrderDetailByRole",
    )


def order_transition_response() -> PolymorphicProxySerializer:
    full, *shapes = TRANSITION_ANSWERS
    return role_response(full, shapes, component_name="OrderTransitionByRole")


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


CONSUMPTION_HELP = (
    "Only when assembling (status `assembled`). The florist's full actual use of stock: it "
    "replaces the recipe lines reserved at confirmation — a stock item not listed is not taken. "
    "Items must belong to the shop (else 400); repeated items are summed; an empty list counts "
    "as not sent. Not together with `extra_consumption` (400)."
)
EXTRA_CONSUMPTION_HELP = (
    "Only when assembling (status `assembled`). Stock used beyond the recipe (e.g. 2 extra "
    "eucalyptus stems): added to the recipe lines reserved at confirmation. Items must belong to "
    "the shop (else 400); repeated items are summed; an empty list counts as not sent. Not "
    "together with `consumption` (400). On a re-assembly (assembled → in_production → "
    "assembled) the recipe was already taken, so only the lines sent — `consumption` or "
    "`extra_consumption` — are taken, never the recipe again."
)


class ConsumptionInputSerializer(serializers.Serializer[Any]):
    """``consumption`` / ``extra_consumption`` of an assembly (ARCHITECTURE §11.1), validated
    to ``{stock_item_id: quantity}``; sending both is a 400."""

    consumption = ConsumptionLineSerializer(  # type: ignore[call-arg]
        many=True, required=False, max_length=100, help_text=CONSUMPTION_HELP
    )
    extra_consumption = ConsumptionLineSerializer(  # type: ignore[call-arg]
        many=True, required=False, max_length=100, help_text=EXTRA_CONSUMPTION_HELP
    )

    @staticmethod
    def _sum_lines(lines: list[dict[str, Any]]) -> dict[int, int]:
        total: dict[int, int] = {}
        for line in lines:
            item_id = line["stock_item"].id
            total[item_id] = total.get(item_id, 0) + line["quantity"]
            if total[item_id] > 100_000:
                raise serializers.ValidationError("Слишком большое количество.")
        return total

    def validate_consumption(self, lines: list[dict[str, Any]]) -> dict[int, int]:
        return self._sum_lines(lines)

    def validate_extra_consumption(self, lines: list[dict[str, Any]]) -> dict[int, int]:
        return self._sum_lines(lines)

    def validate(self, attrs: dict[str, Any]) -> dict[str, Any]:
        attrs = super().validate(attrs)
        if attrs.get("consumption") and attrs.get("extra_consumption"):
            raise serializers.ValidationError(
                {
                    "extra_consumption": [
                        "Укажите consumption (весь расход) или extra_consumption (сверх резерва), не оба."
                    ]
                }
            )
        return attrs


class TransitionSerializer(ConsumptionInputSerializer):
    status = serializers.ChoiceField(choices=OrderStatus.choices)
    # A courier's proof of delivery, attached with the move to ``delivered``.
    photo_id = ShopImageField(required=False)
    reason = serializers.CharField(max_length=1000, required=False, allow_blank=True, default="")


class PaymentInputSerializer(serializers.Serializer[Any]):
    amount = MoneyField(min_value=-MONEY_MAX)
    method = serializers.ChoiceField(choices=PaymentMethod.choices)
    external_id = serializers.CharField(max_length=100, required=False, allow_blank=True, default="")


class CommentInputSerializer(serializers.Serializer[Any]):
    text = serializers.CharField(max_length=2000)


class IssueInputSerializer(serializers.Serializer[Any]):
    type = serializers.ChoiceField(choices=IssueType.choices)
    comment = serializers.CharField(max_length=2000, required=False, allow_blank=True, default="")


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
        from flowercrm.phone import mask_phone

        return mask_phone(order.recipient_phone) if order.recipient_phone else ""

    def get_address(self, order: Order) -> str:
        return street_only(order.delivery_address) if order.delivery_method == DeliveryMethod.DELIVERY else ""

    @extend_schema_field(TrackingShopSerializer())
    def get_shop(self, order: Order) -> dict[str, str]:
        return {"name": order.shop.name}
