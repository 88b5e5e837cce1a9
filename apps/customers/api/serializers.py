from __future__ import annotations

from typing import Any

from django.core.exceptions import ValidationError as DjangoValidationError
from django.utils.translation import gettext
from rest_framework import serializers

from apps.customers.constants import (
    MAX_ADDRESSES,
    MAX_DATES,
    MAX_EXTRA_PHONES,
    MAX_NOTES,
    MAX_TAG_LENGTH,
    MAX_TAGS,
    MAX_UPCOMING_DAYS,
)
from apps.customers.models import (
    Customer,
    CustomerAddress,
    ImportantDate,
    Source,
    check_one_default_address,
    day_in_month_error,
)
from apps.customers.selectors import UpcomingDate
from apps.orders.models import Order
from flowercrm.search import MAX_SEARCH_LENGTH
from flowercrm.serializers import MoneyField, PhoneField, SentWholeMixin, ShopRelatedField
from flowercrm.visibility import RoleShape


class CustomerCompactSerializer(serializers.ModelSerializer[Customer]):
    """``{"id", "name", "phone"}`` — the reference form, and all a florist may read."""

    class Meta:
        model = Customer
        fields = ["id", "name", "phone"]
        read_only_fields = fields


class CustomerFloristSerializer(RoleShape, CustomerCompactSerializer):
    """A buyer as a florist reads it (of orders the florist may see): id, name and phone only."""


class AddressSerializer(serializers.ModelSerializer[CustomerAddress]):
    label = serializers.CharField(max_length=100, allow_blank=True, default="")  # type: ignore[assignment]
    address = serializers.CharField(max_length=500)
    entrance = serializers.CharField(max_length=20, allow_blank=True, default="")
    floor = serializers.CharField(max_length=20, allow_blank=True, default="")
    intercom = serializers.CharField(max_length=50, allow_blank=True, default="")
    comment = serializers.CharField(max_length=1000, allow_blank=True, default="")
    is_default = serializers.BooleanField(default=False)

    class Meta:
        model = CustomerAddress
        fields = ["id", "label", "address", "entrance", "floor", "intercom", "comment", "is_default"]
        read_only_fields = ["id"]


class ImportantDateSerializer(SentWholeMixin, serializers.ModelSerializer[ImportantDate]):
    day = serializers.IntegerField(min_value=1, max_value=31)
    month = serializers.IntegerField(min_value=1, max_value=12)
    title = serializers.CharField(max_length=200)
    remind_days_before = serializers.IntegerField(min_value=0, max_value=60, default=3)

    class Meta:
        model = ImportantDate
        fields = ["id", "day", "month", "title", "remind_days_before"]
        read_only_fields = ["id"]

    def validate(self, attrs: dict[str, Any]) -> dict[str, Any]:
        error = day_in_month_error(day=attrs["day"], month=attrs["month"])
        if error:
            raise serializers.ValidationError({"day": [error]})
        return attrs


class CustomerSerializer(serializers.ModelSerializer[Customer]):
    """A customer as admins and managers read it (from ``selectors.customer_list``)."""

    tags = serializers.SlugRelatedField(many=True, read_only=True, slug_field="name")  # type: ignore[var-annotated]
    extra_phones = serializers.SlugRelatedField(many=True, read_only=True, slug_field="phone")  # type: ignore[var-annotated]
    addresses = AddressSerializer(many=True, read_only=True)
    important_dates = ImportantDateSerializer(many=True, read_only=True)
    orders_count = serializers.IntegerField(read_only=True)
    total_spent = serializers.DecimalField(max_digits=16, decimal_places=2, coerce_to_string=True, read_only=True)
    last_order_at = serializers.DateTimeField(read_only=True, allow_null=True)

    class Meta:
        model = Customer
        fields = [
            "id",
            "phone",
            "name",
            "email",
            "notes",
            "source",
            "extra_phones",
            "tags",
            "addresses",
            "important_dates",
            "orders_count",
            "total_spent",
            "last_order_at",
            "created_at",
            "updated_at",
        ]
        read_only_fields = fields


class CustomerInputSerializer(serializers.Serializer[Any]):
    """The body of create (``phone`` required) and update (PATCH: every field optional).
    Nested lists, when given, replace the customer's current ones."""

    phone = PhoneField()
    name = serializers.CharField(max_length=150, allow_blank=True, required=False)
    email = serializers.EmailField(max_length=254, allow_blank=True, required=False)
    notes = serializers.CharField(max_length=MAX_NOTES, allow_blank=True, required=False)
    source = serializers.ChoiceField(choices=Source.choices, allow_blank=True, required=False)  # type: ignore[assignment]
    tags = serializers.ListField(
        child=serializers.CharField(max_length=MAX_TAG_LENGTH),
        max_length=MAX_TAGS,
        required=False,
    )
    extra_phones = serializers.ListField(
        child=PhoneField(),
        max_length=MAX_EXTRA_PHONES,
        required=False,
        help_text="Other phones of the customer (replace the current ones); unique in the shop with the main phones.",
    )
    # ListSerializer takes max_length (the stubs do not know it).
    addresses = AddressSerializer(many=True, required=False, max_length=MAX_ADDRESSES)  # type: ignore[call-arg]
    important_dates = ImportantDateSerializer(many=True, required=False, max_length=MAX_DATES)  # type: ignore[call-arg]

    def validate_addresses(self, value: list[dict[str, Any]]) -> list[dict[str, Any]]:
        try:
            check_one_default_address(a.get("is_default", False) for a in value)
        except DjangoValidationError as exc:
            raise serializers.ValidationError(exc.messages) from None
        return value


class CustomerMergeSerializer(serializers.Serializer[Any]):
    keep_id = ShopRelatedField(queryset=Customer.objects.all())
    merge_id = ShopRelatedField(queryset=Customer.objects.all())

    def validate(self, attrs: dict[str, Any]) -> dict[str, Any]:
        if attrs["keep_id"].pk == attrs["merge_id"].pk:
            raise serializers.ValidationError({"merge_id": [gettext("A customer cannot be merged with itself.")]})
        return attrs


class CustomerOrderSerializer(serializers.ModelSerializer[Order]):
    """A customer's order in the ``/customers/{id}/orders/`` list."""

    total = MoneyField(read_only=True)

    class Meta:
        model = Order
        fields = ["id", "number", "status", "delivery_date", "total", "created_at"]
        read_only_fields = fields


class UpcomingParamsSerializer(serializers.Serializer[Any]):
    days = serializers.IntegerField(min_value=0, max_value=MAX_UPCOMING_DAYS, default=7)
    search = serializers.CharField(max_length=MAX_SEARCH_LENGTH, allow_blank=True, default="", trim_whitespace=False)


class UpcomingDateSerializer(serializers.Serializer[UpcomingDate]):
    """An important date and when it comes next (``date`` in the shop's calendar)."""

    id = serializers.IntegerField(source="important_date.id", read_only=True)
    day = serializers.IntegerField(source="important_date.day", read_only=True)
    month = serializers.IntegerField(source="important_date.month", read_only=True)
    title = serializers.CharField(source="important_date.title", read_only=True)
    remind_days_before = serializers.IntegerField(source="important_date.remind_days_before", read_only=True)
    date = serializers.DateField(read_only=True)
    days_until = serializers.IntegerField(read_only=True)
    customer = CustomerCompactSerializer(read_only=True)
