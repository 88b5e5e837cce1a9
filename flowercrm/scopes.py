"""The shop scope: a query on a shop-owned model outside a shop scope fails loudly.

A typed equivalent of pretix's ``django-scopes`` (same names, so a later switch is a rename):

- ``scope(shop=...)`` — the block works for one shop: every query through a
  :class:`ShopScopedManager` is filtered by that shop. It overrides an outer
  ``scopes_disabled()`` (a test body, a cross-shop command that enters one shop).
- ``scopes_disabled(reason)`` — the block reads across shops on purpose (the admin, the
  tracking page, the Telegram bot, cross-shop commands); the reason is required and sits
  beside the call, so a reviewer sees why.
- Anywhere else (no scope, or ``scope(shop=None)``, which each request starts with) a query
  on a shop-owned model raises :class:`ScopeError`.

Who enters the scope: every ``flowercrm.viewsets.ScopedAPIView`` (``ShopViewSet`` and the
other API views of a shop), right after DRF authentication, for the rest of the request;
:class:`ScopeMiddleware` (every request starts with no shop; ``/admin/`` is disabled); the
WebSocket consumer around its replay; the bot per update; each management command.

Differences from django-scopes, on purpose: typed; ``exists()``, ``count()``, ``update()``,
``delete()``, ``create()`` and the bulk methods are checked too; and a queryset built outside
a scope (``ShopRelatedField(queryset=X.objects.all())`` at import time) is not an error until
it is used — it is checked, and filtered by the shop then in force, when it reaches the
database. The state is a ``ContextVar``: threads start without one (see
``flowercrm.testing.run_concurrently``), asyncio tasks and ``sync_to_async`` carry it.

``_base_manager`` (forward foreign keys such as ``order.customer``, ``refresh_from_db``,
``save``, cascades) stays Django's plain manager: a row already read in the scope reaches
its parents unhindered. Related managers (``order.items.all()``) are scoped like ``objects``.
Migrations use plain managers (``use_in_migrations`` is off).
"""

from __future__ import annotations

import contextvars
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, Generic, TypeVar

from django.db import models
from django.db.models import Q
from django.http import HttpRequest, HttpResponse

if TYPE_CHECKING:
    from apps.shops.models import Shop

__all__ = [
    "ScopeError",
    "ScopeMiddleware",
    "ShopScopedManager",
    "ShopScopedQuerySet",
    "current_shop_id",
    "scope",
    "scopes_disabled",
]

_M = TypeVar("_M", bound=models.Model)


class ScopeError(RuntimeError):
    """A shop-owned model was queried outside a shop scope (a programming error)."""


@dataclass(frozen=True)
class _State:
    shop_id: int | None = None
    disabled: bool = False
    reason: str = ""


_NO_SCOPE = _State()
_state: contextvars.ContextVar[_State] = contextvars.ContextVar("flowercrm_shop_scope")


def _current() -> _State:
    return _state.get(_NO_SCOPE)


def _shop_id(shop: Shop | int | None) -> int | None:
    if shop is None or isinstance(shop, int):
        return shop
    return int(shop.pk)


@contextmanager
def scope(*, shop: Shop | int | None) -> Iterator[None]:
    """Work for ``shop`` in the block (queries are filtered by it). ``shop=None`` enforces
    the scope without a shop: every query on a shop-owned model raises."""
    token = _state.set(_State(shop_id=_shop_id(shop)))
    try:
        yield
    finally:
        _state.reset(token)


@contextmanager
def scopes_disabled(reason: str) -> Iterator[None]:
    """Read and write across shops in the block, on purpose. ``reason`` (required, not
    blank) says why; it is kept in the state for error messages and debugging."""
    if not reason or not reason.strip():
        raise ValueError("scopes_disabled() needs the reason the block works across shops")
    token = _state.set(_State(disabled=True, reason=reason))
    try:
        yield
    finally:
        _state.reset(token)


def current_shop_id() -> int | None:
    """The shop of the active scope (None when there is none or scopes are disabled)."""
    return _current().shop_id


def scopes_are_disabled() -> bool:
    return _current().disabled


