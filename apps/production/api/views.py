from __future__ import annotations

from typing import Any

from django.db.models import Case, F, IntegerField, QuerySet, Value, When
from django.utils import timezone
from drf_spectacular.utils import extend_schema, inline_serializer
from rest_framework import mixins, serializers
from rest_framework.decorators import action
from rest_framework.request import Request
from rest_framework.response import Response

from apps.orders import services
from apps.orders.visibility import florist_visible_q
from apps.production import rows, selectors
from apps.production.api.serializers import (
    StatsQuerySerializer,
    TaskCancelSerializer,
    TaskCompleteSerializer,
    TaskSerializer,
    TaskUpdateSerializer,
)
from apps.production.filters import TaskFilter
from apps.production.models import ProductionTask, TaskStatus
from flowercrm import roles
from flowercrm.permissions import AreaPermission
from flowercrm.viewsets import ShopContextMixin, ShopViewSet

OPEN_FIRST = Case(
    When(status__in=[TaskStatus.PENDING, TaskStatus.IN_PROGRESS], then=Value(0)),
    default=Value(1),
    output_field=IntegerField(),
)


# The moves that move the order (take, start, complete, cancel, assign) are the orders
# services' (``apps.orders.services.tasks``).
class TaskViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin, ShopViewSet):
    """``/api/production/tasks/``: the queue, ordered by deadline (open tasks first)."""

    area = "production"
    model = ProductionTask
    serializer_class = TaskSerializer
    filterset_class = TaskFilter
    ordering_fields = {
        "deadline": "deadline",
        "created_at": "created_at",
        "status": "status",
        # §11.1: the delivery date, then the window's start (no window last), then the order's number.
        "delivery": ("order__delivery_date", F("order__delivery_time_from").asc(nulls_last=True), "order__number"),
    }
    # ``cancel`` and ``PATCH`` need ``write`` (the default for a POST/PATCH).
    action_permissions = {"take": "take", "start": "start", "complete": "complete"}

    def get_shop_queryset(self) -> QuerySet[ProductionTask]:
        tasks = selectors.task_list(shop=self.shop)
        if self.role == roles.Role.FLORIST:
            # Only tasks of orders florists may see (not of an order sent back to new).
            tasks = tasks.filter(florist_visible_q("order__"))
        return tasks

    def filter_queryset(self, queryset: QuerySet[Any]) -> QuerySet[Any]:
        queryset = super().filter_queryset(queryset)
        if self.action == "list" and "ordering" not in self.request.query_params:
            # Deadline first; within one deadline the priority follows from it.
            queryset = queryset.annotate(open_first=OPEN_FIRST).order_by("open_first", "deadline", "id")
        return queryset

    def get_serializer_context(self) -> dict[str, Any]:
        return {**super().get_serializer_context(), "now": timezone.now()}

    def list(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        """The page as plain data (``apps.production.rows``): ``TaskSerializer``'s rows
        without model instances or a serializer per row (issue 17; the tests compare the two)."""
        tasks = self.filter_queryset(self.get_queryset())
        page = self.paginate_values(selectors.task_list_values(tasks, columns=rows.TASK_COLUMNS), count_from=tasks)
        assert page is not None  # noqa: S101 - lists are always paginated (skip/limit)
        items = selectors.task_item_values(task_ids=[task["id"] for task in page], columns=rows.ITEM_COLUMNS)
        return self.get_paginated_response(
            rows.task_rows(page, items, now=timezone.now(), absolute=request.build_absolute_uri)
        )

    @extend_schema(request=TaskUpdateSerializer, responses={200: TaskSerializer})
    def partial_update(self, request: Request, pk: str) -> Response:
        task = self.get_object()
        data = TaskUpdateSerializer(data=request.data, context=self.get_serializer_context())
        data.is_valid(raise_exception=True)
        values = data.validated_data
        services.task_update(
            task=task, actor=self.actor, florist=values.get("florist", task.florist), notes=values.get("notes")
        )
        return self.detail_response(task)

    @extend_schema(request=None, responses={200: TaskSerializer})
    @action(detail=True, methods=["post"])
    def take(self, request: Request, pk: str) -> Response:
        task = self.get_object()
        return self.detail_response(services.task_take(task=task, actor=self.actor, role=self.role))

    @extend_schema(request=None, responses={200: TaskSerializer})
    @action(detail=True, methods=["post"])
    def start(self, request: Request, pk: str) -> Response:
        task = self.get_object()
        return self.detail_response(services.task_start(task=task, actor=self.actor, role=self.role))

    @extend_schema(request=TaskCompleteSerializer, responses={200: TaskSerializer})
    @action(detail=True, methods=["post"])
    def complete(self, request: Request, pk: str) -> Response:
        task = self.get_object()
        data = TaskCompleteSerializer(data=request.data, context=self.get_serializer_context())
        data.is_valid(raise_exception=True)
        values = data.validated_data
        task = services.task_complete(
            task=task,
            actor=self.actor,
            role=self.role,
            consumption=values.get("consumption"),
            extra_consumption=values.get("extra_consumption"),
            notes=values.get("notes"),
            photo_id=photo.id if (photo := values.get("photo_id")) else None,
        )
        return self.detail_response(task)

    @extend_schema(request=TaskCancelSerializer, responses={200: TaskSerializer})
    @action(detail=True, methods=["post"])
    def cancel(self, request: Request, pk: str) -> Response:
        task = self.get_object()
        data = TaskCancelSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        task = services.task_cancel(task=task, actor=self.actor, role=self.role, **data.validated_data)
        return self.detail_response(task)


class StatsView(ShopContextMixin):
    """``GET /api/production/stats/?date_from&date_to``: per florist, tasks done, median
    minutes and late tasks (admin, manager)."""

    area = "reports"  # read by admins and managers
    permission_classes = [AreaPermission]

    @extend_schema(
        responses={
            200: inline_serializer("ProductionStats", {"items": serializers.ListField(child=serializers.DictField())})
        }
    )
    def get(self, request: Request) -> Response:
        query = StatsQuerySerializer(data=request.query_params)
        query.is_valid(raise_exception=True)
        return Response(
            {
                "items": selectors.florist_stats(
                    shop=self.shop,
                    date_from=query.validated_data.get("date_from"),
                    date_to=query.validated_data.get("date_to"),
                )
            }
        )
