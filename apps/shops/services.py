"""Every write to shops, staff and settings (sessions: ``apps.shops.sessions``)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from django.db import transaction
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from apps.accounts.models import User
from apps.accounts.services import user_get_or_create, user_rename
from apps.shops.invitations import invitation_notify
from apps.shops.models import DeliveryZone, Membership, MembershipStatus, Shop
from flowercrm import events
from flowercrm.errors import Conflict, DomainError, Invalid, NotFound
from flowercrm.roles import BACK_OFFICE_ROLES, Role
from flowercrm.updates import model_update, model_validate

SETTINGS_FIELDS = (
    "name",
    "time_zone",
    "default_delivery_fee",
    "markups",
    "labour_cost",
    "preparation_minutes",
    "price_rounding_step",
    "low_stock_notify",
    # The public profile (ARCHITECTURE §11.6); the slug is unique (``full_clean`` checks it).
    "slug",
    "storefront_enabled",
    "phone",
    "address",
    "hours",
)
# A membership's relations are set by the services, not by input: not re-read to validate.
MEMBERSHIP_RELATIONS = ("user", "shop", "invited_by")


class MemberNotRemovable(DomainError):
    """People who accepted are deactivated, never deleted (the event log keeps who did what)."""

    status_code = 405
    code = "method_not_allowed"
    default_detail = _("A staff member cannot be deleted — switch off their access.")


@dataclass(frozen=True)
class StaffResult:
    membership: Membership
    existing_user: bool


@transaction.atomic
def shop_create(
    *,
    name: str,
    admin_phone: str,
    admin_password: str | None = None,
    admin_name: str = "",
    currency: str = "KZT",
    slug: str = "",
) -> tuple[Shop, StaffResult]:
    """Create a shop and its first admin (a platform operator's act: an existing user with
    that phone becomes the admin at once and keeps their password and name). Names are free;
    the slug is generated from the name unless given, and a given one must be free."""
    name = name.strip()
    if not name:
        raise Invalid({"name": [gettext("Give the shop a name.")]})
    slug = slug.strip().lower()
    if slug and Shop.objects.filter(slug=slug).exists():
        raise Conflict(gettext("The shop address “%(slug)s” is taken.") % {"slug": slug})
    shop = Shop(name=name, currency=currency, slug=slug)
    shop.slug = shop.slug or shop.free_slug()
    model_validate(shop)
    shop.save()
    staff = staff_add(
        shop=shop, phone=admin_phone, name=admin_name, role=Role.ADMIN, password=admin_password, invite_existing=False
    )
    return shop, staff


def user_sync_staff(*, user: User) -> None:
    """``is_staff`` (Django admin access) follows active admin/manager memberships."""
    should = user.is_superuser or Membership.objects.active().filter(user=user, role__in=BACK_OFFICE_ROLES).exists()
    model_update(instance=user, fields=["is_staff"], data={"is_staff": should}, validate=False)


@transaction.atomic
def staff_add(
    *,
    shop: Shop,
    phone: str,
    name: str,
    role: str,
    password: str | None = None,
    actor: User | None = None,
    invite_existing: bool = True,
) -> StaffResult:
    """Give a person a role in ``shop``.

    A new phone creates the user (``name``, ``password``) with an active membership. A phone
    that already has an account only gets an *invitation* (ARCHITECTURE §11.1): a membership
    that grants nothing until that person accepts it, showing the shop only the phone and the
    ``name`` typed here; the person hears of it in the bot when their Telegram is linked. The
    name and password sent never touch an existing account. Platform operators' commands
    (``create_shop``, ``seed_demo``) pass ``invite_existing=False`` to grant the role at once."""
    user, created = user_get_or_create(phone=phone, name=name, password=password)
    if Membership.objects.filter(user=user, shop=shop).exists():
        raise Conflict(
            gettext("This person already works in the shop or is invited; change their role or switch their access on.")
        )
    if created or not invite_existing:
        membership = Membership.objects.create(user=user, shop=shop, role=role, is_active=True)
        user_sync_staff(user=user)
    else:
        membership = Membership.objects.create(
            user=user,
            shop=shop,
            role=role,
            status=MembershipStatus.INVITED,
            is_active=False,
            invited_name=name.strip(),
            invited_by=actor,
        )
        invitation_notify(membership=membership)
    return StaffResult(membership=membership, existing_user=not created)


def _own_invitation(*, user: User, invitation_id: int) -> Membership:
    """``user``'s pending invitation, row-locked; anyone else's (or an answered one) is 404."""
    membership = (
        Membership.objects.select_for_update()
        .invited()
        .select_related("shop")
        .filter(pk=invitation_id, user=user)
        .first()
    )
    if membership is None:
        raise NotFound(gettext("Invitation not found."))
    return membership


@transaction.atomic
def invitation_accept(*, user: User, invitation_id: int) -> Membership:
    """Accept an invitation: the membership becomes active and the person may work in that
    shop (and enter the Django admin for a back-office role)."""
    membership = _own_invitation(user=user, invitation_id=invitation_id)
    accepted = {"status": MembershipStatus.ACTIVE, "is_active": True}
    model_update(instance=membership, fields=accepted, data=accepted, validate=False)
    user_sync_staff(user=user)
    return membership


@transaction.atomic
def invitation_decline(*, user: User, invitation_id: int) -> None:
    """Decline an invitation: it is removed; the shop may invite the person again."""
    _own_invitation(user=user, invitation_id=invitation_id).delete()


@transaction.atomic
def invitation_cancel(*, membership: Membership) -> None:
    """The shop withdraws an invitation not yet accepted. A member is deactivated instead
    (``MemberNotRemovable``); an invitation accepted meanwhile is a ``Conflict``."""
    if not membership.is_invited:
        raise MemberNotRemovable()
    locked = Membership.objects.select_for_update().filter(pk=membership.pk).first()
    if locked is None or not locked.is_invited:
        raise Conflict(
            gettext("The invitation is already accepted: switch the staff member's access off instead of deleting.")
        )
    locked.delete()


def _lock_active_admins(*, shop_id: int) -> list[Membership]:
    """The shop's active admin memberships, row-locked in id order, so that two demotions
    cannot both see "another admin remains"."""
    return list(Membership.objects.select_for_update().active().filter(shop_id=shop_id, role=Role.ADMIN).order_by("id"))


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
    by that user (they may work in other shops too); the name of a pending invitation is the
    shop's own note; the role rules are ``membership_update``'s."""
    if name is not None and membership.is_invited:
        model_update(
            instance=membership,
            fields=["invited_name"],
            data={"invited_name": name.strip()},
            exclude_validation=MEMBERSHIP_RELATIONS,
        )
    elif name is not None:
        if membership.user_id != actor.pk:
            raise Invalid({"name": [gettext("Only the user changes their own name.")]})
        user_rename(user=membership.user, name=name)
    return membership_update(membership=membership, actor=actor, role=role, is_active=is_active)


