from __future__ import annotations

from typing import Any, cast

from django.db.models import Case, F, IntegerField, QuerySet, Value, When
from django.utils import timezone
from drf_spectacular.utils import extend_schema, inline_serializer
from rest_framework import mixins, serializers
from rest_framework.decorators import action
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from apps.accounts.models import User
from apps.orders.visibility import florist_visible_q
from apps.production import selectors, services
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
from flowercrm.auth import require_shop_auth
from flowercrm.errors import Forbidden
from flowercrm.viewsets import ShopViewSet

OPEN_FIRST = Case(
    When(status__in=[TaskStatus.PENDING, TaskStatus.IN_PROGRESS], then=Value(0)),
    default=Value(1),
    output_field=IntegerField(),
)


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

    @property
    def user(self) -> User:
        return cast(User, self.request.user)

    def _answer(self, task: ProductionTask) -> Response:
        fresh = self.get_shop_queryset().get(pk=task.pk)
        return Response(TaskSerializer(fresh, context=self.get_serializer_context()).data)

    @extend_schema(request=TaskUpdateSerializer, responses={200: TaskSerializer})
    def partial_update(self, request: Request, pk: str) -> Response:
        task = self.get_object()
        data = TaskUpdateSerializer(data=request.data, context=self.get_serializer_context())
        data.is_valid(raise_exception=True)
        values = data.validated_data
        services.task_assign(
            task=task, actor=self.user, florist=values.get("florist", task.florist), notes=values.get("notes")
        )
        return self._answer(task)

    @extend_schema(request=None, responses={200: TaskSerializer})
    @action(detail=True, methods=["post"])
    def take(self, request: Request, pk: str) -> Response:
        task = self.get_object()
        return self._answer(services.task_take(task=task, actor=self.user, role=self.role))

    @extend_schema(request=None, responses={200: TaskSerializer})
    @action(detail=True, methods=["post"])
    def start(self, request: Request, pk: str) -> Response:
        task = self.get_object()
        return self._answer(services.task_start(task=task, actor=self.user, role=self.role))

    @extend_schema(request=TaskCompleteSerializer, responses={200: TaskSerializer})
    @action(detail=True, methods=["post"])
    def complete(self, request: Request, pk: str) -> Response:
        task = self.get_object()
        data = TaskCompleteSerializer(data=request.data, context=self.get_serializer_context())
        data.is_valid(raise_exception=True)
        return self._answer(
            services.task_complete(
                task=task,
                actor=self.user,
                role=self.role,
                consumption=data.validated_data.get("consumption"),
                extra_consumption=data.validated_data.get("extra_consumption"),
                notes=data.validated_data.get("notes"),
                photo_id=photo.id if (photo := data.validated_data.get("photo_id")) else None,
            )
        )

    @extend_schema(request=TaskCancelSerializer, responses={200: TaskSerializer})
    @action(detail=True, methods=["post"])
    def cancel(self, request: Request, pk: str) -> Response:
        task = self.get_object()
        data = TaskCancelSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        return self._answer(services.task_cancel(task=task, actor=self.user, role=self.role, **data.validated_data))


class StatsView(APIView):
    """``GET /api/production/stats/?date_from&date_to``: per florist, tasks done, median
    minutes and late tasks (admin, manager)."""

    @extend_schema(
        responses={
            200: inline_serializer("ProductionStats", {"items": serializers.ListField(child=serializers.DictField())})
        }
    )
    def get(self, request: Request) -> Response:
        auth = require_shop_auth(request)
        if not roles.can(auth.role, "reports", roles.READ):
            raise Forbidden()
        query = StatsQuerySerializer(data=request.query_params)
        query.is_valid(raise_exception=True)
        return Response(
            {
                "items": selectors.florist_stats(
                    shop=auth.shop,
                    date_from=query.validated_data.get("date_from"),
                    date_to=query.validated_data.get("date_to"),
                )
            }
        )
