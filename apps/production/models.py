"""The florists' queue: one production task per confirmed order."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils.translation import gettext, pgettext_lazy
from django.utils.translation import gettext_lazy as _

from flowercrm.models import ShopOwnedModel


class TaskStatus(models.TextChoices):
    PENDING = "pending", pgettext_lazy("task status", "Pending")
    IN_PROGRESS = "in_progress", pgettext_lazy("task status", "In progress")
    DONE = "done", pgettext_lazy("task status", "Done")
    CANCELLED = "cancelled", pgettext_lazy("task status", "Cancelled")


class TaskPriority(models.TextChoices):
    URGENT = "urgent", pgettext_lazy("task priority", "Urgent")
    HIGH = "high", pgettext_lazy("task priority", "High")
    NORMAL = "normal", pgettext_lazy("task priority", "Normal")


class ProductionTask(ShopOwnedModel):
    """Making the bouquets of one order: who makes them, by when, and how long it took.
    Its status follows the order's (``apps.orders.services.order_transition``)."""

    order = models.OneToOneField("orders.Order", on_delete=models.CASCADE, related_name="task", verbose_name=_("order"))
    florist = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("florist"),
    )
    status = models.CharField(
        max_length=16, choices=TaskStatus.choices, default=TaskStatus.PENDING, verbose_name=_("status")
    )
    # When the delivery window opens (in UTC); the deadline is that minus the preparation time.
    window_start = models.DateTimeField(verbose_name=_("window start"))
    deadline = models.DateTimeField(verbose_name=_("deadline"))
    notes = models.TextField(blank=True, default="", verbose_name=_("notes"))
    # The bouquet photo taken on completion (also the order's photo shown on tracking).
    result_photo = models.ForeignKey(
        "orders.OrderPhoto",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("bouquet photo"),
    )
    started_at = models.DateTimeField(null=True, blank=True, verbose_name=_("started at"))
    finished_at = models.DateTimeField(null=True, blank=True, verbose_name=_("finished at"))
    minutes_spent = models.PositiveIntegerField(null=True, blank=True, verbose_name=_("minutes spent"))
    cancel_reason = models.TextField(blank=True, default="", verbose_name=_("cancellation reason"))

    class Meta:
        verbose_name = _("production task")
        verbose_name_plural = _("production tasks")
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
            # The staff report (apps.reports): tasks finished in a period.
            models.Index(fields=["shop", "status", "finished_at"], name="production_task_finished"),
        ]

    def __str__(self) -> str:
        return gettext("Task for order %(order)s") % {"order": self.order_id}
