"""``/api/auth/*``: login, throttling, refresh rotation, logout, token validation, /me, switch-shop."""

from __future__ import annotations

import datetime as dt
import threading
from collections.abc import Callable
from typing import Any

import jwt
import pytest
from django.conf import settings
from django.utils import timezone
from rest_framework.test import APIClient
from rest_framework_simplejwt.tokens import AccessToken, RefreshToken

from apps.accounts.tests.factories import PASSWORD, UserFactory
from apps.shops import sessions
from apps.shops.models import Membership, Shop
from apps.shops.tests.factories import MembershipFactory, ShopFactory
from flowercrm.roles import Role
from flowercrm.testing import assert_error, run_concurrently

pytestmark = pytest.mark.django_db

PHONE = "+77011234567"
TOKEN_KEYS = {"access_token", "refresh_token", "token_type", "expires_in", "user", "shop", "role"}


@pytest.fixture
def person(shop: Shop) -> Membership:
    user = UserFactory(phone=PHONE, name="Айгерим", email="Aigerim@example.kz")
    return MembershipFactory(user=user, shop=shop, role=Role.FLORIST)


def login(api: APIClient, username: Any = PHONE, password: str = PASSWORD, key: str = "username", **extra: Any) -> Any:
    return api.post("/api/auth/login", {key: username, "password": password, **extra}, format="json")


def bearer(token: str) -> APIClient:
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Bearer {token}")
    return client


def refresh(api: APIClient, token: str) -> Any:
    return api.post("/api/auth/refresh", {"refresh_token": token}, format="json")


# --- login ---------------------------------------------------------------------------------


@pytest.mark.parametrize("key", ["username", "phone"])
@pytest.mark.parametrize(
    "username", ["8 701 123 45 67", "+7 (701) 123-45-67", "77011234567", "87011234567", PHONE, " +77011234567 "]
)
def test_login_with_every_phone_format(api: APIClient, person: Membership, username: str, key: str) -> None:
    response = login(api, username, key=key)
    assert response.status_code == 200, response.json()
    assert response.json()["user"]["id"] == person.user_id


@pytest.mark.parametrize("email", ["aigerim@example.kz", "AIGERIM@example.KZ"])
def test_login_by_email_is_case_insensitive(api: APIClient, person: Membership, email: str) -> None:
    assert login(api, email).status_code == 200


def test_login_response_shape(api: APIClient, person: Membership, shop: Shop) -> None:
    body = login(api).json()
    assert set(body) == TOKEN_KEYS
    assert body["token_type"] == "bearer"
    assert body["expires_in"] == settings.ACCESS_TOKEN_EXPIRE_MINUTES * 60
    assert body["shop"] == {"id": shop.id, "name": shop.name}
    assert body["role"] == "florist"
    assert body["user"] == {
        "id": person.user_id,
        "phone": PHONE,
        "name": "Айгерим",
        "email": "Aigerim@example.kz",
        "telegram_linked": False,
    }
    access = AccessToken(body["access_token"])
    assert int(access["shop_id"]) == shop.id
    assert RefreshToken(body["refresh_token"])["shop_id"] == shop.id
    assert bearer(body["access_token"]).get("/api/auth/me").status_code == 200


def test_wrong_password_and_unknown_user_answer_the_same(api: APIClient, person: Membership) -> None:
    wrong = login(api, password="wrong-password-1")
    unknown = login(api, "+77017654321")
    unknown_email = login(api, "nobody@example.kz")
    for response in (wrong, unknown, unknown_email):
        assert_error(response, 401, "not_authenticated")
        assert response.headers["WWW-Authenticate"].startswith("Bearer")
    assert wrong.json() == unknown.json() == unknown_email.json()


def test_inactive_user_cannot_log_in(api: APIClient, person: Membership) -> None:
    person.user.is_active = False
    person.user.save()
    assert login(api).json() == login(api, "+77017654321").json()
    assert login(api).status_code == 401


def test_not_a_phone_nor_email_is_401(api: APIClient, person: Membership) -> None:
    assert_error(login(api, "aigerim"), 401, "not_authenticated")


