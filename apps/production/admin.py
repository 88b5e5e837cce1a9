"""The florists' queue in the back office; every change goes through the services."""

from __future__ import annotations

import datetime as dt
from typing import Any, cast

from django.contrib import admin, messages
from django.db.models import Q, QuerySet
from django.http import HttpRequest
from django.urls import reverse
from django.utils import timezone
from django.utils.formats import date_format, time_format
from django.utils.html import format_html
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from apps.accounts.models import User
from apps.orders import services
from apps.production.models import ProductionTask, TaskPriority
from apps.production.queue import HIGH_WITHIN, OPEN, URGENT_WITHIN, priority_at
from flowercrm.admin import ShopScopedAdmin, back_office_roles, refusal_text
from flowercrm.errors import DomainError


def _priority_q(priority: str, now: dt.datetime) -> Q:
    """Open tasks of ``priority`` as of ``now`` (``priority_at`` as a condition)."""
    urgent_until, high_until = now + URGENT_WITHIN, now + HIGH_WITHIN
    windows = {
        TaskPriority.URGENT: Q(window_start__lt=urgent_until),
        TaskPriority.HIGH: Q(window_start__gte=urgent_until, window_start__lt=high_until),
        TaskPriority.NORMAL: Q(window_start__gte=high_until),
    }
    return Q(status__in=OPEN) & windows[TaskPriority(priority)]


class PriorityFilter(admin.SimpleListFilter):
    """Open tasks by how soon their delivery window opens (the queue's priority)."""

    title = _("priority")
    parameter_name = "priority"

    def lookups(self, request: HttpRequest, model_admin: Any) -> list[tuple[str, Any]]:
        return list(TaskPriority.choices)

    def queryset(self, request: HttpRequest, queryset: QuerySet[Any]) -> QuerySet[Any]:
        value = self.value()
        if value not in TaskPriority.values:
            return queryset
        return queryset.filter(_priority_q(str(value), timezone.now()))


@admin.register(ProductionTask)
class ProductionTaskAdmin(ShopScopedAdmin):
    area = "production"
    list_display = ["order_link", "status", "priority", "florist", "deadline", "delivery", "minutes_spent", "shop"]
    list_display_links = None
    list_filter = ["status", "florist", PriorityFilter, "deadline", "shop"]
    list_select_related = ["order", "shop", "florist"]
    search_fields = ["order__number", "florist__name"]  # the order's folded search text
    search_text_paths = ("order__search_text",)
    date_hierarchy = "deadline"
    ordering = ["deadline", "id"]
    readonly_fields = (
        "shop",
        "order_link",
        "florist",
        "status",
        "priority",
        "window_start",
        "deadline",
        "notes",
        "started_at",
        "finished_at",
        "minutes_spent",
        "cancel_reason",
    )
    fields = readonly_fields
    actions = ["requeue"]

    def has_add_permission(self, request: HttpRequest, *args: Any) -> bool:
        return False  # tasks appear when orders are confirmed

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    @admin.display(description=_("Order"), ordering="order__number")
    def order_link(self, obj: ProductionTask) -> str:
        label = gettext("Order %(number)s") % {"number": obj.order.number}
        return format_html(
            '<a href="{}">{}</a> · <a href="{}">{}</a>',
            reverse("admin:orders_order_change", args=[obj.order_id]),
            label,
            reverse("admin:production_productiontask_change", args=[obj.pk]),
            gettext("task"),
        )

    @admin.display(description=_("Priority"))
    def priority(self, obj: ProductionTask) -> str:
        if obj.status not in OPEN:
            return "—"
        value = priority_at(obj.window_start, timezone.now())
        label = TaskPriority(value).label
        if value == TaskPriority.URGENT:
            return format_html('<strong class="fc-negative">{}</strong>', label)
        return str(label)

    @admin.display(description=_("Delivery"), ordering="order__delivery_date")
    def delivery(self, obj: ProductionTask) -> str:
        order = obj.order
        text = date_format(order.delivery_date, "SHORT_DATE_FORMAT")
        if order.delivery_time_from and order.delivery_time_to and order.delivery_time_from != order.delivery_time_to:
            return f"{text} {time_format(order.delivery_time_from)}–{time_format(order.delivery_time_to)}"
        if order.delivery_time_from:
            return f"{text} {time_format(order.delivery_time_from)}"
        return text

    @admin.action(description=_("Return to the queue (unassign the florist)"))
    def requeue(self, request: HttpRequest, queryset: QuerySet[ProductionTask]) -> None:
        actor = cast(User, request.user)
        done = 0
        for task in queryset:
            role = "admin" if actor.is_superuser else back_office_roles(request).get(task.shop_id, "")
            try:
                services.task_cancel(
                    task=task, actor=actor, role=role, reason=gettext("Returned from the admin"), requeue=True
                )
                done += 1
            except DomainError as exc:
                messages.error(request, f"{task}: {refusal_text(exc, ProductionTask)}")
        if done:
            messages.success(request, gettext("Returned to the queue: %(count)d.") % {"count": done})
