"""``/api/auth/signup/start`` and ``/api/auth/signup/complete`` (ARCHITECTURE §11.6): a new shop
by a Telegram code, under the one-time-code rules of §3 — the abuse tests of the login code
(``test_telegram.py``) repeated for sign-up."""

from __future__ import annotations

import re
from typing import Any

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from rest_framework.test import APIClient

from apps.accounts.api.signup_views import SIGNUP_START_DETAIL
from apps.accounts.models import OTP_MAX_ATTEMPTS, OtpCode, OtpPurpose, OtpSend, TelegramContact, User
from apps.accounts.tests.factories import PASSWORD, UserFactory
from apps.accounts.tests.otp_support import Clock, codes_to, linked_member, share_contact
from apps.shops import signup
from apps.shops.models import Membership, Shop
from apps.shops.sessions import TokenPair
from apps.shops.tests.factories import ShopFactory
from flowercrm.errors import Conflict
from flowercrm.roles import Role
from flowercrm.telegram.testing import BOT_USERNAME, BotApiStub
from flowercrm.testing import assert_error, run_threads

pytestmark = pytest.mark.django_db

NEW_PHONE = "+77015550000"
NEW_CHAT = 7770001
STAFF_PHONE = "+77011234567"
STAFF_CHAT = 5550001
TOKEN_KEYS = {"access_token", "refresh_token", "token_type", "expires_in", "user", "shop", "role"}
NEW_PASSWORD = "Fresh-tulips-2026"


@pytest.fixture(autouse=True)
def _bot_username(settings) -> None:
    settings.TELEGRAM_BOT_USERNAME = BOT_USERNAME
    settings.SIGNUP_ENABLED = True


@pytest.fixture
def start(api: APIClient, django_capture_on_commit_callbacks):
    def do(phone: Any = NEW_PHONE, path: str = "/api/auth/signup/start") -> Any:
        with django_capture_on_commit_callbacks(execute=True):
            return api.post(path, {"phone": phone}, format="json")

    return do


def complete(api: APIClient, code: str, phone: str = NEW_PHONE, **extra: Any) -> Any:
    body = {"phone": phone, "code": code, "shop_name": "Пион и Ко", "name": "Айгерим", **extra}
    return api.post("/api/auth/signup/complete", body, format="json")


@pytest.fixture
def newcomer() -> None:
    """A person with no account who shared their own number with the bot."""
    share_contact(NEW_PHONE, NEW_CHAT)


def _snapshot() -> tuple[int, int, int, list[tuple[Any, ...]]]:
    codes = list(OtpCode.objects.order_by("id").values_list("phone", "purpose", "code_hash", "attempts", "used_at"))
    return Shop.objects.count(), User.objects.count(), Membership.objects.count(), codes


# --- start ---------------------------------------------------------------------------------


def test_start_sends_the_code_to_the_chat_that_shared_the_number(newcomer, start, telegram_outbox) -> None:
    response = start("8 701 555 00 00")
    assert response.status_code == 200, response.json()
    assert response.json() == {
        "detail": SIGNUP_START_DETAIL,
        "expires_in": 300,
        "bot_url": f"https://t.me/{BOT_USERNAME}",
    }
    (code,) = codes_to(telegram_outbox, NEW_CHAT)
    assert "регистрации" in telegram_outbox[-1].text
    row = OtpCode.objects.get(phone=NEW_PHONE, purpose=OtpPurpose.SIGNUP)
    assert len(row.code_hash) == 64 and code not in row.code_hash


def _everyone(shop: Shop) -> list[str]:
    """Phones of every kind; returns them in a fixed order."""
    share_contact("+77011110001", STAFF_CHAT + 1)  # new, shared the number with the bot
    linked_member(shop, telegram_id=STAFF_CHAT + 2, phone="+77011110002")  # staff, linked
    linked_member(shop, telegram_id=None, phone="+77011110003")  # staff, not linked
    UserFactory(phone="+77011110004", telegram_id=STAFF_CHAT + 4, is_active=False)  # switched off
    UserFactory(phone="+77011110005", telegram_id=STAFF_CHAT + 5)  # an account in no shop
    return ["+77011110001", "+77011110002", "+77011110003", "+77011110004", "+77011110005", "+77011110006"]


