"""``/api/users/``: the staff of the active shop."""

from __future__ import annotations

import threading
from collections.abc import Callable
from functools import partial
from typing import Any

import pytest
from rest_framework.test import APIClient

from apps.accounts.models import User
from apps.accounts.tests.factories import PASSWORD, UserFactory
from apps.shops import services
from apps.shops.models import Membership, Shop
from apps.shops.tests.factories import MembershipFactory
from flowercrm.roles import Role
from flowercrm.testing import assert_error, run_concurrently

pytestmark = pytest.mark.django_db

NEW_PHONE = "+77017770001"
STAFF_KEYS = {"id", "phone", "name", "email", "telegram_linked", "role", "status", "is_active", "created_at"}

ApiAs = Callable[[Membership], APIClient]
Member = Callable[..., Membership]


def _login(phone: str, password: str) -> Any:
    return APIClient().post("/api/auth/login", {"username": phone, "password": password}, format="json")


# --- role matrix ---------------------------------------------------------------------------

# (role, method, allowed) — "list"/"retrieve" read, "create"/"patch" write.
MATRIX = [
    (Role.ADMIN, "list", True),
    (Role.ADMIN, "retrieve", True),
    (Role.ADMIN, "create", True),
    (Role.ADMIN, "patch", True),
    (Role.MANAGER, "list", True),
    (Role.MANAGER, "retrieve", True),
    (Role.MANAGER, "create", False),
    (Role.MANAGER, "patch", False),
    (Role.FLORIST, "list", False),
    (Role.FLORIST, "retrieve", False),
    (Role.FLORIST, "create", False),
    (Role.FLORIST, "patch", False),
    (Role.COURIER, "list", False),
    (Role.COURIER, "retrieve", False),
    (Role.COURIER, "create", False),
    (Role.COURIER, "patch", False),
]


@pytest.mark.parametrize(("role", "action", "allowed"), MATRIX)
def test_role_matrix(api_as: ApiAs, member: Member, role: str, action: str, allowed: bool) -> None:
    me = member(role)
    target = member(Role.FLORIST)
    client = api_as(me)
    url = f"/api/users/{target.user_id}/"
    if action == "list":
        response = client.get("/api/users/")
    elif action == "retrieve":
        response = client.get(url)
    elif action == "create":
        response = client.post("/api/users/", {"phone": NEW_PHONE, "name": "Новый", "role": "courier"}, format="json")
    else:
        response = client.patch(url, {"role": "courier"}, format="json")
    if allowed:
        assert response.status_code in (200, 201), response.json()
    else:
        assert_error(response, 403, "permission_denied")
        target.refresh_from_db()
        assert target.role == Role.FLORIST
        assert not User.objects.filter(phone=NEW_PHONE).exists()


def test_anonymous_is_401(api: APIClient, admin_member: Membership) -> None:
    assert_error(api.get("/api/users/"), 401, "not_authenticated")
    assert_error(api.post("/api/users/", {}, format="json"), 401, "not_authenticated")


@pytest.mark.parametrize("method", ["put", "delete"])
def test_put_and_delete_are_not_allowed(api_as: ApiAs, admin_member: Membership, method: str) -> None:
    response = getattr(api_as(admin_member), method)(f"/api/users/{admin_member.user_id}/", {}, format="json")
    assert_error(response, 405, "method_not_allowed")
    assert Membership.objects.filter(pk=admin_member.pk, is_active=True).exists()


# --- list ----------------------------------------------------------------------------------


def test_list_shows_only_this_shop(api_as: ApiAs, admin_member: Membership, member: Member, other_shop: Shop) -> None:
    florist = member(Role.FLORIST)
    MembershipFactory(shop=other_shop, role=Role.ADMIN)
    # Someone in both shops appears once, with the role of this shop.
    both = MembershipFactory(shop=other_shop, role=Role.COURIER)
    MembershipFactory(user=both.user, shop=admin_member.shop, role=Role.MANAGER)
    body = api_as(admin_member).get("/api/users/").json()
    assert body["total"] == 3
    by_id = {row["id"]: row for row in body["items"]}
    assert set(by_id) == {admin_member.user_id, florist.user_id, both.user_id}
    assert by_id[both.user_id]["role"] == "manager"
    assert set(body["items"][0]) == STAFF_KEYS


