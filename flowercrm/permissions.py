"""API permissions, all read from the role matrix in ``flowercrm.roles``."""

from __future__ import annotations

from collections.abc import Mapping
from typing import TYPE_CHECKING, Any

from django.utils.translation import gettext_lazy as _
from rest_framework import permissions
from rest_framework.request import Request

from flowercrm import roles
from flowercrm.auth import shop_auth

if TYPE_CHECKING:
    from django_stubs_ext import StrOrPromise
    from rest_framework.views import APIView


class IsShopMember(permissions.BasePermission):
    """The default: an authenticated request with an active membership."""

    def has_permission(self, request: Request, view: APIView) -> bool:
        return shop_auth(request) is not None


# ``{action or "action:method": permission or (area, permission)}`` — see AreaPermission.
ActionPermissions = Mapping[str, "str | tuple[str, str]"]


class AreaPermission(IsShopMember):
    """Checks the caller's role against ``view.area`` of the role matrix.

    Safe methods need ``read``; other methods need ``write`` unless the view declares what
    its action needs in ``view.action_permissions``: a named permission of the view's area
    (``{"write_off": "write_off"}``) or an ``(area, permission)`` of another area
    (``{"payments:post": ("payments", "write")}``). A key ``"<action>:<method>"`` (method in
    lower case) wins over the plain ``"<action>"``. Every action's rule is declared here, so
    views never check roles inline.
    """

    message: StrOrPromise = _("You do not have permission for this action.")

    def has_permission(self, request: Request, view: APIView) -> bool:
        auth = shop_auth(request)
        if auth is None:
            return False
        area, permission = required_permission(request, view)
        return roles.can(auth.role, area, permission)


def required_permission(request: Request, view: Any) -> tuple[str, str]:
    """``(area, permission)`` the view's current action needs."""
    action = getattr(view, "action", None)
    mapping: ActionPermissions = getattr(view, "action_permissions", {}) or {}
    area: str = getattr(view, "area", "")
    rule = None
    if action:
        rule = mapping.get(f"{action}:{(request.method or '').lower()}", mapping.get(action))
    if rule is None:
        return area, roles.READ if request.method in permissions.SAFE_METHODS else roles.WRITE
    if isinstance(rule, tuple):
        return rule
    return area, rule