def test_start_answers_the_same_for_everyone(shop, start, telegram_outbox, clock: Clock) -> None:
    phones = _everyone(shop)
    answers = [start(phone) for phone in phones]
    assert {(r.status_code, r.content) for r in answers} == {(200, answers[0].content)}
    # The code reaches only a chat Telegram vouched for an active person's number.
    assert sorted(m.chat_id for m in telegram_outbox) == [STAFF_CHAT + 1, STAFF_CHAT + 2, STAFF_CHAT + 5]
    assert OtpCode.objects.filter(purpose=OtpPurpose.SIGNUP).count() == len(phones)  # a row for each alike

    again = [start(phone) for phone in phones]
    assert {(r.status_code, r.json()["code"], r.headers["Retry-After"]) for r in again} == {(429, "throttled", "60")}


def _shape(sql: str) -> str:
    return re.sub(r"'[^']*'|\b\d+\b|\"s\d+_x\d+\"", "?", sql)


def test_start_does_the_same_work_for_everyone(shop, start, telegram_outbox) -> None:
    """No timing signal: the request runs the same statements for every kind of phone (the
    message itself is handed to the sender after commit, off the request path)."""
    works = []
    for phone in _everyone(shop):
        with CaptureQueriesContext(connection) as queries:
            assert start(phone).status_code == 200
        works.append([_shape(q["sql"]) for q in queries.captured_queries])
    for work in works:
        assert work == works[0]
    assert works[0]


def test_start_cooldown_holds_across_phone_formats(newcomer, start, clock: Clock, telegram_outbox) -> None:
    assert start("+77015550000").status_code == 200
    for same in ("8 701 555 00 00", "87015550000", "+7 (701) 555-00-00", "7015550000"):
        response = start(same)
        assert_error(response, 429, "throttled")
        assert response.headers["Retry-After"] == "60"
    clock.advance(45)
    assert start("8 (701) 555 0000").headers["Retry-After"] == "15"
    clock.advance(15)
    for _ in range(4):
        assert start("8 701 555 00 00").status_code == 200
        clock.advance(60)
    response = start()  # a 6th within the hour
    assert_error(response, 429, "throttled")
    assert int(response.headers["Retry-After"]) == 3600 - 60 - 4 * 60
    assert OtpSend.objects.filter(phone=NEW_PHONE).count() == 5
    assert len(codes_to(telegram_outbox, NEW_CHAT)) == 5


def test_start_shares_the_limits_with_login_codes(shop, start, api: APIClient, clock: Clock) -> None:
    linked_member(shop, telegram_id=STAFF_CHAT, phone=STAFF_PHONE)
    assert api.post("/api/telegram/send-otp", {"phone": STAFF_PHONE}, format="json").status_code == 200
    assert_error(start(STAFF_PHONE), 429, "throttled")
    clock.advance(60)
    assert start(STAFF_PHONE).status_code == 200
    assert_error(api.post("/api/telegram/send-otp", {"phone": STAFF_PHONE}, format="json"), 429, "throttled")


@pytest.mark.parametrize("phone", ["", "not a phone", "123", 77011234567.5, None, ["+77011234567"], "+7" + "0" * 40])
def test_start_bad_phone_is_400_and_writes_nothing(start, phone) -> None:
    body = assert_error(start(phone), 400, "invalid")
    assert "phone" in body["errors"]
    assert not OtpCode.objects.exists() and not OtpSend.objects.exists()


# --- complete ------------------------------------------------------------------------------


def _code(start: Any, outbox: list[Any], chat: int = NEW_CHAT, phone: str = NEW_PHONE) -> str:
    assert start(phone).status_code == 200
    return codes_to(outbox, chat)[-1]


