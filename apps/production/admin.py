"""The florists' queue in the back office; every change goes through the services."""

from __future__ import annotations

from typing import Any, cast

from django.contrib import admin, messages
from django.db.models import QuerySet
from django.http import HttpRequest

from apps.accounts.models import User
from apps.orders import services
from apps.production.models import ProductionTask
from flowercrm.admin import ShopScopedAdmin, back_office_roles
from flowercrm.errors import DomainError


@admin.register(ProductionTask)
class ProductionTaskAdmin(ShopScopedAdmin):
    area = "production"
    list_display = ["order", "shop", "status", "florist", "deadline", "started_at", "finished_at", "minutes_spent"]
    list_filter = ["status", "florist", "deadline"]
    list_select_related = ["order", "shop", "florist"]
    search_fields = ["order__number", "florist__name"]
    date_hierarchy = "deadline"
    readonly_fields = [
        "shop",
        "order",
        "florist",
        "status",
        "window_start",
        "deadline",
        "notes",
        "started_at",
        "finished_at",
        "minutes_spent",
        "cancel_reason",
    ]
    actions = ["requeue"]

    def has_add_permission(self, request: HttpRequest, *args: Any) -> bool:
        return False  # tasks appear when orders are confirmed

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    @admin.action(description="Вернуть в очередь (снять флориста)")
    def requeue(self, request: HttpRequest, queryset: QuerySet[ProductionTask]) -> None:
        actor = cast(User, request.user)
        done = 0
        for task in queryset:
            role = "admin" if actor.is_superuser else back_office_roles(request).get(task.shop_id, "")
            try:
                services.task_cancel(task=task, actor=actor, role=role, reason="Возвращено из админки", requeue=True)
                done += 1
            except DomainError as exc:
                messages.error(request, f"{task}: {exc.detail}")
        if done:
            messages.success(request, f"Возвращено в очередь: {done}.")