def test_list_query_count_does_not_grow(
    api_as: ApiAs, admin_member: Membership, member: Member, django_assert_max_num_queries: Any
) -> None:
    client = api_as(admin_member)
    with django_assert_max_num_queries(4):
        assert client.get("/api/users/").json()["total"] == 1
    for _ in range(29):
        member(Role.FLORIST, user=UserFactory(telegram_id=None))
    with django_assert_max_num_queries(4):
        assert len(client.get("/api/users/").json()["items"]) == 30


@pytest.mark.parametrize("query", ["limit=0", "limit=501", "skip=-1", "limit=abc", "skip=x", "limit=1.5"])
def test_pagination_bounds(api_as: ApiAs, admin_member: Membership, query: str) -> None:
    assert_error(api_as(admin_member).get(f"/api/users/?{query}"), 400, "invalid")


def test_pagination(api_as: ApiAs, admin_member: Membership, member: Member) -> None:
    for _ in range(3):
        member(Role.FLORIST)
    client = api_as(admin_member)
    assert len(client.get("/api/users/?limit=500").json()["items"]) == 4
    page = client.get("/api/users/?skip=1&limit=2&ordering=created_at").json()
    assert page["total"] == 4
    assert len(page["items"]) == 2
    assert client.get("/api/users/?skip=10").json() == {"items": [], "total": 4}


def test_search_by_cyrillic_name_and_phone_digits(api_as: ApiAs, admin_member: Membership, member: Member) -> None:
    aigerim = member(Role.FLORIST, user=UserFactory(name="Айгерим Нурланова", phone="+77051234567"))
    member(Role.COURIER, user=UserFactory(name="Ерлан", phone="+77079998877"))
    client = api_as(admin_member)

    def found(query: str) -> list[int]:
        return [row["id"] for row in client.get("/api/users/", {"search": query}).json()["items"]]

    for query in ["айгерим", "АЙГЕРИМ", "нурлан", "7051234567", "8 705 123", "8705", "+7 (705) 123-45-67", "1234567"]:
        assert found(query) == [aigerim.user_id], query
    assert found("нет такого") == []
    assert_error(client.get("/api/users/", {"search": "x" * 101}), 400, "invalid")


def test_filters_and_ordering(api_as: ApiAs, admin_member: Membership, member: Member) -> None:
    member(Role.FLORIST, user=UserFactory(name="Б"))
    member(Role.COURIER, user=UserFactory(name="А"), is_active=False)
    client = api_as(admin_member)
    assert client.get("/api/users/?role=florist,courier").json()["total"] == 2
    assert client.get("/api/users/?is_active=false").json()["total"] == 1
    names = [row["name"] for row in client.get("/api/users/?ordering=-name").json()["items"]]
    assert names == sorted(names, reverse=True)
    assert client.get("/api/users/?is_active=1").json()["total"] == 2
    assert client.get("/api/users/?is_active=").json()["total"] == 3
    assert_error(client.get("/api/users/?is_active=abc"), 400, "invalid")
    assert_error(client.get("/api/users/?role=boss"), 400, "invalid")
    assert_error(client.get("/api/users/?ordering=password"), 400, "invalid")


# --- retrieve ------------------------------------------------------------------------------


def test_retrieve_by_user_id(api_as: ApiAs, admin_member: Membership, member: Member) -> None:
    florist = member(Role.FLORIST)
    body = api_as(admin_member).get(f"/api/users/{florist.user_id}").json()
    assert body["id"] == florist.user_id
    assert body["role"] == "florist"


def test_another_shops_member_is_404(api_as: ApiAs, admin_member: Membership, other_shop: Shop) -> None:
    stranger = MembershipFactory(shop=other_shop, role=Role.FLORIST)
    client = api_as(admin_member)
    assert_error(client.get(f"/api/users/{stranger.user_id}/"), 404, "not_found")
    assert_error(client.patch(f"/api/users/{stranger.user_id}/", {"role": "courier"}, format="json"), 404, "not_found")
    assert_error(client.patch(f"/api/users/{stranger.user_id}/", {"is_active": False}, format="json"), 404, "not_found")
    stranger.refresh_from_db()
    assert (stranger.role, stranger.is_active) == (Role.FLORIST, True)
    assert_error(client.get("/api/users/999999/"), 404, "not_found")
    assert_error(client.get("/api/users/" + "9" * 19 + "/"), 404, "not_found")


