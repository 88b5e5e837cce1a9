"""``/api/auth/telegram-webapp``: login from the Telegram Mini App by its ``initData``, built
here and signed with a test bot token the way Telegram signs it."""

from __future__ import annotations

import datetime as dt
import json
from typing import Any
from urllib.parse import parse_qsl, quote, urlencode

import pytest
from django.utils import timezone
from rest_framework.test import APIClient

from apps.accounts import webapp
from apps.accounts.tests.factories import UserFactory
from apps.accounts.tests.otp_support import Clock, linked_member, make_init_data
from apps.shops.models import Membership
from apps.shops.tests.factories import MembershipFactory, ShopFactory
from flowercrm.roles import Role
from flowercrm.testing import assert_error

pytestmark = pytest.mark.django_db

BOT_TOKEN = "654321:AAF-webapp-test-token"  # noqa: S105
TG_ID = 424242
TOKEN_KEYS = {"access_token", "refresh_token", "token_type", "expires_in", "user", "shop", "role"}


@pytest.fixture(autouse=True)
def _bot_token(settings) -> None:
    settings.TELEGRAM_BOT_TOKEN = BOT_TOKEN


@pytest.fixture
def linked(shop) -> Membership:
    return linked_member(shop, telegram_id=TG_ID, role=Role.COURIER)


def login(api: APIClient, init_data: Any) -> Any:
    return api.post("/api/auth/telegram-webapp", {"init_data": init_data}, format="json")


def _resign(fields: dict[str, str], token: str = BOT_TOKEN) -> str:
    """Sign ``fields`` (without ``hash``) as Telegram does — for data the test shapes itself."""
    return webapp._expected_hash({k: v for k, v in fields.items() if k != "hash"}, token)


# --- valid ---------------------------------------------------------------------------------


def test_valid_init_data_logs_in(linked, api: APIClient) -> None:
    response = login(api, make_init_data(BOT_TOKEN, telegram_id=TG_ID))
    assert response.status_code == 200, response.json()
    body = response.json()
    assert set(body) == TOKEN_KEYS and body["token_type"] == "bearer"
    assert (body["role"], body["shop"]["id"], body["user"]["id"]) == (Role.COURIER, linked.shop_id, linked.user_id)

    me = APIClient()
    me.credentials(HTTP_AUTHORIZATION=f"Bearer {body['access_token']}")
    answer = me.get("/api/auth/me")
    assert answer.status_code == 200
    assert (answer.json()["user"]["id"], answer.json()["role"]) == (linked.user_id, Role.COURIER)
    refreshed = api.post("/api/auth/refresh", {"refresh_token": body["refresh_token"]}, format="json")
    assert refreshed.status_code == 200


def test_the_most_recently_used_shop(linked, api: APIClient) -> None:
    second = MembershipFactory(user=linked.user, shop=ShopFactory(), role=Role.ADMIN)
    Membership.objects.filter(pk=second.pk).update(last_used_at=timezone.now())
    body = login(api, make_init_data(BOT_TOKEN, telegram_id=TG_ID)).json()
    assert (body["shop"]["id"], body["role"]) == (second.shop_id, Role.ADMIN)


@pytest.mark.parametrize("age", [dt.timedelta(hours=24) - dt.timedelta(seconds=5), dt.timedelta(seconds=-60)])
def test_age_limits_inclusive_side(linked, api: APIClient, age: dt.timedelta) -> None:
    init_data = make_init_data(BOT_TOKEN, telegram_id=TG_ID, auth_date=timezone.now() - age)
    assert login(api, init_data).status_code == 200


def test_extra_and_blank_signed_fields_are_part_of_the_check(linked, api: APIClient) -> None:
    init_data = make_init_data(BOT_TOKEN, telegram_id=TG_ID, extra={"chat_type": "private", "start_param": ""})
    assert login(api, init_data).status_code == 200


# --- forged --------------------------------------------------------------------------------


