"""Base views for shop-owned resources.

``ShopViewSet`` reads ``request.shop`` once from the authenticated membership; subclasses
build their queryset from it (through a selector) and nothing else. ``get_object`` checks the
shop again, so another shop's object is a 404 exactly like a missing one.
"""

from __future__ import annotations

from typing import Any

from django.db.models import Model, QuerySet
from rest_framework import viewsets
from rest_framework.exceptions import NotFound

from flowercrm.auth import ShopAuth, shop_auth
from flowercrm.permissions import AreaPermission

# Ids in paths: digits only and at most 18 of them, so nothing out of range reaches the database.
ID_PATTERN = r"[0-9]{1,18}"


class ShopContextMixin:
    @property
    def auth(self) -> ShopAuth:
        auth = shop_auth(self.request)  # type: ignore[attr-defined]
        if auth is None:  # permissions run first; this is a programming error
            raise RuntimeError("ShopViewSet used without ShopJWTAuthentication")
        return auth

    @property
    def shop(self) -> Any:
        return self.auth.shop

    @property
    def role(self) -> str:
        return self.auth.role

    def get_serializer_context(self) -> dict[str, Any]:
        context: dict[str, Any] = super().get_serializer_context()  # type: ignore[misc]
        auth = shop_auth(self.request)  # type: ignore[attr-defined]
        if auth is not None:
            context["shop"] = auth.shop
            context["role"] = auth.role
        return context


class ShopViewSet(ShopContextMixin, viewsets.GenericViewSet):  # type: ignore[type-arg]
    """Base of every shop-owned API resource.

    Set ``area`` (a key of the role matrix), ``model``, optionally ``action_permissions``,
    and implement ``get_shop_queryset`` starting from ``self.shop`` (through a selector).
    """

    model: type[Model]

    area: str = ""
    action_permissions: dict[str, str] = {}
    permission_classes = [AreaPermission]
    lookup_value_regex = ID_PATTERN
    shop_field = "shop_id"

    def get_shop_queryset(self) -> QuerySet[Any]:
        raise NotImplementedError("ShopViewSet subclasses build their queryset from self.shop")

    def get_queryset(self) -> QuerySet[Any]:
        if getattr(self, "swagger_fake_view", False):  # schema generation has no request shop
            return self.model._default_manager.none()
        return self.get_shop_queryset()

    def get_object(self) -> Any:
        obj: Model = super().get_object()
        # A safety net behind the shop-scoped queryset.
        owner = getattr(obj, self.shop_field, None)
        if owner is not None and owner != self.shop.id:
            raise NotFound()
        return obj