@pytest.mark.parametrize(
    ("payload", "field"),
    [
        ({"username": PHONE, "password": "x" * 129}, "password"),
        ({"username": PHONE}, "password"),
        ({"password": PHONE}, "username"),
        ({"username": "", "phone": "  ", "password": PASSWORD}, "username"),
        ({"username": "x" * 255, "password": PASSWORD}, "username"),
        ({"username": PHONE, "password": PASSWORD, "shop_id": 0}, "shop_id"),
        ({"username": PHONE, "password": PASSWORD, "shop_id": 2**63}, "shop_id"),
        ({"username": PHONE, "password": PASSWORD, "shop_id": "abc"}, "shop_id"),
    ],
)
def test_login_bad_input_is_400(api: APIClient, person: Membership, payload: dict[str, Any], field: str) -> None:
    body = assert_error(api.post("/api/auth/login", payload, format="json"), 400, "invalid")
    assert field in body["errors"]


def test_password_of_exactly_128_characters_is_checked_not_refused(api: APIClient, person: Membership) -> None:
    assert_error(login(api, password="x" * 128), 401, "not_authenticated")


def test_login_opens_the_most_recently_used_shop(api: APIClient, person: Membership, other_shop: Shop) -> None:
    MembershipFactory(user=person.user, shop=other_shop, role=Role.ADMIN)
    Membership.objects.filter(user=person.user, shop=other_shop).update(last_used_at=timezone.now())
    Membership.objects.filter(pk=person.pk).update(last_used_at=timezone.now() - dt.timedelta(days=1))
    body = login(api).json()
    assert (body["shop"]["id"], body["role"]) == (other_shop.id, "admin")

    assert login(api, shop_id=person.shop_id).json()["shop"]["id"] == person.shop_id
    # The shop just opened is now the most recent one.
    assert login(api).json()["shop"]["id"] == person.shop_id


def test_login_prefers_a_used_shop_over_a_never_used_one(api: APIClient, person: Membership, other_shop: Shop) -> None:
    MembershipFactory(user=person.user, shop=other_shop)
    Membership.objects.filter(user=person.user, shop=other_shop).update(last_used_at=timezone.now())
    Membership.objects.filter(pk=person.pk).update(last_used_at=None)
    assert login(api).json()["shop"]["id"] == other_shop.id


def test_login_with_shop_id_of_a_shop_not_mine_is_403(api: APIClient, person: Membership, other_shop: Shop) -> None:
    assert_error(login(api, shop_id=other_shop.id), 403, "no_membership")
    assert_error(login(api, shop_id=999_999), 403, "no_membership")


def test_login_without_active_membership_is_403(api: APIClient, person: Membership) -> None:
    Membership.objects.filter(pk=person.pk).update(is_active=False)
    assert_error(login(api), 403, "no_membership")
    Membership.objects.filter(pk=person.pk).delete()
    assert_error(login(api), 403, "no_membership")


def test_login_with_shop_id_of_an_inactive_membership_is_403(
    api: APIClient, person: Membership, other_shop: Shop
) -> None:
    MembershipFactory(user=person.user, shop=other_shop, is_active=False)
    assert_error(login(api, shop_id=other_shop.id), 403, "no_membership")
    assert login(api).json()["shop"]["id"] == person.shop_id


# --- throttling ----------------------------------------------------------------------------


def test_login_throttled_per_username_across_formats(api: APIClient, person: Membership) -> None:
    formats = ["8 701 123 45 67", "+7 (701) 123-45-67", "77011234567", PHONE, "87011234567"]
    for username in formats:
        assert login(api, username, password="wrong-password-1").status_code == 401
    response = login(api)  # even the right password: the account is locked for a minute
    assert_error(response, 429, "throttled")
    assert 1 <= int(response.headers["Retry-After"]) <= 60
    # Another account from the same address is not affected.
    assert login(api, "+77017654321").status_code == 401


def test_login_throttle_per_username_also_counts_the_phone_key(api: APIClient, person: Membership) -> None:
    for i in range(5):
        key = "phone" if i % 2 else "username"
        login(api, password="wrong-password-1", key=key, REMOTE_ADDR=f"10.0.0.{i}")
    assert_error(login(api, key="phone"), 429, "throttled")


def test_login_throttle_per_username_counts_from_many_addresses(person: Membership) -> None:
    for i in range(5):
        APIClient(REMOTE_ADDR=f"10.0.1.{i}").post(
            "/api/auth/login", {"username": PHONE, "password": "wrong-password-1"}, format="json"
        )
    response = APIClient(REMOTE_ADDR="10.0.1.99").post(
        "/api/auth/login", {"username": PHONE, "password": PASSWORD}, format="json"
    )
    assert_error(response, 429, "throttled")


