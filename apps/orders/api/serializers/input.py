"""Order input: the shape of each request body, checked before any service runs.

Shape only (types, lengths, choices, references into the caller's shop, "one of two"): the
rules about the order itself — the delivery window, the address — live once in the services
and the model (``apps.orders.services``)."""

from __future__ import annotations

from typing import Any

from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from apps.accounts.models import User
from apps.catalog.models import Product
from apps.customers.models import Customer, Source
from apps.orders.models import DeliveryMethod, IssueType, OrderStatus, PaymentMethod, PhotoKind
from apps.shops.models import DeliveryZone
from apps.shops.selectors import eligible_staff
from apps.warehouse.models import StockItem
from flowercrm.images_api import ShopImageField
from flowercrm.limits import MONEY_MAX, QUANTITY_MAX
from flowercrm.roles import ELIGIBLE_COURIER_ROLES, ELIGIBLE_FLORIST_ROLES
from flowercrm.serializers import (
    MoneyField,
    PhoneField,
    QuantityField,
    ReadAheadListSerializer,
    SentWholeMixin,
    ShopRelatedField,
)


class BuyerInputSerializer(serializers.Serializer[Any]):
    phone = PhoneField()
    name = serializers.CharField(max_length=150, required=False, allow_blank=True, default="")
    email = serializers.EmailField(required=False, allow_blank=True, default="")


class ItemInputSerializer(SentWholeMixin, serializers.Serializer[Any]):
    product_id = ShopRelatedField(queryset=Product.objects.all(), source="product")
    quantity = QuantityField()

    class Meta:
        list_serializer_class = ReadAheadListSerializer  # the lines' products: one query


@extend_schema_field(OpenApiTypes.INT)
class EligibleMemberField(serializers.Field):
    """A user id that must be an active member of the shop with an eligible role."""

    default_error_messages = {"invalid": _("A staff member's id is expected.")}

    def __init__(self, *, roles: frozenset[str], **kwargs: Any) -> None:
        self.eligible_roles = roles
        super().__init__(**kwargs)

    def to_representation(self, value: Any) -> Any:
        return getattr(value, "pk", value)

    def to_internal_value(self, data: Any) -> User:
        if isinstance(data, bool) or not isinstance(data, (int, str)) or not str(data).isdigit() or len(str(data)) > 18:
            self.fail("invalid")
        user = eligible_staff(shop=self.context.get("shop"), roles=self.eligible_roles).filter(pk=int(data)).first()
        if user is None:
            raise serializers.ValidationError(gettext("The shop has no such staff member with a suitable role."))
        return user


# The delivery window and the address are rules of the order itself (``Order.clean``), checked
# by the services for every writer; this checks the body's shape only.
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
            raise serializers.ValidationError(gettext("The date is out of range."))
        return value


class OrderCreateSerializer(OrderWriteSerializer):
    delivery_date = serializers.DateField()
    items = ItemInputSerializer(many=True, min_length=1, max_length=50)  # type: ignore[call-arg]

    def validate(self, attrs: dict[str, Any]) -> dict[str, Any]:
        attrs = super().validate(attrs)
        has_new, has_id = "customer" in attrs, "customer_obj" in attrs
        if has_new and has_id:
            raise serializers.ValidationError({"customer": [gettext("Give customer or customer_id, not both.")]})
        if not has_new and not has_id:
            raise serializers.ValidationError({"customer": [gettext("Give the buyer: customer or customer_id.")]})
        return attrs


class OrderUpdateSerializer(OrderWriteSerializer):
    florist_id = EligibleMemberField(roles=ELIGIBLE_FLORIST_ROLES, source="florist", required=False, allow_null=True)
    courier_id = EligibleMemberField(roles=ELIGIBLE_COURIER_ROLES, source="courier", required=False, allow_null=True)

    def to_internal_value(self, data: Any) -> Any:
        if isinstance(data, dict):
            refused = sorted({"status", "customer", "customer_id"} & set(data))
            if refused:
                raise serializers.ValidationError(
                    {
                        name: [gettext("This field does not change through PATCH (the status: through /transition/).")]
                        for name in refused
                    }
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
            if total[item_id] > QUANTITY_MAX:
                raise serializers.ValidationError(gettext("The quantity is too large."))
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
                        gettext(
                            "Give consumption (the full use) or extra_consumption (beyond the reservation), not both."
                        )
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
