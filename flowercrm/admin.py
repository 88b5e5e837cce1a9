"""Shop scoping for the Django admin.

A superuser sees everything. Any other staff user sees only rows of shops where they are an
active admin or manager, and may do there what the role matrix allows their role in that
shop. Foreign-key dropdowns are scoped too, so no other shop's rows can be picked.
"""

from __future__ import annotations

from typing import Any

from django.contrib import admin
from django.db.models import ForeignKey, Model, QuerySet
from django.forms import ModelChoiceField
from django.http import HttpRequest

from flowercrm import roles


def back_office_roles(request: HttpRequest) -> dict[int, str]:
    """``{shop_id: role}`` of the request user's active admin/manager memberships (cached
    on the request)."""
    cached = getattr(request, "_flowercrm_admin_roles", None)
    if cached is None:
        from apps.shops.models import Membership

        cached = dict(
            Membership.objects.filter(
                user_id=int(request.user.pk or 0), is_active=True, role__in=roles.BACK_OFFICE_ROLES
            ).values_list("shop_id", "role")
        )
        request._flowercrm_admin_roles = cached  # type: ignore[attr-defined]
    return cached


def _resolve_shop_id(obj: Model, path: str) -> int | None:
    parts = path.split("__")
    current: Any = obj
    for part in parts[:-1]:
        current = getattr(current, part, None)
        if current is None:
            return None
    value = getattr(current, parts[-1], None)
    return value if isinstance(value, int) else None


class ShopScopedAdmin(admin.ModelAdmin):  # type: ignore[type-arg]
    """Base admin of shop-owned models: set ``area`` (role matrix) and ``shop_path`` (lookup
    from the model to the shop's id)."""

    area: str = ""
    shop_path: str = "shop_id"

    def _shops_with(self, request: HttpRequest, permission: str) -> list[int]:
        return [sid for sid, role in back_office_roles(request).items() if roles.can(role, self.area, permission)]

    def get_queryset(self, request: HttpRequest) -> QuerySet[Any]:
        qs = super().get_queryset(request)
        if request.user.is_superuser:
            return qs
        return qs.filter(**{f"{self.shop_path}__in": self._shops_with(request, roles.READ)}).distinct()

    def _allowed(self, request: HttpRequest, permission: str, obj: Model | None) -> bool:
        if not request.user.is_active or not request.user.is_staff:
            return False
        if request.user.is_superuser:
            return True
        shops = self._shops_with(request, permission)
        if obj is None:
            return bool(shops)
        return _resolve_shop_id(obj, self.shop_path) in shops

    def has_module_permission(self, request: HttpRequest) -> bool:
        return self._allowed(request, roles.READ, None)

    def has_view_permission(self, request: HttpRequest, obj: Model | None = None) -> bool:
        return self._allowed(request, roles.READ, obj)

    def has_change_permission(self, request: HttpRequest, obj: Model | None = None) -> bool:
        return self._allowed(request, roles.WRITE, obj)

    def has_add_permission(self, request: HttpRequest, *args: Any) -> bool:
        return self._allowed(request, roles.WRITE, None)

    def has_delete_permission(self, request: HttpRequest, obj: Model | None = None) -> bool:
        return self._allowed(request, roles.WRITE, obj)

    def formfield_for_foreignkey(self, db_field: ForeignKey, request: HttpRequest, **kwargs: Any) -> ModelChoiceField:  # type: ignore[type-arg,override]
        field = super().formfield_for_foreignkey(db_field, request, **kwargs)
        if field is not None and not request.user.is_superuser:
            shops = self._shops_with(request, roles.WRITE)
            related: Any = db_field.related_model
            queryset: Any = field.queryset
            if related._meta.label == "shops.Shop":
                field.queryset = queryset.filter(id__in=shops)
            elif any(f.name == "shop" for f in related._meta.get_fields()):
                field.queryset = queryset.filter(shop_id__in=shops)
        return field  # type: ignore[return-value]