@pytest.mark.parametrize("key", ["username", "phone"])
def test_login_throttle_per_username_cannot_be_dodged_with_a_json_number(
    api: APIClient, person: Membership, key: str
) -> None:
    # The serializer accepts a number as text, so the throttle must count it too.
    for i in range(5):
        response = APIClient(REMOTE_ADDR=f"10.0.2.{i}").post(
            "/api/auth/login", {key: 77011234567, "password": "wrong-password-1"}, format="json"
        )
        assert response.status_code == 401, response.json()
    assert_error(login(api), 429, "throttled")


def test_behind_one_proxy_the_throttle_keys_on_the_address_the_proxy_appended(
    api: APIClient, person: Membership, settings: Any
) -> None:
    """``TRUSTED_PROXY_COUNT=1`` (nginx in front, as in docker-compose): every request comes
    from the proxy's address; the client is the last ``X-Forwarded-For`` entry, and whatever
    a client puts before it does not change who it is."""
    settings.REST_FRAMEWORK = {**settings.REST_FRAMEWORK, "NUM_PROXIES": 1}

    def via_nginx(username: str, forwarded_for: str) -> Any:
        body = {"username": username, "password": PASSWORD}
        return api.post(
            "/api/auth/login", body, format="json", REMOTE_ADDR="172.18.0.5", HTTP_X_FORWARDED_FOR=forwarded_for
        )

    for i in range(30):
        assert via_nginx(f"+7701765{i:04d}", f"198.51.100.{i}, 203.0.113.7").status_code == 401
    assert_error(via_nginx(PHONE, "203.0.113.7"), 429, "throttled")
    # Another client behind the same proxy is not held up.
    assert via_nginx(PHONE, "203.0.113.8").status_code == 200


def test_login_throttled_per_address(api: APIClient, person: Membership) -> None:
    for i in range(30):
        response = login(api, f"+7701765{i:04d}", HTTP_X_FORWARDED_FOR=f"192.0.2.{i}")
        assert response.status_code == 401
    response = login(api)
    assert_error(response, 429, "throttled")
    assert int(response.headers["Retry-After"]) >= 1
    assert (
        APIClient(REMOTE_ADDR="10.9.9.9")
        .post("/api/auth/login", {"username": PHONE, "password": PASSWORD}, format="json")
        .status_code
        == 200
    )


def test_email_with_spaces_does_not_break_the_throttle_key(api: APIClient, person: Membership) -> None:
    for _ in range(5):
        assert login(api, "some body@example.kz " + "x" * 240).status_code in (400, 401)
    assert login(api, "a b@c.d").status_code == 401


# --- refresh, logout -----------------------------------------------------------------------


@pytest.fixture
def pair(api: APIClient, person: Membership) -> dict[str, Any]:
    body: dict[str, Any] = login(api).json()
    return body


def test_refresh_rotates_and_the_used_token_dies(api: APIClient, pair: dict[str, Any], shop: Shop) -> None:
    response = refresh(api, pair["refresh_token"])
    assert response.status_code == 200
    new = response.json()
    assert set(new) == TOKEN_KEYS
    assert new["refresh_token"] != pair["refresh_token"]
    assert new["shop"]["id"] == shop.id
    assert bearer(new["access_token"]).get("/api/auth/me").status_code == 200
    # Reusing the used one is refused; the new one works.
    assert_error(refresh(api, pair["refresh_token"]), 401, "token_invalid")
    assert refresh(api, new["refresh_token"]).status_code == 200


def test_refresh_keeps_the_session_start(api: APIClient, pair: dict[str, Any]) -> None:
    auth_time = RefreshToken(pair["refresh_token"])["auth_time"]
    new = refresh(api, pair["refresh_token"]).json()
    assert RefreshToken(new["refresh_token"])["auth_time"] == auth_time


def test_logout_kills_the_refresh_token(api: APIClient, pair: dict[str, Any]) -> None:
    response = api.post("/api/auth/logout", {"refresh_token": pair["refresh_token"]}, format="json")
    assert response.status_code == 204
    assert_error(refresh(api, pair["refresh_token"]), 401, "token_invalid")
    # Its access token lives until it expires.
    assert bearer(pair["access_token"]).get("/api/auth/me").status_code == 200