# --- create --------------------------------------------------------------------------------


def test_create_new_staff(api_as: ApiAs, admin_member: Membership) -> None:
    payload = {"phone": "8 701 777 00 01", "name": "  Дана  ", "role": "florist", "password": "new-staff-pass-1"}
    response = api_as(admin_member).post("/api/users/", payload, format="json")
    assert response.status_code == 201, response.json()
    body = response.json()
    assert set(body) == STAFF_KEYS | {"existing_user"}
    assert body["existing_user"] is False
    assert (body["phone"], body["name"], body["role"], body["is_active"]) == (NEW_PHONE, "Дана", "florist", True)
    login = _login(NEW_PHONE, "new-staff-pass-1").json()
    assert (login["shop"]["id"], login["role"]) == (admin_member.shop_id, "florist")
    assert not User.objects.get(phone=NEW_PHONE).is_staff


def test_create_without_password_gives_an_unusable_one(api_as: ApiAs, admin_member: Membership) -> None:
    payload = {"phone": NEW_PHONE, "name": "Дана", "role": "courier"}
    assert api_as(admin_member).post("/api/users/", payload, format="json").status_code == 201
    assert not User.objects.get(phone=NEW_PHONE).has_usable_password()


def test_create_manager_gets_admin_site_access(api_as: ApiAs, admin_member: Membership) -> None:
    payload = {"phone": NEW_PHONE, "name": "Марат", "role": "manager", "password": "new-staff-pass-1"}
    assert api_as(admin_member).post("/api/users/", payload, format="json").status_code == 201
    assert User.objects.get(phone=NEW_PHONE).is_staff


def test_create_with_an_existing_users_phone_adds_only_a_membership(
    api_as: ApiAs, admin_member: Membership, other_shop: Shop
) -> None:
    existing = MembershipFactory(shop=other_shop, user=UserFactory(phone=NEW_PHONE, name="Дана"), role=Role.ADMIN)
    payload = {"phone": "+7 (701) 777-00-01", "name": "Чужое имя", "role": "courier", "password": "hijack-pass-99"}
    response = api_as(admin_member).post("/api/users/", payload, format="json")
    assert response.status_code == 201, response.json()
    body = response.json()
    # Issue 11: an existing account is only invited, and its profile stays hidden.
    assert body["existing_user"] is True
    assert (body["id"], body["name"], body["role"], body["status"]) == (
        existing.user_id,
        "Чужое имя",
        "courier",
        "invited",
    )
    user = User.objects.get(phone=NEW_PHONE)
    assert user.name == "Дана"
    assert user.check_password(PASSWORD)
    assert not user.check_password("hijack-pass-99")
    assert User.objects.filter(phone=NEW_PHONE).count() == 1


def test_adding_the_same_person_twice_is_409(api_as: ApiAs, admin_member: Membership) -> None:
    client = api_as(admin_member)
    payload = {"phone": NEW_PHONE, "name": "Дана", "role": "florist"}
    assert client.post("/api/users/", payload, format="json").status_code == 201
    assert_error(client.post("/api/users/", {**payload, "phone": "87017770001"}, format="json"), 409, "conflict")
    assert Membership.objects.filter(user__phone=NEW_PHONE).count() == 1
    # Also when the first membership is switched off.
    Membership.objects.filter(user__phone=NEW_PHONE).update(is_active=False)
    assert_error(client.post("/api/users/", payload, format="json"), 409, "conflict")