def test_complete_creates_the_shop_and_its_admin(newcomer, start, api: APIClient, telegram_outbox) -> None:
    code = _code(start, telegram_outbox)
    response = complete(api, code, phone="8 701 555 00 00", password=NEW_PASSWORD)
    assert response.status_code == 200, response.json()
    body = response.json()
    assert set(body) == TOKEN_KEYS and body["token_type"] == "bearer" and body["role"] == Role.ADMIN

    shop = Shop.objects.get(pk=body["shop"]["id"])
    assert body["shop"] == {"id": shop.id, "name": "Пион и Ко"}
    assert shop.slug and shop.currency == "KZT" and shop.time_zone  # settings at their defaults
    user = User.objects.get(phone=NEW_PHONE)
    assert (user.name, user.is_staff, user.check_password(NEW_PASSWORD)) == ("Айгерим", True, True)
    assert list(Membership.objects.filter(user=user).values_list("shop_id", "role", "is_active", "status")) == [
        (shop.id, Role.ADMIN, True, "active")
    ]
    # The chat the code went to is now the account's: Telegram login and notifications work.
    assert user.telegram_id == NEW_CHAT and body["user"]["telegram_linked"] is True
    assert not TelegramContact.objects.exists()

    me = APIClient()
    me.credentials(HTTP_AUTHORIZATION=f"Bearer {body['access_token']}")
    assert me.get("/api/auth/me").json()["shop"]["id"] == shop.id
    login = api.post("/api/auth/login", {"username": NEW_PHONE, "password": NEW_PASSWORD}, format="json")
    assert login.status_code == 200 and login.json()["shop"]["id"] == shop.id

    assert_error(complete(api, code), 400, "otp_invalid")  # single use
    assert Shop.objects.count() == 1


def test_complete_without_a_password(newcomer, start, api: APIClient, telegram_outbox) -> None:
    response = complete(api, _code(start, telegram_outbox))
    assert response.status_code == 200, response.json()
    assert not User.objects.get(phone=NEW_PHONE).has_usable_password()


def test_staff_of_a_shop_opens_another(shop, start, api: APIClient, telegram_outbox) -> None:
    member = linked_member(shop, telegram_id=STAFF_CHAT, phone=STAFF_PHONE, role=Role.FLORIST)
    old_name = member.user.name
    code = _code(start, telegram_outbox, chat=STAFF_CHAT, phone=STAFF_PHONE)
    response = complete(api, code, phone=STAFF_PHONE, name="Чужое имя", password=NEW_PASSWORD, shop_name=shop.name)
    assert response.status_code == 200, response.json()
    body = response.json()
    assert body["role"] == Role.ADMIN and body["shop"]["id"] != shop.id
    assert Shop.objects.filter(name=shop.name).count() == 2  # names are free; slugs differ
    assert Shop.objects.get(pk=body["shop"]["id"]).slug != shop.slug

    user = User.objects.get(pk=member.user_id)
    assert user.name == old_name and user.check_password(PASSWORD) and not user.check_password(NEW_PASSWORD)
    assert user.telegram_id == STAFF_CHAT
    roles = dict(Membership.objects.filter(user=user).values_list("shop_id", "role"))
    assert roles == {shop.id: Role.FLORIST, body["shop"]["id"]: Role.ADMIN}


def test_complete_brute_force_is_bounded(newcomer, start, api: APIClient, telegram_outbox) -> None:
    code = _code(start, telegram_outbox)
    wrong = "000000" if code != "000000" else "111111"
    for _ in range(OTP_MAX_ATTEMPTS - 1):
        assert_error(complete(api, wrong), 400, "otp_invalid")
    response = complete(api, wrong)
    assert_error(response, 429, "otp_locked")
    assert int(response.headers["Retry-After"]) >= 1
    assert_error(complete(api, code), 429, "otp_locked")  # even the right code: it is dead
    assert OtpCode.objects.get(phone=NEW_PHONE, purpose=OtpPurpose.SIGNUP).attempts == OTP_MAX_ATTEMPTS
    assert not Shop.objects.exists() and not User.objects.exists()


def test_complete_expired_code(newcomer, start, api: APIClient, telegram_outbox, clock: Clock) -> None:
    code = _code(start, telegram_outbox)
    clock.advance(301)
    assert_error(complete(api, code), 400, "otp_invalid")
    assert not Shop.objects.exists()


def test_complete_for_a_phone_that_never_asked(api: APIClient) -> None:
    assert_error(complete(api, "123456"), 400, "otp_invalid")
    assert not Shop.objects.exists() and not OtpCode.objects.exists()