@pytest.mark.parametrize("path", ["/api/auth/refresh", "/api/auth/logout"])
def test_refresh_and_logout_bad_input(api: APIClient, pair: dict[str, Any], path: str) -> None:
    assert_error(api.post(path, {}, format="json"), 400, "invalid")
    assert_error(api.post(path, {"refresh_token": "x" * 5000}, format="json"), 400, "invalid")
    assert_error(api.post(path, {"refresh_token": "garbage"}, format="json"), 401, "token_invalid")
    # An access token is not a refresh token.
    assert_error(api.post(path, {"refresh_token": pair["access_token"]}, format="json"), 401, "token_invalid")


def test_refresh_after_membership_deactivated_is_401(api: APIClient, pair: dict[str, Any], person: Membership) -> None:
    Membership.objects.filter(pk=person.pk).update(is_active=False)
    assert_error(refresh(api, pair["refresh_token"]), 401, "membership_inactive")


def test_refresh_of_a_deleted_or_inactive_user_is_401(api: APIClient, pair: dict[str, Any], person: Membership) -> None:
    person.user.is_active = False
    person.user.save()
    assert_error(refresh(api, pair["refresh_token"]), 401, "token_invalid")
    # A user who no longer exists (SimpleJWT's own refresh view answers that with a 500).
    token = RefreshToken.for_user(UserFactory())
    token["user_id"] = "999999"
    token["shop_id"] = person.shop_id
    token["auth_time"] = int(timezone.now().timestamp())
    assert_error(refresh(api, str(token)), 401, "token_invalid")


def _refresh_token_for(membership: Membership, *, auth_time: dt.datetime) -> str:
    token = RefreshToken.for_user(membership.user)
    token["shop_id"] = membership.shop_id
    token["auth_time"] = int(auth_time.timestamp())
    return str(token)


def test_a_session_never_outlives_30_days(api: APIClient, person: Membership) -> None:
    old = _refresh_token_for(person, auth_time=timezone.now() - dt.timedelta(days=30, seconds=1))
    assert_error(refresh(api, old), 401, "token_invalid")
    # Ten minutes of the session left: less than an access token's lifetime.
    started = timezone.now() - settings.SESSION_MAX_AGE + dt.timedelta(minutes=10)
    body = refresh(api, _refresh_token_for(person, auth_time=started)).json()
    session_end = started + settings.SESSION_MAX_AGE
    # Neither the new refresh nor the new access token outlives the session.
    assert RefreshToken(body["refresh_token"])["exp"] <= int(session_end.timestamp()) + 1
    assert AccessToken(body["access_token"])["exp"] <= int(session_end.timestamp()) + 1
    assert 0 < body["expires_in"] <= 600


def test_a_refresh_token_without_session_start_is_401(api: APIClient, person: Membership) -> None:
    token = RefreshToken.for_user(person.user)
    token["shop_id"] = person.shop_id
    assert_error(refresh(api, str(token)), 401, "token_invalid")


# --- access token validation ---------------------------------------------------------------


def _access_claims(membership: Membership) -> dict[str, Any]:
    now = int(timezone.now().timestamp())
    return {
        "token_type": "access",
        "exp": now + 600,
        "iat": now,
        "jti": "a" * 32,
        "user_id": str(membership.user_id),
        "shop_id": membership.shop_id,
    }


def test_the_claims_helper_builds_a_valid_token(person: Membership) -> None:
    token = jwt.encode(_access_claims(person), settings.SECRET_KEY, algorithm=settings.ALGORITHM)
    assert bearer(token).get("/api/auth/me").status_code == 200


def test_expired_access_token_is_401(person: Membership) -> None:
    token = AccessToken()
    token["user_id"] = str(person.user_id)
    token["shop_id"] = person.shop_id
    token.set_exp(from_time=timezone.now() - dt.timedelta(hours=1), lifetime=dt.timedelta(minutes=30))
    assert_error(bearer(str(token)).get("/api/auth/me"), 401, "token_invalid")


def test_token_signed_with_another_key_is_401(person: Membership) -> None:
    token = jwt.encode(_access_claims(person), "another-key-" + "z" * 64, algorithm="HS256")
    assert_error(bearer(token).get("/api/auth/me"), 401, "token_invalid")


