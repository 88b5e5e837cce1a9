"""Staff invitations (issue 11, ARCHITECTURE §11.1): adding someone who already has an
account invites them; until they accept, the shop sees only the phone and the name it typed,
and the person cannot act in that shop."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest
from rest_framework.test import APIClient

from apps.accounts.models import User
from apps.accounts.tests.factories import PASSWORD, UserFactory
from apps.shops import services
from apps.shops.models import Membership, MembershipStatus, Shop
from apps.shops.tests.factories import MembershipFactory
from flowercrm.roles import Role
from flowercrm.testing import assert_error

pytestmark = pytest.mark.django_db

PHONE = "+77017770001"
ApiAs = Callable[[Membership], APIClient]
Member = Callable[..., Membership]


@pytest.fixture
def stranger(other_shop: Shop) -> Membership:
    """An admin of another shop with a full profile and a linked Telegram."""
    user = UserFactory(phone=PHONE, name="Настоящее Имя", email="real@example.com", telegram_id=5005)
    return MembershipFactory(shop=other_shop, user=user, role=Role.ADMIN)


def invite(client: APIClient, role: str = "manager", name: str = "Как назвал магазин") -> Any:
    return client.post("/api/users/", {"phone": "8 701 777 00 01", "name": name, "role": role}, format="json")


def login(shop_id: int | None = None) -> Any:
    body: dict[str, Any] = {"username": PHONE, "password": PASSWORD}
    if shop_id is not None:
        body["shop_id"] = shop_id
    return APIClient().post("/api/auth/login", body, format="json")


def test_adding_an_existing_account_invites_and_reveals_nothing(
    api_as: ApiAs,
    admin_member: Membership,
    stranger: Membership,
    telegram_outbox: list[Any],
    django_capture_on_commit_callbacks: Any,
) -> None:
    client = api_as(admin_member)
    with django_capture_on_commit_callbacks(execute=True):
        response = invite(client)
    assert response.status_code == 201, response.json()
    body = response.json()
    assert body["status"] == "invited" and body["is_active"] is False
    assert (body["name"], body["email"], body["telegram_linked"]) == ("Как назвал магазин", "", False)
    assert "Настоящее" not in str(body) and "real@example.com" not in str(body)
    # The list and the detail show the same, and searching the real name finds nothing.
    listed = client.get("/api/users/", {"status": "invited"}).json()["items"]
    assert [(r["id"], r["name"], r["email"], r["status"]) for r in listed] == [
        (stranger.user_id, "Как назвал магазин", "", "invited")
    ]
    assert client.get(f"/api/users/{stranger.user_id}/").json()["name"] == "Как назвал магазин"
    assert client.get("/api/users/", {"search": "настоящее"}).json()["total"] == 0
    assert client.get("/api/users/", {"search": "назвал"}).json()["total"] == 1
    assert client.get("/api/users/", {"search": "7770001"}).json()["total"] == 1
    # The person's account is untouched, and no shop access was granted.
    user = User.objects.get(phone=PHONE)
    assert (user.name, user.email, user.is_staff) == ("Настоящее Имя", "real@example.com", False)
    membership = Membership.objects.get(shop=admin_member.shop, user=user)
    assert (membership.status, membership.is_active, membership.invited_by_id) == (
        MembershipStatus.INVITED,
        False,
        admin_member.user_id,
    )
    (message,) = telegram_outbox
    assert message.chat_id == 5005 and admin_member.shop.name in message.text
    buttons = [b.callback_data for row in message.reply_markup.inline_keyboard for b in row]
    assert buttons == [f"inv:accept:{membership.pk}", f"inv:decline:{membership.pk}"]


def test_an_invited_person_cannot_act_in_that_shop(
    api_as: ApiAs, admin_member: Membership, stranger: Membership, member: Member
) -> None:
    invite(api_as(admin_member), role="admin")
    invited = Membership.objects.get(shop=admin_member.shop, user=stranger.user)
    assert_error(login(admin_member.shop_id), 403, "no_membership")
    own = login().json()
    assert own["shop"]["id"] == stranger.shop_id
    mine = APIClient()
    mine.credentials(HTTP_AUTHORIZATION=f"Bearer {own['access_token']}")
    switch = mine.post("/api/auth/switch-shop", {"shop_id": admin_member.shop_id}, format="json")
    assert_error(switch, 403, "no_membership")
    # A token naming that shop (as if forged by a bug) is refused as an inactive membership.
    assert_error(api_as(invited).get("/api/shops/current/"), 401, "membership_inactive")
    # Not counted as an admin: the only real admin still cannot step down.
    response = api_as(admin_member).patch(f"/api/users/{admin_member.user_id}/", {"role": "manager"}, format="json")
    assert_error(response, 409, "conflict")
    # The shop cannot switch the invitation on by itself.
    response = api_as(admin_member).patch(f"/api/users/{stranger.user_id}/", {"is_active": True}, format="json")
    assert_error(response, 409, "conflict")
    invited.refresh_from_db()
    assert (invited.status, invited.is_active) == (MembershipStatus.INVITED, False)


def test_accept_through_the_api(api_as: ApiAs, admin_member: Membership, stranger: Membership) -> None:
    invite(api_as(admin_member), role="florist")
    invitation = Membership.objects.get(shop=admin_member.shop, user=stranger.user)
    me = api_as(stranger).get("/api/auth/me").json()
    assert me["invitations"] == [
        {
            "id": invitation.pk,
            "shop": {"id": admin_member.shop_id, "name": admin_member.shop.name},
            "role": "florist",
            "status": "invited",
            "invited_by": {"name": admin_member.user.name},
            "created_at": me["invitations"][0]["created_at"],
        }
    ]
    assert [s["id"] for s in me["shops"]] == [stranger.shop_id]

    response = api_as(stranger).post(f"/api/auth/invitations/{invitation.pk}/accept")
    assert response.status_code == 200, response.json()
    assert (response.json()["status"], response.json()["shop"]["id"]) == ("active", admin_member.shop_id)
    invitation.refresh_from_db()
    assert (invitation.status, invitation.is_active) == (MembershipStatus.ACTIVE, True)
    assert login(admin_member.shop_id).json()["role"] == "florist"
    # Now a colleague: the shop sees the person's own profile.
    row = api_as(admin_member).get(f"/api/users/{stranger.user_id}/").json()
    assert (row["name"], row["email"], row["status"], row["telegram_linked"]) == (
        "Настоящее Имя",
        "real@example.com",
        "active",
        True,
    )
    assert api_as(stranger).get("/api/auth/me").json()["invitations"] == []
    assert_error(api_as(stranger).post(f"/api/auth/invitations/{invitation.pk}/accept"), 404, "not_found")


def test_decline(api_as: ApiAs, admin_member: Membership, stranger: Membership) -> None:
    invite(api_as(admin_member))
    invitation = Membership.objects.get(shop=admin_member.shop, user=stranger.user)
    assert api_as(stranger).post(f"/api/auth/invitations/{invitation.pk}/decline/").status_code == 204
    assert not Membership.objects.filter(pk=invitation.pk).exists()
    assert_error(login(admin_member.shop_id), 403, "no_membership")
    # The shop may invite again.
    assert invite(api_as(admin_member)).json()["status"] == "invited"


def test_someone_elses_invitation_is_404(
    api_as: ApiAs, admin_member: Membership, stranger: Membership, member: Member
) -> None:
    invite(api_as(admin_member))
    invitation = Membership.objects.get(shop=admin_member.shop, user=stranger.user)
    bystander = member(Role.MANAGER)
    for action in ("accept", "decline"):
        assert_error(api_as(bystander).post(f"/api/auth/invitations/{invitation.pk}/{action}"), 404, "not_found")
        # An active membership is not an invitation either.
        assert_error(api_as(stranger).post(f"/api/auth/invitations/{stranger.pk}/{action}"), 404, "not_found")
    assert_error(api_as(stranger).post("/api/auth/invitations/999999999/accept"), 404, "not_found")
    invitation.refresh_from_db()
    assert invitation.status == MembershipStatus.INVITED
    assert_error(APIClient().post(f"/api/auth/invitations/{invitation.pk}/accept"), 401, "not_authenticated")


def test_the_shop_cancels_an_invitation(
    api_as: ApiAs, admin_member: Membership, stranger: Membership, member: Member
) -> None:
    invite(api_as(admin_member))
    invitation = Membership.objects.get(shop=admin_member.shop, user=stranger.user)
    manager = member(Role.MANAGER)
    assert_error(api_as(manager).delete(f"/api/users/{stranger.user_id}/"), 403, "permission_denied")
    assert api_as(admin_member).delete(f"/api/users/{stranger.user_id}/").status_code == 204
    assert not Membership.objects.filter(pk=invitation.pk).exists()
    assert_error(api_as(stranger).post(f"/api/auth/invitations/{invitation.pk}/accept"), 404, "not_found")
    # Members are deactivated, never deleted.
    assert_error(api_as(admin_member).delete(f"/api/users/{manager.user_id}/"), 405, "method_not_allowed")


@pytest.mark.parametrize(("role", "status"), [(Role.MANAGER, 403), (Role.FLORIST, 403), (Role.COURIER, 403)])
def test_only_admins_invite(api_as: ApiAs, member: Member, stranger: Membership, role: str, status: int) -> None:
    assert_error(invite(api_as(member(role))), status, "permission_denied")
    assert not Membership.objects.filter(user=stranger.user).exclude(pk=stranger.pk).exists()


def test_an_invited_member_is_not_eligible_nor_staff(admin_member: Membership, stranger: Membership) -> None:
    """Eligibility and the Django admin read active memberships only."""
    from apps.shops.selectors import managed_shop_ids

    result = services.staff_add(
        shop=admin_member.shop, phone=PHONE, name="X", role=Role.MANAGER, actor=admin_member.user
    )
    assert result.membership.status == MembershipStatus.INVITED
    assert managed_shop_ids(user=stranger.user) == [stranger.shop_id]
    assert not Membership.objects.active().filter(pk=result.membership.pk).exists()
    with pytest.raises(Exception, match="invited_not_active"):
        Membership.objects.filter(pk=result.membership.pk).update(is_active=True)


def test_a_new_phone_still_creates_an_active_member(
    api_as: ApiAs, admin_member: Membership, telegram_outbox: list[Any], django_capture_on_commit_callbacks: Any
) -> None:
    with django_capture_on_commit_callbacks(execute=True):
        body = invite(api_as(admin_member)).json()
    assert (body["status"], body["is_active"], body["existing_user"]) == ("active", True, False)
    assert not telegram_outbox