@pytest.mark.parametrize(
    ("payload", "field"),
    [
        ({"phone": "12345", "name": "Дана", "role": "florist"}, "phone"),
        ({"phone": "abc", "name": "Дана", "role": "florist"}, "phone"),
        ({"phone": "", "name": "Дана", "role": "florist"}, "phone"),
        ({"phone": NEW_PHONE, "name": "Дана", "role": "boss"}, "role"),
        ({"phone": NEW_PHONE, "name": "Дана", "role": ""}, "role"),
        ({"name": "Дана", "role": "florist"}, "phone"),
        ({"phone": NEW_PHONE, "name": "Дана"}, "role"),
        ({"phone": NEW_PHONE, "role": "florist"}, "name"),
        ({"phone": NEW_PHONE, "name": "", "role": "florist"}, "name"),
        ({"phone": NEW_PHONE, "name": "   ", "role": "florist"}, "name"),
        ({"phone": NEW_PHONE, "name": "x" * 151, "role": "florist"}, "name"),
        ({"phone": NEW_PHONE, "name": "Дана", "role": "florist", "password": "12345678"}, "password"),
        ({"phone": NEW_PHONE, "name": "Дана", "role": "florist", "password": "x" * 129}, "password"),
        ({"phone": NEW_PHONE, "name": "Дана", "role": "florist", "password": "short"}, "password"),
        ({"phone": [NEW_PHONE], "name": "Дана", "role": "florist"}, "phone"),
    ],
)
def test_create_bad_input_writes_nothing(
    api_as: ApiAs, admin_member: Membership, payload: dict[str, Any], field: str
) -> None:
    users, memberships = User.objects.count(), Membership.objects.count()
    body = assert_error(api_as(admin_member).post("/api/users/", payload, format="json"), 400, "invalid")
    assert field in body["errors"], body
    assert (User.objects.count(), Membership.objects.count()) == (users, memberships)


# --- update --------------------------------------------------------------------------------


def test_patch_role_and_is_active(api_as: ApiAs, admin_member: Membership, member: Member) -> None:
    florist = member(Role.FLORIST)
    client = api_as(admin_member)
    url = f"/api/users/{florist.user_id}/"
    body = client.patch(url, {"role": "manager"}, format="json").json()
    assert body["role"] == "manager"
    assert User.objects.get(pk=florist.user_id).is_staff
    body = client.patch(url, {"is_active": False}, format="json").json()
    assert body["is_active"] is False
    florist.refresh_from_db()
    assert (florist.role, florist.is_active) == (Role.MANAGER, False)
    assert not User.objects.get(pk=florist.user_id).is_staff
    assert_error(_login(florist.user.phone, PASSWORD), 403, "no_membership")
    assert client.patch(url, {"is_active": True}, format="json").json()["is_active"] is True
    assert _login(florist.user.phone, PASSWORD).status_code == 200


@pytest.mark.parametrize("fmt", ["multipart", "form"])
def test_a_form_encoded_patch_is_415_and_deactivates_nobody(
    api_as: ApiAs, admin_member: Membership, member: Member, fmt: str
) -> None:
    # Found by fuzzing: an HTML form reads a boolean it does not carry as false, so a
    # form-encoded PATCH of the name alone deactivated the member. The API takes JSON only.
    courier = member(Role.COURIER)
    client = api_as(admin_member)
    url = f"/api/users/{courier.user_id}/"
    if fmt == "multipart":
        response = client.patch(url, {"role": "courier"}, format="multipart")
    else:
        response = client.patch(url, "role=courier", content_type="application/x-www-form-urlencoded")
    assert_error(response, 415, "unsupported_media")
    courier.refresh_from_db()
    assert courier.is_active


def test_deactivation_locks_the_person_out_at_once(api_as: ApiAs, admin_member: Membership, member: Member) -> None:
    florist = member(Role.FLORIST)
    florist_client = api_as(florist)
    assert florist_client.get("/api/auth/me").status_code == 200
    api_as(admin_member).patch(f"/api/users/{florist.user_id}/", {"is_active": False}, format="json")
    assert_error(florist_client.get("/api/auth/me"), 401, "membership_inactive")


def test_last_active_admin_cannot_be_demoted_or_deactivated(api_as: ApiAs, admin_member: Membership) -> None:
    client = api_as(admin_member)
    url = f"/api/users/{admin_member.user_id}/"
    for payload in ({"role": "manager"}, {"is_active": False}, {"role": "florist", "is_active": False}):
        assert_error(client.patch(url, payload, format="json"), 409, "conflict")
    admin_member.refresh_from_db()
    assert (admin_member.role, admin_member.is_active) == (Role.ADMIN, True)
    # A no-op change is fine.
    assert client.patch(url, {"role": "admin", "is_active": True}, format="json").status_code == 200


def test_an_inactive_admin_does_not_count(api_as: ApiAs, admin_member: Membership, member: Member) -> None:
    member(Role.ADMIN, is_active=False)
    response = api_as(admin_member).patch(f"/api/users/{admin_member.user_id}/", {"role": "manager"}, format="json")
    assert_error(response, 409, "conflict")


