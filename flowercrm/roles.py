"""The role matrix of ARCHITECTURE §3: one structure read by API permissions, the admin,
the WebSocket consumer and the tests.

Each area maps a role to the permissions it holds there. ``read`` and ``write`` are the
plain ones (``write`` implies ``read``); named permissions (``write_off``, ``take`` …) are
single moves a role may make without holding ``write``. A role absent from an area has no
access to it at all.
"""

from __future__ import annotations

from django.db import models
from django.utils.translation import gettext_lazy as _


class Role(models.TextChoices):
    ADMIN = "admin", _("Administrator")
    MANAGER = "manager", _("Manager")
    FLORIST = "florist", _("Florist")
    COURIER = "courier", _("Courier")


READ = "read"
WRITE = "write"

A, M, F, C = Role.ADMIN, Role.MANAGER, Role.FLORIST, Role.COURIER

MATRIX: dict[str, dict[str, frozenset[str]]] = {
    # id, name, currency, time zone of the active shop.
    "shop": {A: frozenset({READ}), M: frozenset({READ}), F: frozenset({READ}), C: frozenset({READ})},
    "shop_settings": {A: frozenset({WRITE}), M: frozenset({READ})},
    "staff": {A: frozenset({WRITE}), M: frozenset({READ})},
    # Florists see only the buyer name and phone of orders they may see (a narrower serializer).
    "customers": {A: frozenset({WRITE}), M: frozenset({WRITE}), F: frozenset({READ})},
    "catalog": {A: frozenset({WRITE}), M: frozenset({WRITE}), F: frozenset({READ})},
    "warehouse": {A: frozenset({WRITE}), M: frozenset({WRITE}), F: frozenset({READ, "write_off"})},
    "supplies": {A: frozenset({WRITE}), M: frozenset({WRITE}), F: frozenset({READ})},
    "orders": {
        A: frozenset({WRITE}),
        M: frozenset({WRITE}),
        F: frozenset({READ, "production_transition", "comment", "bouquet_photo"}),
        C: frozenset({READ, "delivery_transition", "comment", "proof_photo", "issue"}),
    },
    "payments": {A: frozenset({WRITE}), M: frozenset({WRITE})},
    "production": {A: frozenset({WRITE}), M: frozenset({WRITE}), F: frozenset({READ, "take", "start", "complete"})},
    "reports": {A: frozenset({READ}), M: frozenset({READ})},
    # Costs, margins, unit costs, purchase prices and supply amounts (§11.1 "Who sees money").
    "costs": {A: frozenset({READ}), M: frozenset({READ})},
    # Uploading an image is open to every member; attaching it is checked where it is attached.
    "uploads": {A: frozenset({WRITE}), M: frozenset({WRITE}), F: frozenset({WRITE}), C: frozenset({WRITE})},
}

del A, M, F, C


def permissions_of(role: str, area: str) -> frozenset[str]:
    """The permissions ``role`` holds in ``area`` (empty: no access at all)."""
    try:
        return MATRIX[area].get(role, frozenset())
    except KeyError:
        raise KeyError(f"Unknown area {area!r}; add it to flowercrm.roles.MATRIX") from None


def can(role: str | None, area: str, permission: str = READ) -> bool:
    """Whether ``role`` may do ``permission`` in ``area``.

    ``write`` grants ``read`` and every named permission of the area.
    """
    if role is None:
        return False
    held = permissions_of(role, area)
    if not held:
        return False
    if WRITE in held:
        return True
    return permission in held


def holders(area: str, permission: str = READ) -> frozenset[str]:
    """The roles that may do ``permission`` in ``area`` (e.g. who moves an order in production)."""
    return frozenset(role for role in Role if can(role, area, permission))


# Who may be assigned as a florist or a courier (in a small shop the owner does everything).
ELIGIBLE_FLORIST_ROLES = frozenset({Role.FLORIST, Role.MANAGER, Role.ADMIN})
ELIGIBLE_COURIER_ROLES = frozenset({Role.COURIER, Role.MANAGER, Role.ADMIN})
# Roles whose members get into the Django admin (``is_staff`` follows them).
BACK_OFFICE_ROLES = frozenset({Role.ADMIN, Role.MANAGER})
