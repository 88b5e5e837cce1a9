"""Reads of shops and staff."""

from __future__ import annotations

from collections.abc import Iterable

from django.db.models import Case, CharField, F, QuerySet, When
from django.utils.translation import gettext

from apps.accounts.models import User
from apps.shops.models import Membership, MembershipStatus, Shop
from flowercrm.errors import Conflict
from flowercrm.roles import BACK_OFFICE_ROLES


def shops_named(*, name: str) -> list[Shop]:
    """Shops with this name, case-insensitively in any alphabet, oldest first.

    Compared in Python: SQLite's ``lower()``/``iexact`` fold ASCII only."""
    wanted = name.strip().casefold()
    return [s for s in Shop.objects.order_by("id") if s.name.casefold() == wanted]


def shop_find(*, key: str) -> Shop | None:
    """The shop a person means by ``key``: its id, its slug, or its name. Names are not
    unique: a name that several shops share is refused (``Conflict``) with their slugs."""
    key = key.strip()
    if key.isascii() and key.isdigit() and len(key) <= 18:
        by_id = Shop.objects.filter(pk=int(key)).first()
        if by_id is not None:
            return by_id
    by_slug = Shop.objects.filter(slug=key.lower()).first()
    if by_slug is not None:
        return by_slug
    named = shops_named(name=key)
    if len(named) > 1:
        slugs = ", ".join(s.slug for s in named)
        raise Conflict(
            gettext("There are several shops named “%(name)s” (%(slugs)s); give the address (slug) or the number.")
            % {"name": key, "slugs": slugs}
        )
    return named[0] if named else None


def staff_list(*, shop: Shop) -> QuerySet[Membership]:
    """The shop's members and pending invitations. ``staff_name`` and ``staff_search`` are
    what the shop may know: the person's own name for members, the name the shop typed for
    people who have not accepted yet (their profile stays theirs)."""
    invited = MembershipStatus.INVITED
    return (
        Membership.objects.filter(shop=shop)
        .select_related("user")
        .annotate(
            staff_name=Case(
                When(status=invited, then=F("invited_name")), default=F("user__name"), output_field=CharField()
            ),
            staff_search=Case(
                When(status=invited, then=F("search_text")), default=F("user__search_text"), output_field=CharField()
            ),
        )
    )


def membership_list_for_user(*, user: User) -> QuerySet[Membership]:
    return Membership.objects.active().filter(user=user).select_related("shop").order_by("shop__name", "id")


def invitation_list_for_user(*, user: User) -> QuerySet[Membership]:
    """The invitations waiting for ``user``'s answer, newest first."""
    return Membership.objects.invited().filter(user=user).select_related("shop", "invited_by").order_by("-id")


def default_membership(*, user: User, shop_id: int | None = None) -> Membership | None:
    """The membership a login opens: ``shop_id`` if given, else the most recently used shop."""
    memberships = membership_list_for_user(user=user)
    if shop_id is not None:
        return memberships.filter(shop_id=shop_id).first()
    return memberships.order_by(F("last_used_at").desc(nulls_last=True), "id").first()


def managed_shop_ids(*, user: User) -> list[int]:
    """Shops whose back office (admin) ``user`` may work in."""
    return list(
        Membership.objects.active().filter(user=user, role__in=BACK_OFFICE_ROLES).values_list("shop_id", flat=True)
    )


def eligible_staff(*, shop: Shop | None, roles: Iterable[str]) -> QuerySet[User]:
    """The people who may act in ``shop`` now (accepted, not switched off) with one of
    ``roles`` — who may be an order's florist or courier, in the API and in the admin alike."""
    members = Membership.objects.active().filter(shop=shop, role__in=list(roles))
    return User.objects.filter(id__in=members.values("user_id")).order_by("name", "id")


def shops_run_by(*, user: User) -> QuerySet[Shop]:
    """The shops whose back office ``user`` runs, by name: every shop for a superuser (a
    platform operator), else the shops of their active admin/manager memberships (the rows the
    admin shows them, ``flowercrm.admin.back_office_roles``)."""
    shops = Shop.objects.order_by("name", "id")
    if user.is_superuser:
        return shops
    return shops.filter(
        pk__in=Membership.objects.active().filter(user=user, role__in=BACK_OFFICE_ROLES).values("shop_id")
    )


def office_telegram_users(*, shop_id: int) -> QuerySet[User]:
    """The shop's back office on Telegram: active admins and managers (accepted memberships,
    active users) who linked the bot — who hears of new orders, reminders and the day's summary."""
    return User.objects.filter(
        pk__in=Membership.objects.active().filter(shop_id=shop_id, role__in=BACK_OFFICE_ROLES).values("user_id"),
        is_active=True,
        telegram_id__isnull=False,
    )


def office_chat_ids(*, shop: Shop) -> list[int]:
    """The chats of ``office_telegram_users``, each once, in a stable order."""
    users = office_telegram_users(shop_id=shop.pk)
    return [chat for chat in users.order_by("telegram_id").values_list("telegram_id", flat=True) if chat is not None]
