from __future__ import annotations

from typing import Any

from django.utils import timezone
from django.utils.translation import gettext
from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from apps.orders.api.serializers import (
    ConsumptionInputSerializer,
    EligibleMemberField,
    ItemLineSerializer,
    OrderPhotoSerializer,
    PersonSerializer,
)
from apps.orders.models import Order
from apps.orders.rows import item_lines
from apps.production.models import ProductionTask, TaskPriority
from apps.production.queue import priority_at
from flowercrm.images_api import ShopImageField
from flowercrm.roles import ELIGIBLE_FLORIST_ROLES


class TaskOrderSerializer(serializers.ModelSerializer[Order]):
    """The order as a florist needs it: what to make, the card, and by when (no money, for
    every role: the queue is one shape)."""

    items = serializers.SerializerMethodField()
    delivery_time_from = serializers.TimeField(format="%H:%M", allow_null=True)
    delivery_time_to = serializers.TimeField(format="%H:%M", allow_null=True)

    class Meta:
        model = Order
        fields = [
            "id",
            "number",
            "status",
            "delivery_method",
            "delivery_date",
            "delivery_time_from",
            "delivery_time_to",
            "card_text",
            "comment",
            "items",
        ]
        read_only_fields = fields

    @extend_schema_field(ItemLineSerializer(many=True))
    def get_items(self, order: Order) -> list[dict[str, Any]]:
        return item_lines(order)


# ``/ws`` sends the same dict, built without this serializer (``apps.production.events.task_row``;
# ``tests/api/test_rows.py`` compares the two).
class TaskSerializer(serializers.ModelSerializer[ProductionTask]):
    order = TaskOrderSerializer()
    florist = PersonSerializer(allow_null=True)
    priority = serializers.SerializerMethodField()
    result_photo = OrderPhotoSerializer(allow_null=True)

    class Meta:
        model = ProductionTask
        fields = [
            "id",
            "status",
            "priority",
            "deadline",
            "window_start",
            "florist",
            "order",
            "notes",
            "result_photo",
            "started_at",
            "finished_at",
            "minutes_spent",
            "cancel_reason",
            "created_at",
            "updated_at",
        ]
        read_only_fields = fields

    @extend_schema_field(serializers.ChoiceField(choices=TaskPriority.choices))
    def get_priority(self, task: ProductionTask) -> str:
        return priority_at(task.window_start, self.context.get("now") or timezone.now())


class TaskUpdateSerializer(serializers.Serializer[Any]):
    florist_id = EligibleMemberField(roles=ELIGIBLE_FLORIST_ROLES, source="florist", required=False, allow_null=True)
    notes = serializers.CharField(max_length=2000, required=False, allow_blank=True)


class TaskCompleteSerializer(ConsumptionInputSerializer):
    """``{"photo_id"?, "consumption"?, "extra_consumption"?, "notes"?}``: the order goes
    ``assembled`` with this consumption (as ``POST /api/orders/{id}/transition/``)."""

    photo_id = ShopImageField(required=False)
    notes = serializers.CharField(max_length=2000, required=False, allow_blank=True)


class TaskCancelSerializer(serializers.Serializer[Any]):
    reason = serializers.CharField(max_length=1000)
    requeue = serializers.BooleanField(default=True)


class StatsQuerySerializer(serializers.Serializer[Any]):
    date_from = serializers.DateField(required=False)
    date_to = serializers.DateField(required=False)

    def validate(self, attrs: dict[str, Any]) -> dict[str, Any]:
        start, end = attrs.get("date_from"), attrs.get("date_to")
        if start and end and end < start:
            raise serializers.ValidationError({"date_to": [gettext("The period ends before it starts.")]})
        return attrs