def test_an_admin_may_step_down_when_another_admin_remains(
    api_as: ApiAs, admin_member: Membership, member: Member
) -> None:
    other = member(Role.ADMIN)
    client = api_as(admin_member)
    response = client.patch(f"/api/users/{admin_member.user_id}/", {"role": "manager"}, format="json")
    assert response.status_code == 200
    # The role is read from the membership: the former admin is now read-only.
    assert_error(
        client.patch(f"/api/users/{other.user_id}/", {"role": "manager"}, format="json"), 403, "permission_denied"
    )


def test_name_is_changed_only_by_its_owner(api_as: ApiAs, admin_member: Membership, member: Member) -> None:
    florist = member(Role.FLORIST, user=UserFactory(name="Дана"))
    client = api_as(admin_member)
    body = assert_error(
        client.patch(f"/api/users/{florist.user_id}/", {"name": "Другая"}, format="json"), 400, "invalid"
    )
    assert "name" in body["errors"]
    assert User.objects.get(pk=florist.user_id).name == "Дана"
    response = client.patch(f"/api/users/{admin_member.user_id}/", {"name": "  Новое имя "}, format="json")
    assert response.status_code == 200
    assert response.json()["name"] == "Новое имя"
    assert User.objects.get(pk=admin_member.user_id).name == "Новое имя"


def test_a_refused_patch_writes_nothing(api_as: ApiAs, admin_member: Membership) -> None:
    """Own name plus a forbidden demotion: the whole request is refused."""
    name = admin_member.user.name
    response = api_as(admin_member).patch(
        f"/api/users/{admin_member.user_id}/", {"name": "Новое имя", "role": "manager"}, format="json"
    )
    assert_error(response, 409, "conflict")
    assert User.objects.get(pk=admin_member.user_id).name == name


def test_a_refused_name_change_writes_no_role(api_as: ApiAs, admin_member: Membership, member: Member) -> None:
    florist = member(Role.FLORIST)
    response = api_as(admin_member).patch(
        f"/api/users/{florist.user_id}/", {"name": "Другая", "role": "courier"}, format="json"
    )
    assert_error(response, 400, "invalid")
    florist.refresh_from_db()
    assert florist.role == Role.FLORIST


@pytest.mark.parametrize(
    ("payload", "field"),
    [
        ({"role": "boss"}, "role"),
        ({"role": None}, "role"),
        ({"is_active": "maybe"}, "is_active"),
        ({"is_active": None}, "is_active"),
        ({"name": ""}, "name"),
        ({"name": "x" * 151}, "name"),
    ],
)
def test_patch_bad_input(
    api_as: ApiAs, admin_member: Membership, member: Member, payload: dict[str, Any], field: str
) -> None:
    florist = member(Role.FLORIST)
    body = assert_error(
        api_as(admin_member).patch(f"/api/users/{florist.user_id}/", payload, format="json"), 400, "invalid"
    )
    assert field in body["errors"]
    florist.refresh_from_db()
    assert (florist.role, florist.is_active) == (Role.FLORIST, True)


# --- concurrency (PostgreSQL) --------------------------------------------------------------


@pytest.mark.django_db(transaction=True)
def test_two_admins_demoting_each_other_concurrently(requires_postgres: None, monkeypatch: pytest.MonkeyPatch) -> None:
    """Each demotion alone is allowed; at once, exactly one passes."""
    first = MembershipFactory(role=Role.ADMIN)
    second = MembershipFactory(role=Role.ADMIN, shop=first.shop)
    # Let both read the admins before either writes (without a lock both would pass).
    barrier = threading.Barrier(2, timeout=1)
    real_lock = services._lock_active_admins

    def lock_then_wait(*, shop_id: int) -> list[Membership]:
        admins = real_lock(shop_id=shop_id)
        try:
            barrier.wait()
        except threading.BrokenBarrierError:
            pass
        return admins

    monkeypatch.setattr(services, "_lock_active_admins", lock_then_wait)

    def demote(membership: Membership) -> str:
        try:
            services.staff_update(membership=membership, actor=membership.user, role=Role.MANAGER)
        except Exception as exc:  # noqa: BLE001 - reported by the test
            return type(exc).__name__
        return "ok"

    results = run_concurrently([partial(demote, first), partial(demote, second)])
    assert sorted(results) == ["Conflict", "ok"]
    assert Membership.objects.filter(shop=first.shop, role=Role.ADMIN, is_active=True).count() == 1