def test_codes_are_scoped_to_their_purpose(
    shop, start, api: APIClient, telegram_outbox, clock: Clock, django_capture_on_commit_callbacks
) -> None:
    member = linked_member(shop, telegram_id=STAFF_CHAT, phone=STAFF_PHONE)
    signup_code = _code(start, telegram_outbox, chat=STAFF_CHAT, phone=STAFF_PHONE)
    # A sign-up code does not log in …
    verify = api.post("/api/telegram/verify-otp", {"phone": STAFF_PHONE, "code": signup_code}, format="json")
    assert_error(verify, 400, "otp_invalid")
    clock.advance(60)
    with django_capture_on_commit_callbacks(execute=True):
        assert api.post("/api/telegram/send-otp", {"phone": STAFF_PHONE}, format="json").status_code == 200
    login_code = codes_to(telegram_outbox, STAFF_CHAT)[-1]
    # … and a login code opens no shop.
    if login_code != signup_code:
        assert_error(complete(api, login_code, phone=STAFF_PHONE), 400, "otp_invalid")
    assert Shop.objects.count() == 1
    # Each still works for its own purpose (one wrong guess each was counted).
    verify = api.post("/api/telegram/verify-otp", {"phone": STAFF_PHONE, "code": login_code}, format="json")
    assert verify.status_code == 200 and verify.json()["shop"]["id"] == member.shop_id
    assert complete(api, signup_code, phone=STAFF_PHONE).status_code == 200


def test_an_inactive_account_opens_no_shop(start, api: APIClient, telegram_outbox) -> None:
    UserFactory(phone=NEW_PHONE, telegram_id=NEW_CHAT, is_active=False)
    assert start().status_code == 200
    assert telegram_outbox == []
    assert_error(complete(api, "123456"), 400, "otp_invalid")
    assert not Shop.objects.exists()


@pytest.mark.parametrize(
    "payload",
    [
        {},
        {"phone": NEW_PHONE, "code": "123456", "name": "Айгерим"},
        {"phone": NEW_PHONE, "code": "123456", "shop_name": "Пион"},
        {"phone": "nope", "code": "123456", "shop_name": "Пион", "name": "Айгерим"},
        {"phone": NEW_PHONE, "code": "1" * 17, "shop_name": "Пион", "name": "Айгерим"},
        {"phone": NEW_PHONE, "code": "123456", "shop_name": "", "name": "Айгерим"},
        {"phone": NEW_PHONE, "code": "123456", "shop_name": "   ", "name": "Айгерим"},
        {"phone": NEW_PHONE, "code": "123456", "shop_name": "П" * 121, "name": "Айгерим"},
        {"phone": NEW_PHONE, "code": "123456", "shop_name": "Пион", "name": "А" * 151},
        {"phone": NEW_PHONE, "code": "123456", "shop_name": "Пион", "name": "Айгерим", "password": "x" * 129},
        {"phone": NEW_PHONE, "code": "123456", "shop_name": ["Пион"], "name": "Айгерим"},
    ],
)
def test_complete_bad_input_is_400_and_writes_nothing(
    newcomer, start, api: APIClient, telegram_outbox, payload
) -> None:
    assert start().status_code == 200
    before = _snapshot()
    assert_error(api.post("/api/auth/signup/complete/", payload, format="json"), 400, "invalid")
    assert _snapshot() == before  # not even an attempt counted: the shape is checked first


def test_a_refused_password_writes_nothing(newcomer, start, api: APIClient, telegram_outbox) -> None:
    """The password rules refuse it inside ``shop_create``, after the shop row was inserted:
    the shop goes with the rest, and the code stays usable."""
    code = _code(start, telegram_outbox)
    before = _snapshot()
    body = assert_error(complete(api, code, password="123"), 400, "invalid")
    assert "password" in body["errors"]
    assert _snapshot() == before
    assert TelegramContact.objects.filter(phone=NEW_PHONE).exists()
    assert complete(api, code, password=NEW_PASSWORD).status_code == 200