def test_alg_none_token_is_401(person: Membership) -> None:
    token = jwt.encode(_access_claims(person), None, algorithm="none")
    assert_error(bearer(token).get("/api/auth/me"), 401, "token_invalid")
    assert_error(bearer(token + "sig").get("/api/auth/me"), 401, "token_invalid")


def test_refresh_token_used_as_access_is_401(pair: dict[str, Any]) -> None:
    assert_error(bearer(pair["refresh_token"]).get("/api/auth/me"), 401, "token_invalid")


@pytest.mark.parametrize(
    "change",
    [
        {"shop_id": None},
        {"shop_id": "abc"},
        {"shop_id": True},
        {"user_id": None},
        {"user_id": "9" * 30},
        {"user_id": "-1"},
        {"token_type": "refresh"},
        {"jti": None},
    ],
)
def test_tampered_claims_are_401(person: Membership, change: dict[str, Any]) -> None:
    claims = {k: v for k, v in {**_access_claims(person), **change}.items() if v is not None}
    token = jwt.encode(claims, settings.SECRET_KEY, algorithm=settings.ALGORITHM)
    assert_error(bearer(token).get("/api/auth/me"), 401, "token_invalid")


def test_token_for_a_shop_the_user_is_not_in_is_401(person: Membership, other_shop: Shop) -> None:
    claims = {**_access_claims(person), "shop_id": other_shop.id}
    token = jwt.encode(claims, settings.SECRET_KEY, algorithm=settings.ALGORITHM)
    assert_error(bearer(token).get("/api/auth/me"), 401, "membership_inactive")


def test_deactivated_membership_locks_out_at_once(pair: dict[str, Any], person: Membership) -> None:
    client = bearer(pair["access_token"])
    assert client.get("/api/auth/me").status_code == 200
    Membership.objects.filter(pk=person.pk).update(is_active=False)
    assert_error(client.get("/api/auth/me"), 401, "membership_inactive")
    assert_error(client.get("/api/shops/current/"), 401, "membership_inactive")


def test_demotion_takes_effect_at_once(
    api_as: Callable[[Membership], APIClient], member: Callable[..., Membership]
) -> None:
    member(Role.ADMIN)  # another admin, so the demotion is allowed
    admin = member(Role.ADMIN)
    client = api_as(admin)
    payload = {"phone": "+77017770001", "name": "Новый", "role": "florist"}
    assert client.post("/api/users/", payload, format="json").status_code == 201
    Membership.objects.filter(pk=admin.pk).update(role=Role.MANAGER)
    payload["phone"] = "+77017770002"
    assert_error(client.post("/api/users/", payload, format="json"), 403, "permission_denied")
    assert client.get("/api/users/").status_code == 200


# --- /me, switch-shop ----------------------------------------------------------------------


def test_me(pair: dict[str, Any], person: Membership, shop: Shop, other_shop: Shop) -> None:
    MembershipFactory(user=person.user, shop=other_shop, role=Role.ADMIN)
    MembershipFactory(user=person.user, shop=ShopFactory(name="Закрытый"), is_active=False)
    body = bearer(pair["access_token"]).get("/api/auth/me").json()
    assert body["user"]["id"] == person.user_id
    assert body["user"]["phone"] == PHONE
    assert body["shop"] == {"id": shop.id, "name": shop.name, "currency": "KZT", "time_zone": "Asia/Almaty"}
    assert body["role"] == "florist"
    assert sorted(body["shops"], key=lambda s: s["id"]) == sorted(
        [
            {"id": shop.id, "name": shop.name, "role": "florist"},
            {"id": other_shop.id, "name": other_shop.name, "role": "admin"},
        ],
        key=lambda s: s["id"],
    )


def test_me_shows_the_current_role_not_the_token_one(pair: dict[str, Any], person: Membership) -> None:
    Membership.objects.filter(pk=person.pk).update(role=Role.COURIER)
    assert bearer(pair["access_token"]).get("/api/auth/me").json()["role"] == "courier"