class ShopScopedQuerySet(models.QuerySet[_M], Generic[_M]):
    """A queryset of a shop-owned model. Built inside a scope it is filtered by the shop at
    once; built outside one it is *pending*: the first use that reaches the database checks
    the scope then in force (filtering by its shop, or raising :class:`ScopeError`)."""

    _scope_pending: bool = False

    def _clone(self) -> Any:
        clone = super()._clone()  # type: ignore[misc]  # private in the stubs
        clone._scope_pending = self._scope_pending
        return clone

    def _enforce_scope(self) -> None:
        if not self._scope_pending:
            return
        state = _current()
        if state.shop_id is None and not state.disabled:
            raise ScopeError(_unscoped_message(self.model))
        if state.shop_id is not None and not self.query.is_empty():
            self.query.add_q(Q(**{_shop_path(self.model): state.shop_id}))
        self._scope_pending = False

    # Everything that reaches the database goes through one of these.
    def _fetch_all(self) -> None:
        if self._result_cache is None:
            self._enforce_scope()
        super()._fetch_all()

    def _iterator(self, use_chunked_fetch: bool, chunk_size: int | None) -> Any:
        self._enforce_scope()
        return super()._iterator(use_chunked_fetch, chunk_size)  # type: ignore[misc]

    def count(self) -> int:
        if self._result_cache is None:
            self._enforce_scope()
        return super().count()

    def exists(self) -> bool:
        if self._result_cache is None:
            self._enforce_scope()
        return super().exists()

    def contains(self, obj: models.Model) -> bool:
        self._enforce_scope()
        return super().contains(obj)

    def aggregate(self, *args: Any, **kwargs: Any) -> dict[str, Any]:
        self._enforce_scope()
        return super().aggregate(*args, **kwargs)

    def update(self, **kwargs: Any) -> int:
        self._enforce_scope()
        return super().update(**kwargs)

    def _update(self, values: Any) -> Any:
        self._enforce_scope()
        return super()._update(values)  # type: ignore[misc]

    def delete(self) -> tuple[int, dict[str, int]]:
        self._enforce_scope()
        return super().delete()

    def create(self, **kwargs: Any) -> _M:
        self._enforce_scope()
        return super().create(**kwargs)

    def bulk_create(self, objs: Any, *args: Any, **kwargs: Any) -> list[_M]:
        self._enforce_scope()
        return super().bulk_create(objs, *args, **kwargs)

    def bulk_update(self, objs: Any, *args: Any, **kwargs: Any) -> int:
        self._enforce_scope()
        return super().bulk_update(objs, *args, **kwargs)

    def explain(self, *args: Any, **kwargs: Any) -> str:
        self._enforce_scope()
        return super().explain(*args, **kwargs)

    def resolve_expression(self, *args: Any, **kwargs: Any) -> Any:  # a subquery (``__in``)
        self._enforce_scope()
        return super().resolve_expression(*args, **kwargs)


class ShopScopedManager(models.Manager[_M], Generic[_M]):
    """``objects`` of a shop-owned model: querysets that belong to the active shop scope.

    ``shop_path`` is the lookup from the model to its shop: ``"shop"`` for rows with a
    ``shop`` foreign key, ``"order__shop"`` for rows that reach it through a parent. Related
    managers (``order.items``) are subclasses of this class built without arguments, so the
    path is kept on the model (``contribute_to_class``)."""

    def __init__(self, shop_path: str = "shop") -> None:
        super().__init__()
        self.shop_path = shop_path

    def contribute_to_class(self, cls: type[models.Model], name: str) -> None:
        super().contribute_to_class(cls, name)
        if not cls._meta.abstract:
            cls._shop_scope_path = self.shop_path  # type: ignore[attr-defined]

    def get_queryset(self) -> ShopScopedQuerySet[_M]:
        hints = self._hints  # type: ignore[attr-defined]  # private in the stubs
        queryset: ShopScopedQuerySet[_M] = ShopScopedQuerySet(model=self.model, using=self._db, hints=hints)
        state = _current()
        if state.disabled:
            return queryset
        if state.shop_id is None:
            queryset._scope_pending = True
            return queryset
        if self._reached_through_parent_of(state.shop_id):
            return queryset
        return queryset.filter(**{_shop_path(self.model): state.shop_id})

    def _reached_through_parent_of(self, shop_id: int) -> bool:
        """A related manager (``order.items``) whose rows reach their shop through that very
        parent (``_shop_scope_path`` ``"order__shop"``), of a parent in the scope's shop: the
        scope's filter would be ``order.shop_id == shop_id`` again — a no-op that costs a
        join per parent, and a prefetch builds one such queryset per parent row (issue 17)."""
        instance, field = getattr(self, "instance", None), getattr(self, "field", None)
        if instance is None or field is None:
            return False
        parent, _, rest = _shop_path(self.model).partition("__")
        return parent == field.name and rest == "shop" and getattr(instance, "shop_id", None) == shop_id


def _shop_path(model: type[models.Model]) -> str:
    return str(getattr(model, "_shop_scope_path", "shop"))


def _unscoped_message(model: type[models.Model]) -> str:
    return (
        f"{model._meta.label} queried outside a shop scope: enter `flowercrm.scopes.scope(shop=...)`, "
        "or `scopes_disabled(reason)` where the code works across shops on purpose."
    )


# Paths whose requests work across shops; the reason sits beside each.
_DISABLED_PATHS: tuple[tuple[str, str], ...] = (
    ("/admin/", "the Django admin: ShopScopedAdmin narrows its own querysets to the staff member's shops"),
)


class ScopeMiddleware:
    """Every request starts with the scope enforced and no shop (``scope(shop=None)``), so
    a view that reads a shop-owned model without entering its shop fails — also in tests,
    whose bodies run with scopes disabled. The views enter their shop after authentication
    (``flowercrm.viewsets.ScopedAPIView``); the paths of ``_DISABLED_PATHS`` are disabled for their reason."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        for prefix, reason in _DISABLED_PATHS:
            if request.path_info.startswith(prefix):  # without SCRIPT_NAME: a sub-path deployment too
                with scopes_disabled(reason):
                    return self.get_response(request)
        with scope(shop=None):
            return self.get_response(request)
