"""Order output: one shape per role (ARCHITECTURE §11.1).

The office sees everything; florists see no order money (``apps.orders.visibility``); couriers
see the delivery and only ``amount_due``. The fields of each list row come from
``apps.orders.rows`` (which also renders them as plain data for ``/ws``). The florist and
courier shapes are ``RoleShape``s: their schema components forbid other properties, so each
body matches exactly one branch of a ``oneOf``.
"""

from __future__ import annotations

from typing import Any

from drf_spectacular.utils import PolymorphicProxySerializer, extend_schema_field
from rest_framework import serializers

from apps.orders.models import IssueType, Order, OrderEvent, OrderItem, OrderPhoto, Payment
from apps.orders.rows import (
    COURIER_FIELDS,
    FLORIST_SUMMARY_FIELDS,
    ITEM_FIELDS,
    ITEM_FLORIST_FIELDS,
    SUMMARY_FIELDS,
    item_lines,
)
from apps.orders.status import allowed_transitions
from apps.orders.tracking import tracking_url
from apps.orders.visibility import florist_event_data
from flowercrm.images_api import UploadedImageSerializer
from flowercrm.limits import MONEY_MAX
from flowercrm.roles import Role
from flowercrm.serializers import MoneyField, WarningSerializer
from flowercrm.visibility import RoleShape, role_response


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
        fields = ITEM_FIELDS
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
        fields = ITEM_FLORIST_FIELDS
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
    tracking_url = serializers.SerializerMethodField()

    class Meta:
        model = Order
        fields = [*SUMMARY_FIELDS, *DETAIL_EXTRA, "tracking_url"]
        read_only_fields = fields

    def get_tracking_url(self, order: Order) -> str:
        """The buyer's tracking page (``/t/<token>``), absolute."""
        return tracking_url(order, request=self.context.get("request"))


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
        "warnings": WarningSerializer(many=True, read_only=True),
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