def test_switch_shop(pair: dict[str, Any], person: Membership, other_shop: Shop) -> None:
    MembershipFactory(user=person.user, shop=other_shop, role=Role.MANAGER)
    response = bearer(pair["access_token"]).post("/api/auth/switch-shop", {"shop_id": other_shop.id}, format="json")
    assert response.status_code == 200
    body = response.json()
    assert set(body) == TOKEN_KEYS
    assert (body["shop"]["id"], body["role"]) == (other_shop.id, "manager")
    assert int(AccessToken(body["access_token"])["shop_id"]) == other_shop.id
    assert RefreshToken(body["refresh_token"])["shop_id"] == other_shop.id
    # The session start carries over (the old refresh token is dead now: read it from the access).
    assert RefreshToken(body["refresh_token"])["auth_time"] == AccessToken(pair["access_token"])["auth_time"]
    me = bearer(body["access_token"]).get("/api/auth/me").json()
    assert (me["shop"]["id"], me["role"]) == (other_shop.id, "manager")
    assert refresh(APIClient(), body["refresh_token"]).json()["shop"]["id"] == other_shop.id
    # The next login without shop_id opens the shop switched to.
    assert login(APIClient()).json()["shop"]["id"] == other_shop.id


def test_switch_shop_rotates_the_session_and_cannot_revive_a_logged_out_one(
    pair: dict[str, Any], person: Membership, other_shop: Shop
) -> None:
    MembershipFactory(user=person.user, shop=other_shop, role=Role.MANAGER)
    client = bearer(pair["access_token"])
    switched = client.post("/api/auth/switch-shop", {"shop_id": other_shop.id}, format="json")
    assert switched.status_code == 200
    # The session's old refresh token died with the switch; so did switching again from it.
    assert_error(refresh(APIClient(), pair["refresh_token"]), 401, "token_invalid")
    assert_error(client.post("/api/auth/switch-shop", {"shop_id": other_shop.id}, format="json"), 401, "token_invalid")
    # Logged out: the still-valid access token cannot mint a new session.
    new = switched.json()
    assert (
        APIClient().post("/api/auth/logout", {"refresh_token": new["refresh_token"]}, format="json").status_code == 204
    )
    again = bearer(new["access_token"]).post("/api/auth/switch-shop", {"shop_id": other_shop.id}, format="json")
    assert_error(again, 401, "token_invalid")


def test_switch_shop_to_a_shop_not_mine_is_403(pair: dict[str, Any], person: Membership, other_shop: Shop) -> None:
    client = bearer(pair["access_token"])
    assert_error(client.post("/api/auth/switch-shop", {"shop_id": other_shop.id}, format="json"), 403, "no_membership")
    MembershipFactory(user=person.user, shop=other_shop, is_active=False)
    assert_error(client.post("/api/auth/switch-shop", {"shop_id": other_shop.id}, format="json"), 403, "no_membership")


@pytest.mark.parametrize("payload", [{}, {"shop_id": "x"}, {"shop_id": 0}, {"shop_id": 2**63}])
def test_switch_shop_bad_input(pair: dict[str, Any], payload: dict[str, Any]) -> None:
    assert_error(bearer(pair["access_token"]).post("/api/auth/switch-shop", payload, format="json"), 400, "invalid")


def test_me_and_switch_shop_need_a_token(api: APIClient, shop: Shop) -> None:
    assert_error(api.get("/api/auth/me"), 401, "not_authenticated")
    assert_error(api.post("/api/auth/switch-shop", {"shop_id": shop.id}, format="json"), 401, "not_authenticated")


# --- concurrency (PostgreSQL) --------------------------------------------------------------


@pytest.mark.django_db(transaction=True)
def test_two_concurrent_refreshes_one_wins(requires_postgres: None, monkeypatch: pytest.MonkeyPatch) -> None:
    membership = MembershipFactory(user=UserFactory(phone=PHONE))
    token = sessions.tokens_issue(membership=membership).refresh
    # Both requests pass the token's own checks before either takes the row lock.
    barrier = threading.Barrier(2, timeout=2)
    real_parse = sessions._parse_refresh

    def parse_then_wait(raw: str) -> RefreshToken:
        parsed = real_parse(raw)
        try:
            barrier.wait()
        except threading.BrokenBarrierError:
            pass
        return parsed

    monkeypatch.setattr(sessions, "_parse_refresh", parse_then_wait)
    statuses = run_concurrently(
        [lambda: refresh(APIClient(), token).status_code, lambda: refresh(APIClient(), token).status_code]
    )
    assert sorted(statuses) == [200, 401]
