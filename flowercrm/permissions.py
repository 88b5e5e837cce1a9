"""API permissions, all read from the role matrix in ``flowercrm.roles``."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from rest_framework import permissions
from rest_framework.request import Request

from flowercrm import roles
from flowercrm.auth import shop_auth

if TYPE_CHECKING:
    from rest_framework.views import APIView


class IsShopMember(permissions.BasePermission):
    """The default: an authenticated request with an active membership."""

    def has_permission(self, request: Request, view: APIView) -> bool:
        return shop_auth(request) is not None


class AreaPermission(IsShopMember):
    """Checks the caller's role against ``view.area`` of the role matrix.

    Safe methods need ``read``; other methods need ``write`` unless the view maps its
    action to a named permission in ``view.action_permissions`` (e.g. ``{"write_off":
    "write_off"}``). A view may also map a safe action to a permission.
    """

    message = "Недостаточно прав для этого действия."

    def has_permission(self, request: Request, view: APIView) -> bool:
        auth = shop_auth(request)
        if auth is None:
            return False
        return roles.can(auth.role, view.area, required_permission(request, view))  # type: ignore[attr-defined]


def required_permission(request: Request, view: Any) -> str:
    action = getattr(view, "action", None)
    mapping: dict[str, str] = getattr(view, "action_permissions", {}) or {}
    if action and action in mapping:
        return mapping[action]
    return roles.READ if request.method in permissions.SAFE_METHODS else roles.WRITE