def test_a_failure_after_the_shop_and_admin_writes_nothing(
    newcomer, start, api: APIClient, telegram_outbox, monkeypatch
) -> None:
    """The last step fails after the shop, its admin and the membership were written: all of
    it goes, and the code stays usable."""
    code = _code(start, telegram_outbox)
    before = _snapshot()

    def fail(*, user: User) -> bool:
        assert Shop.objects.count() == 1 and User.objects.filter(phone=NEW_PHONE).exists()
        raise Conflict("late failure")

    monkeypatch.setattr(signup, "telegram_contact_claim", fail)
    assert_error(complete(api, code), 409, "conflict")
    assert _snapshot() == before
    monkeypatch.undo()
    assert complete(api, code).status_code == 200


@pytest.mark.django_db(transaction=True)
def test_failures_outside_a_test_transaction(requires_postgres, api: APIClient, telegram_outbox, monkeypatch) -> None:
    """No surrounding test transaction (PostgreSQL): a late failure rolls the shop back for
    real, and a wrong guess is committed although the request failed."""
    share_contact(NEW_PHONE, NEW_CHAT)
    assert api.post("/api/auth/signup/start", {"phone": NEW_PHONE}, format="json").status_code == 200
    (code,) = codes_to(telegram_outbox, NEW_CHAT)
    monkeypatch.setattr(signup, "telegram_contact_claim", lambda *, user: (_ for _ in ()).throw(Conflict("late")))
    assert_error(complete(api, code), 409, "conflict")
    assert not Shop.objects.exists() and not User.objects.exists()
    monkeypatch.undo()
    assert_error(complete(api, "bad"), 400, "otp_invalid")
    assert OtpCode.objects.get(phone=NEW_PHONE, purpose=OtpPurpose.SIGNUP).attempts == 1
    assert complete(api, code).status_code == 200
    assert Shop.objects.count() == 1


@pytest.mark.django_db(transaction=True)
def test_concurrent_completes_of_one_code_open_one_shop(requires_postgres, telegram_outbox) -> None:
    from apps.accounts import otp

    share_contact(NEW_PHONE, NEW_CHAT)
    otp.signup_code_send(phone=NEW_PHONE)
    (code,) = codes_to(telegram_outbox, NEW_CHAT)
    results = run_threads(
        6, lambda i: signup.signup_complete(phone=NEW_PHONE, code=code, shop_name=f"Магазин {i}", name="Айгерим")
    )
    assert sum(isinstance(r, TokenPair) for r in results) == 1, results
    assert sum(isinstance(r, otp.OtpInvalid) for r in results) == 5, results
    assert Shop.objects.count() == 1 and User.objects.count() == 1


# --- switched off --------------------------------------------------------------------------


def test_signup_disabled_is_404(settings, api: APIClient, start, telegram_outbox) -> None:
    settings.SIGNUP_ENABLED = False
    share_contact(NEW_PHONE, NEW_CHAT)
    assert not TelegramContact.objects.exists()  # the bot keeps no numbers for it either
    assert_error(start(), 404, "not_found")
    assert_error(start(path="/api/auth/signup/start/"), 404, "not_found")
    assert_error(complete(api, "123456", password=NEW_PASSWORD), 404, "not_found")
    assert_error(api.post("/api/auth/signup/complete", {}, format="json"), 404, "not_found")
    assert not OtpCode.objects.exists() and not OtpSend.objects.exists() and not Shop.objects.exists()
    assert telegram_outbox == []


def test_start_trailing_slash_optional(newcomer, start) -> None:
    assert start(path="/api/auth/signup/start/").status_code == 200


# --- end to end through the real backend and the Bot API stub ------------------------------


def test_code_travels_through_the_bot_api(api: APIClient, start, telegram_live: BotApiStub) -> None:
    from flowercrm import telegram

    share_contact(NEW_PHONE, NEW_CHAT)
    assert start().status_code == 200
    assert telegram.wait_for_pending(timeout=10)
    (sent,) = telegram_live.sent_messages()
    assert sent["chat_id"] == NEW_CHAT
    code = re.search(r"\b(\d{6})\b", sent["text"])
    assert code is not None
    response = complete(api, code.group(1), password=NEW_PASSWORD)
    assert response.status_code == 200, response.json()
    assert ShopFactory._meta.model.objects.filter(pk=response.json()["shop"]["id"]).exists()