def _tampered(kind: str) -> str:
    good = make_init_data(BOT_TOKEN, telegram_id=TG_ID)
    fields = dict(parse_qsl(good, keep_blank_values=True))
    if kind == "other_token":
        return make_init_data("111:another-bot-token", telegram_id=TG_ID)
    if kind == "other_user":
        fields["user"] = fields["user"].replace(str(TG_ID), str(TG_ID + 1))
    elif kind == "added_field":
        fields["is_admin"] = "true"
    elif kind == "dropped_field":
        del fields["query_id"]
    elif kind == "flipped_hash":
        fields["hash"] = fields["hash"][:-1] + ("0" if fields["hash"][-1] != "0" else "1")
    elif kind == "upper_hash":
        fields["hash"] = fields["hash"].upper()
    elif kind == "no_hash":
        del fields["hash"]
    elif kind == "empty_hash":
        fields["hash"] = ""
    elif kind == "hash_of_empty_token":
        fields["hash"] = _resign(fields, token="")
    elif kind == "newer_date":
        fields["auth_date"] = str(int(fields["auth_date"]) + 1)
    return urlencode(fields)


@pytest.mark.parametrize(
    "kind",
    [
        "other_token",
        "other_user",
        "added_field",
        "dropped_field",
        "flipped_hash",
        "upper_hash",
        "no_hash",
        "empty_hash",
        "hash_of_empty_token",
        "newer_date",
    ],
)
def test_forged_init_data_is_401(linked, api: APIClient, kind: str) -> None:
    assert_error(login(api, _tampered(kind)), 401, "not_authenticated")


def test_someone_elses_account_cannot_be_claimed(shop, linked, api: APIClient) -> None:
    """Signed for the attacker's own Telegram id, edited to name the victim's: refused."""
    attacker = linked_member(shop, telegram_id=TG_ID + 1, role=Role.COURIER)
    good = make_init_data(BOT_TOKEN, telegram_id=attacker.user.telegram_id)
    forged = good.replace(quote(str(TG_ID + 1)), quote(str(TG_ID)))
    assert forged != good
    assert_error(login(api, forged), 401, "not_authenticated")


# --- stale and future ----------------------------------------------------------------------


@pytest.mark.parametrize(
    "offset",
    [
        dt.timedelta(hours=24, seconds=1),
        dt.timedelta(days=30),
        -dt.timedelta(minutes=6),
        -dt.timedelta(days=365),
    ],
)
def test_stale_or_future_auth_date_is_401(linked, api: APIClient, offset: dt.timedelta) -> None:
    init_data = make_init_data(BOT_TOKEN, telegram_id=TG_ID, auth_date=timezone.now() - offset)
    assert_error(login(api, init_data), 401, "not_authenticated")


def test_valid_data_goes_stale(linked, api: APIClient, clock: Clock) -> None:
    init_data = make_init_data(BOT_TOKEN, telegram_id=TG_ID, auth_date=clock.now)
    clock.advance(24 * 3600 + 1)
    assert_error(login(api, init_data), 401, "not_authenticated")


# --- replay --------------------------------------------------------------------------------


def test_replay_after_a_login_is_refused(linked, api: APIClient) -> None:
    init_data = make_init_data(BOT_TOKEN, telegram_id=TG_ID)
    assert login(api, init_data).status_code == 200
    assert_error(login(api, init_data), 401, "not_authenticated")
    # The same signed fields, re-encoded (another order, other escapes), are the same data.
    fields = parse_qsl(init_data, keep_blank_values=True)
    reencoded = "&".join(f"{quote(k)}={quote(v, safe='')}" for k, v in reversed(fields))
    assert reencoded != init_data
    assert_error(login(api, reencoded), 401, "not_authenticated")
    # A fresh one from Telegram (a new auth_date, a new hash) works.
    fresh = make_init_data(BOT_TOKEN, telegram_id=TG_ID, auth_date=timezone.now() + dt.timedelta(seconds=1))
    assert login(api, fresh).status_code == 200


def test_the_replay_mark_outlives_the_age_limit(linked, monkeypatch) -> None:
    seen: list[int] = []
    real_add = webapp.cache.add

    def add(key: str, value: Any, timeout: int) -> bool:
        seen.append(timeout)
        return bool(real_add(key, value, timeout))

    monkeypatch.setattr(webapp.cache, "add", add)
    assert login(APIClient(), make_init_data(BOT_TOKEN, telegram_id=TG_ID)).status_code == 200
    assert seen and seen[0] >= (webapp.MAX_AGE + webapp.FUTURE_SKEW).total_seconds()


# --- malformed -----------------------------------------------------------------------------


def _signed(fields: dict[str, str]) -> str:
    return urlencode({**fields, "hash": _resign(fields)})


NOW = str(int(dt.datetime.now(tz=dt.UTC).timestamp()))
USER = json.dumps({"id": TG_ID})


