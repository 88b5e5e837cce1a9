"""Every write to shops, staff and settings."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from django.db import transaction
from django.utils import timezone

from apps.accounts.models import User
from apps.accounts.services import user_get_or_create, user_rename, user_sync_staff
from apps.shops.models import DeliveryZone, Membership, Shop
from apps.shops.selectors import shop_name_taken
from flowercrm import events
from flowercrm.errors import Conflict, Invalid
from flowercrm.roles import Role

SETTINGS_FIELDS = (
    "name",
    "time_zone",
    "default_delivery_fee",
    "markups",
    "labour_cost",
    "preparation_minutes",
    "price_rounding_step",
    "low_stock_notify",
)


@dataclass(frozen=True)
class StaffResult:
    membership: Membership
    existing_user: bool


@transaction.atomic
def shop_create(
    *, name: str, admin_phone: str, admin_password: str | None = None, admin_name: str = "", currency: str = "KZT"
) -> tuple[Shop, StaffResult]:
    """Create a shop and its first admin. An existing user with that phone is reused and
    keeps their password and name."""
    name = name.strip()
    if not name:
        raise Invalid({"name": ["Укажите название магазина."]})
    if shop_name_taken(name=name):
        raise Conflict(f"Магазин «{name}» уже существует.")
    shop = Shop(name=name, currency=currency)
    shop.full_clean()
    shop.save()
    staff = staff_add(shop=shop, phone=admin_phone, name=admin_name, role=Role.ADMIN, password=admin_password)
    return shop, staff


@transaction.atomic
def staff_add(*, shop: Shop, phone: str, name: str, role: str, password: str | None = None) -> StaffResult:
    """Give a person a role in ``shop``. For a phone that already has a user only the
    membership is added: the name and password sent are ignored."""
    user, created = user_get_or_create(phone=phone, name=name, password=password)
    membership = Membership.objects.filter(user=user, shop=shop).first()
    if membership is not None:
        raise Conflict("Этот человек уже работает в магазине; измените его роль или включите доступ.")
    membership = Membership.objects.create(user=user, shop=shop, role=role, is_active=True)
    user_sync_staff(user=user)
    return StaffResult(membership=membership, existing_user=not created)


def _lock_active_admins(*, shop_id: int) -> list[Membership]:
    """The shop's active admin memberships, row-locked in id order, so that two demotions
    cannot both see "another admin remains"."""
    return list(
        Membership.objects.select_for_update().filter(shop_id=shop_id, role=Role.ADMIN, is_active=True).order_by("id")
    )


@transaction.atomic
def staff_update(
    *,
    membership: Membership,
    actor: User,
    name: str | None = None,
    role: str | None = None,
    is_active: bool | None = None,
) -> Membership:
    """Change a member's name, role or access, all or nothing. A user's name is changed only
    by that user (they may work in other shops too); the role rules are ``membership_update``'s."""
    if name is not None:
        if membership.user_id != actor.pk:
            raise Invalid({"name": ["Имя меняет только сам пользователь."]})
        user_rename(user=membership.user, name=name)
    return membership_update(membership=membership, actor=actor, role=role, is_active=is_active)


@transaction.atomic
def membership_update(
    *, membership: Membership, actor: User, role: str | None = None, is_active: bool | None = None
) -> Membership:
    """Change a member's role or access. The last active admin of a shop stays an active admin."""
    admins = _lock_active_admins(shop_id=membership.shop_id)
    membership.refresh_from_db()
    new_role = role if role is not None else membership.role
    new_active = is_active if is_active is not None else membership.is_active
    loses_admin = membership.role == Role.ADMIN and membership.is_active and (new_role != Role.ADMIN or not new_active)
    if loses_admin and len(admins) <= 1:
        raise Conflict("Нельзя понизить или отключить последнего администратора магазина.")
    changed = []
    if new_role != membership.role:
        membership.role = new_role
        changed.append("role")
    if new_active != membership.is_active:
        membership.is_active = new_active
        changed.append("is_active")
    if changed:
        membership.save(update_fields=[*changed, "updated_at"])
        user_sync_staff(user=membership.user)
        events.force_close(user_id=membership.user_id, shop_id=membership.shop_id)  # sockets re-authorise
    return membership


def membership_touch(*, membership: Membership) -> None:
    """Remember this shop as the user's most recently used one."""
    Membership.objects.filter(pk=membership.pk).update(last_used_at=timezone.now())


@transaction.atomic
def shop_update(*, shop: Shop, data: dict[str, Any]) -> Shop:
    """Change a shop's name and settings; ``delivery_zones`` (if given) replaces the list:
    rows with an ``id`` are updated, rows without one are created, the others removed."""
    shop = Shop.objects.select_for_update().get(pk=shop.pk)
    for field in SETTINGS_FIELDS:
        if field in data:
            setattr(shop, field, data[field])
    if "name" in data and shop_name_taken(name=shop.name, exclude_id=shop.pk):
        raise Invalid({"name": ["Магазин с таким названием уже есть."]})
    shop.full_clean()
    shop.save()
    if "delivery_zones" in data:
        _replace_zones(shop=shop, zones=data["delivery_zones"])
    return shop


def _replace_zones(*, shop: Shop, zones: list[dict[str, Any]]) -> None:
    existing = {z.id: z for z in DeliveryZone.objects.filter(shop=shop)}
    names = [z["name"].strip().casefold() for z in zones]
    if len(names) != len(set(names)):
        raise Invalid({"delivery_zones": ["Названия зон должны различаться."]})
    ids = [z["id"] for z in zones if z.get("id") is not None]
    if len(ids) != len(set(ids)):
        raise Invalid({"delivery_zones": ["Одна зона указана дважды."]})
    unknown = [zone.get("id") is not None and zone["id"] not in existing for zone in zones]
    if any(unknown):
        # Errors nested like the payload: one entry per zone.
        raise Invalid({"delivery_zones": [{"id": ["Зона не найдена."]} if bad else {} for bad in unknown]})
    # Removed zones go first, so a kept or new zone may take a removed one's name.
    DeliveryZone.objects.filter(shop=shop).exclude(id__in=ids).delete()
    kept = [(existing[z["id"]], z) for z in zones if z.get("id") is not None]
    # Renamed zones first take a placeholder name (a word joiner and the id, which nobody
    # types), so two zones may swap names without tripping the unique (shop, name).
    for row, zone in kept:
        if row.name != zone["name"].strip():
            row.name = f"\u2060{row.id}"
            row.save(update_fields=["name", "updated_at"])
    for row, zone in kept:
        row.name, row.fee = zone["name"].strip(), zone["fee"]
        row.save()
    for zone in zones:
        if zone.get("id") is None:
            DeliveryZone.objects.create(shop=shop, name=zone["name"].strip(), fee=zone["fee"])
