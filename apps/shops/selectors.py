"""Reads of shops and staff."""

from __future__ import annotations

from django.db.models import F, QuerySet

from apps.accounts.models import User
from apps.shops.models import Membership, Shop
from flowercrm.roles import BACK_OFFICE_ROLES


def shop_name_taken(*, name: str, exclude_id: int | None = None) -> bool:
    """Whether another shop already has this name, case-insensitively in any alphabet.

    Compared in Python: SQLite's ``lower()``/``iexact`` fold ASCII only ("ромашка" would pass
    as new next to "Ромашка"); PostgreSQL's unique index on ``Lower(name)`` backs this up."""
    wanted = name.strip().casefold()
    names = Shop.objects.all() if exclude_id is None else Shop.objects.exclude(pk=exclude_id)
    return any(existing.casefold() == wanted for existing in names.values_list("name", flat=True))


def shop_find_by_name(*, name: str) -> Shop | None:
    """The shop with this name, case-insensitively in any alphabet."""
    wanted = name.strip().casefold()
    return next((s for s in Shop.objects.order_by("id") if s.name.casefold() == wanted), None)


def staff_list(*, shop: Shop) -> QuerySet[Membership]:
    return Membership.objects.filter(shop=shop).select_related("user")


def membership_list_for_user(*, user: User) -> QuerySet[Membership]:
    return Membership.objects.filter(user=user, is_active=True).select_related("shop").order_by("shop__name", "id")


def default_membership(*, user: User, shop_id: int | None = None) -> Membership | None:
    """The membership a login opens: ``shop_id`` if given, else the most recently used shop."""
    memberships = membership_list_for_user(user=user)
    if shop_id is not None:
        return memberships.filter(shop_id=shop_id).first()
    return memberships.order_by(F("last_used_at").desc(nulls_last=True), "id").first()


def managed_shop_ids(*, user: User) -> list[int]:
    """Shops whose back office (admin) ``user`` may work in."""
    return list(
        Membership.objects.filter(user=user, is_active=True, role__in=BACK_OFFICE_ROLES).values_list(
            "shop_id", flat=True
        )
    )