@pytest.mark.parametrize(
    "init_data",
    [
        "garbage",
        "a",
        "=",
        "&&&",
        "hash=" + "0" * 64,
        "%ff%fe=1&hash=" + "0" * 64,
        "user=1&user=2&auth_date=1&hash=" + "0" * 64,
        "🌷" * 100,
        # Signed correctly, but the content is unusable:
        _signed({"auth_date": NOW}),  # no user
        _signed({"auth_date": NOW, "user": "not json"}),
        _signed({"auth_date": NOW, "user": "[1, 2]"}),
        _signed({"auth_date": NOW, "user": json.dumps({"id": "424242"})}),
        _signed({"auth_date": NOW, "user": json.dumps({"id": True})}),
        _signed({"auth_date": NOW, "user": json.dumps({"id": 0})}),
        _signed({"auth_date": NOW, "user": json.dumps({"id": 2**64})}),
        _signed({"user": USER}),  # no auth_date
        _signed({"auth_date": "", "user": USER}),
        _signed({"auth_date": "-5", "user": USER}),
        _signed({"auth_date": "1e9", "user": USER}),
        _signed({"auth_date": "٣٣٣", "user": USER}),  # Arabic-Indic digits
        _signed({"auth_date": "9" * 30, "user": USER}),
        _signed({"auth_date": "99999999999", "user": USER}),
    ],
)
def test_malformed_init_data_is_401(linked, api: APIClient, init_data: str) -> None:
    assert_error(login(api, init_data), 401, "not_authenticated")


@pytest.mark.parametrize(
    "body", [{}, {"init_data": ""}, {"init_data": None}, {"init_data": ["a"]}, {"init": "x"}, {"init_data": "\u0000"}]
)
def test_a_body_without_init_data_is_400(api: APIClient, body: dict[str, Any]) -> None:
    assert_error(api.post("/api/auth/telegram-webapp/", body, format="json"), 400, "invalid")


def test_oversized_init_data_is_400(linked, api: APIClient) -> None:
    padded = make_init_data(BOT_TOKEN, telegram_id=TG_ID, extra={"pad": "x" * webapp.MAX_INIT_DATA_LENGTH})
    body = assert_error(login(api, padded), 400, "invalid")
    assert "init_data" in body["errors"]


# --- who -----------------------------------------------------------------------------------


def test_unknown_telegram_id_is_401(linked, api: APIClient) -> None:
    assert_error(login(api, make_init_data(BOT_TOKEN, telegram_id=TG_ID + 99)), 401, "not_authenticated")


def test_inactive_user_is_401(api: APIClient) -> None:
    UserFactory(telegram_id=TG_ID, is_active=False)
    assert_error(login(api, make_init_data(BOT_TOKEN, telegram_id=TG_ID)), 401, "not_authenticated")


@pytest.mark.parametrize("setup", ["no_membership", "inactive_membership", "invited"])
def test_without_an_active_membership_is_403_and_keeps_the_data(shop, api: APIClient, setup: str) -> None:
    user = UserFactory(telegram_id=TG_ID)
    if setup == "inactive_membership":
        MembershipFactory(user=user, shop=shop, is_active=False)
    elif setup == "invited":
        MembershipFactory(user=user, shop=shop, is_active=False, status="invited")
    init_data = make_init_data(BOT_TOKEN, telegram_id=TG_ID)
    assert_error(login(api, init_data), 403, "no_membership")
    # The refusal did not use the data up: once the person works somewhere, it logs in.
    Membership.objects.filter(user=user).delete()
    MembershipFactory(user=user, shop=shop)
    assert login(api, init_data).status_code == 200


# --- configuration -------------------------------------------------------------------------


def test_without_a_bot_token_the_endpoint_is_404(linked, api: APIClient, settings) -> None:
    settings.TELEGRAM_BOT_TOKEN = ""
    assert_error(login(api, make_init_data(BOT_TOKEN, telegram_id=TG_ID)), 404, "not_found")
    assert_error(login(api, make_init_data("", telegram_id=TG_ID)), 404, "not_found")


def test_throttled_per_address(linked, api: APIClient, settings) -> None:
    from apps.accounts.throttling import LoginIPThrottle

    rate = LoginIPThrottle().num_requests
    for _ in range(rate):
        login(api, "garbage")
    response = login(api, make_init_data(BOT_TOKEN, telegram_id=TG_ID))
    assert_error(response, 429, "throttled")
    assert int(response.headers["Retry-After"]) >= 1
