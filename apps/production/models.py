"""The florists' queue: one production task per confirmed order."""

from __future__ import annotations

from django.conf import settings
from django.db import models

from flowercrm.models import ShopOwnedModel


class TaskStatus(models.TextChoices):
    PENDING = "pending", "В очереди"
    IN_PROGRESS = "in_progress", "В работе"
    DONE = "done", "Готово"
    CANCELLED = "cancelled", "Отменено"


class TaskPriority(models.TextChoices):
    URGENT = "urgent", "Срочно"
    HIGH = "high", "Высокий"
    NORMAL = "normal", "Обычный"


class ProductionTask(ShopOwnedModel):
    """Making the bouquets of one order: who makes them, by when, and how long it took.
    Its status follows the order's (``apps.orders.services.order_transition``)."""

    order = models.OneToOneField("orders.Order", on_delete=models.CASCADE, related_name="task")
    florist = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    status = models.CharField(max_length=16, choices=TaskStatus.choices, default=TaskStatus.PENDING)
    # When the delivery window opens (in UTC); the deadline is that minus the preparation time.
    window_start = models.DateTimeField()
    deadline = models.DateTimeField()
    notes = models.TextField(blank=True, default="")
    # The bouquet photo taken on completion (also the order's photo shown on tracking).
    result_photo = models.ForeignKey(
        "orders.OrderPhoto", on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    started_at = models.DateTimeField(null=True, blank=True)
    finished_at = models.DateTimeField(null=True, blank=True)
    minutes_spent = models.PositiveIntegerField(null=True, blank=True)
    cancel_reason = models.TextField(blank=True, default="")

    class Meta:
        ordering = ["deadline", "id"]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(status__in=[s.value for s in TaskStatus]), name="production_task_status_valid"
            ),
            models.CheckConstraint(
                condition=models.Q(deadline__lte=models.F("window_start")),
                name="production_task_deadline_before_window",
            ),
        ]
        indexes = [
            models.Index(fields=["shop", "status", "deadline"]),
            models.Index(fields=["shop", "florist", "status"]),
        ]

    def __str__(self) -> str:
        return f"Задание по заказу {self.order_id}"
