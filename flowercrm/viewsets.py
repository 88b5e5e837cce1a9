"""Base views for shop-owned resources.

``ShopViewSet`` reads ``request.shop`` once from the authenticated membership; subclasses
build their queryset from it (through a selector) and nothing else. ``get_object`` checks the
shop again, so another shop's object is a 404 exactly like a missing one.

What every view needs comes from here, typed: ``self.auth`` (token and membership),
``self.shop``, ``self.role``, ``self.actor`` (the acting user), ``self.membership``; and one way
to answer an action with the object's detail: :meth:`ShopViewSet.detail_response`.
Permissions of every action are declared in ``action_permissions`` (see
``flowercrm.permissions.AreaPermission``), never checked inline.
"""

from __future__ import annotations

from collections.abc import Mapping
from contextlib import ExitStack
from typing import TYPE_CHECKING, Any

from django.db.models import Model, QuerySet
from rest_framework import status, viewsets
from rest_framework.exceptions import NotFound
from rest_framework.generics import GenericAPIView
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from flowercrm.auth import ShopAuth, shop_auth
from flowercrm.pagination import SkipLimitPagination
from flowercrm.permissions import ActionPermissions, AreaPermission
from flowercrm.scopes import scope, scopes_disabled

if TYPE_CHECKING:
    from apps.accounts.models import User
    from apps.shops.models import Membership, Shop

# Ids in paths: digits only and at most 18 of them, so nothing out of range reaches the database.
ID_PATTERN = r"[0-9]{1,18}"


class ScopedAPIView(APIView):
    """An API view that works in the shop scope (``flowercrm.scopes``) of its request.

    Right after DRF authenticates the request (before permissions and throttles, which may
    count rows), an authenticated member's view enters ``scope(shop=<the member's shop>)``
    for the rest of the request; ``dispatch`` leaves it whatever the outcome (an exception
    DRF's handler re-raises included). A view without a member stays in the request's empty scope, where a query on a
    shop-owned model raises — unless ``scopes_disabled_reason`` says why it reads across
    shops on purpose (public endpoints such as tracking by token)."""

    scopes_disabled_reason: str = ""
    _scope_exit: ExitStack | None = None

    def perform_authentication(self, request: Request) -> None:
        super().perform_authentication(request)
        stack = ExitStack()
        auth = shop_auth(request)
        if auth is not None:
            stack.enter_context(scope(shop=auth.membership.shop_id))
        elif self.scopes_disabled_reason:
            stack.enter_context(scopes_disabled(self.scopes_disabled_reason))
        self._scope_exit = stack

    def dispatch(self, request: Any, *args: Any, **kwargs: Any) -> Any:
        try:
            return super().dispatch(request, *args, **kwargs)
        finally:
            if self._scope_exit is not None:
                self._scope_exit.close()
                self._scope_exit = None


class ShopContextMixin(ScopedAPIView, GenericAPIView):
    """The authenticated shop context of a view (``request.auth`` of ``ShopJWTAuthentication``)."""

    @property
    def auth(self) -> ShopAuth:
        auth = shop_auth(self.request)
        if auth is None:  # permissions run first; this is a programming error
            raise RuntimeError("ShopViewSet used without ShopJWTAuthentication")
        return auth

    @property
    def shop(self) -> Shop:
        return self.auth.shop

    @property
    def role(self) -> str:
        return self.auth.role

    @property
    def membership(self) -> Membership:
        return self.auth.membership

    @property
    def actor(self) -> User:
        """The person acting (for services' ``actor=``)."""
        return self.auth.user

    def get_serializer_context(self) -> dict[str, Any]:
        context: dict[str, Any] = super().get_serializer_context()
        auth = shop_auth(self.request)
        if auth is not None:
            context["shop"] = auth.shop
            context["role"] = auth.role
        return context


class ShopViewSet(ShopContextMixin, viewsets.GenericViewSet):
    """Base of every shop-owned API resource.

    Set ``area`` (a key of the role matrix), ``model``, optionally ``action_permissions``,
    and implement ``get_shop_queryset`` starting from ``self.shop`` (through a selector).
    """

    model: type[Model]

    area: str = ""
    action_permissions: ActionPermissions = {}
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

    def paginate_values(self, values: QuerySet[Any], *, count_from: QuerySet[Any]) -> list[Any]:
        """A list page read as plain values (the hot lists' path), its ``total`` counted on
        ``count_from`` — the filtered queryset before ``values()`` joined the related columns."""
        paginator = self.paginator
        assert isinstance(paginator, SkipLimitPagination)  # noqa: S101 - the API's only paginator
        return paginator.paginate_queryset(values, self.request, view=self, count_from=count_from)

    # --- Answers ------------------------------------------------------------------------

    def get_detail_queryset(self) -> QuerySet[Any]:
        """Where an action's answer re-reads its object (the selector with the detail's joins
        and annotations); ``get_shop_queryset`` unless a view reads writes from a lighter one."""
        return self.get_shop_queryset()

    def detail_serializer(self, instance: Any) -> Any:
        """The caller's detail shape of ``instance`` (role-aware views override
        ``get_serializer_class``)."""
        return self.get_serializer_class()(instance, context=self.get_serializer_context())

    def detail_response(
        self,
        instance: Model,
        *,
        status_code: int = status.HTTP_200_OK,
        extra: Mapping[str, Any] | None = None,
        refetch: bool = True,
    ) -> Response:
        """Answer an action (create, update, transition, take, receive…) with the object's
        detail as the caller sees it, re-read through ``get_detail_queryset`` so computed
        fields are current; ``extra`` keys (``warnings``, ``shortages``) join the body."""
        fresh = self.get_detail_queryset().get(pk=instance.pk) if refetch else instance
        body = dict(self.detail_serializer(fresh).data)
        if extra:
            body.update(extra)
        return Response(body, status=status_code)