@transaction.atomic
def membership_update(
    *, membership: Membership, actor: User, role: str | None = None, is_active: bool | None = None
) -> Membership:
    """Change a member's role or access. The last active admin of a shop stays an active admin.
    An invitation may change its role; access is switched on only by the person accepting."""
    admins = _lock_active_admins(shop_id=membership.shop_id)
    membership.refresh_from_db()
    new_role = role if role is not None else membership.role
    new_active = is_active if is_active is not None else membership.is_active
    if membership.is_invited and new_active:
        raise Conflict(gettext("The invitation is not accepted yet: access opens when the person accepts it."))
    loses_admin = membership.role == Role.ADMIN and membership.is_active and (new_role != Role.ADMIN or not new_active)
    if loses_admin and len(admins) <= 1:
        raise Conflict(gettext("The shop's last administrator cannot be demoted or switched off."))
    changes = model_update(
        instance=membership,
        fields=["role", "is_active"],
        data={"role": new_role, "is_active": new_active},
        exclude_validation=MEMBERSHIP_RELATIONS,
    )
    if changes:
        user_sync_staff(user=membership.user)
        events.force_close(user_id=membership.user_id, shop_id=membership.shop_id)  # sockets re-authorise
    return membership


@transaction.atomic
def shop_update(*, shop: Shop, data: dict[str, Any]) -> Shop:
    """Change a shop's name and settings; ``delivery_zones`` (if given) replaces the list:
    rows with an ``id`` are updated, rows without one are created, the others removed.
    Renaming keeps the slug (links to the shop keep working); a new slug must be free and
    moves the storefront to the new address."""
    shop = Shop.objects.select_for_update().get(pk=shop.pk)
    model_update(instance=shop, fields=SETTINGS_FIELDS, data=data, validate=False, save=False)
    # Django's own ValidationError (not ``Invalid``): callers and tests catch it by that type;
    # the API answers it as the same 400 with the errors by field.
    shop.full_clean()
    shop.save()
    if "delivery_zones" in data:
        _replace_zones(shop=shop, zones=data["delivery_zones"])
    return shop


def _zones_check(zones: list[dict[str, Any]], existing: dict[int, DeliveryZone]) -> None:
    """The list as a whole: names differ, no zone twice, every ``id`` is the shop's."""
    names = [z["name"].strip().casefold() for z in zones]
    if len(names) != len(set(names)):
        raise Invalid({"delivery_zones": [gettext("Zone names must differ.")]})
    ids = [z["id"] for z in zones if z.get("id") is not None]
    if len(ids) != len(set(ids)):
        raise Invalid({"delivery_zones": [gettext("A zone is given twice.")]})
    unknown = [zone.get("id") is not None and zone["id"] not in existing for zone in zones]
    if any(unknown):
        # Errors nested like the payload: one entry per zone.
        raise Invalid({"delivery_zones": [{"id": [gettext("Zone not found.")]} if bad else {} for bad in unknown]})


def _replace_zones(*, shop: Shop, zones: list[dict[str, Any]]) -> None:
    existing = {z.id: z for z in DeliveryZone.objects.filter(shop=shop)}
    _zones_check(zones, existing)
    ids = [z["id"] for z in zones if z.get("id") is not None]
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
        data = {"name": zone["name"].strip(), "fee": zone["fee"]}
        model_update(instance=row, fields=data, data=data, exclude_validation=["shop"])
    for zone in zones:
        if zone.get("id") is None:
            DeliveryZone.objects.create(shop=shop, name=zone["name"].strip(), fee=zone["fee"])
