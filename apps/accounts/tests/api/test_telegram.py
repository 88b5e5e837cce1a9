"""``/api/telegram/send-otp``, ``/api/telegram/verify-otp`` and the bot webhook."""

from __future__ import annotations

from typing import Any

import pytest
from rest_framework.test import APIClient
from rest_framework_simplejwt.tokens import RefreshToken

from apps.accounts.api.telegram_views import SEND_OTP_DETAIL
from apps.accounts.bot import NOT_OWN_CONTACT_TEXT, SHARE_PHONE_BUTTON
from apps.accounts.models import OTP_MAX_ATTEMPTS, OtpCode, OtpSend
from apps.accounts.tests.factories import UserFactory
from apps.accounts.tests.otp_support import Clock, codes_to, linked_member
from apps.shops.models import Shop
from apps.shops.tests.factories import MembershipFactory, ShopFactory
from flowercrm.roles import Role
from flowercrm.telegram.testing import BOT_USERNAME, BotApiStub, contact_update, message_update
from flowercrm.testing import assert_error

pytestmark = pytest.mark.django_db

PHONE = "+77011234567"
CHAT = 5550001
TOKEN_KEYS = {"access_token", "refresh_token", "token_type", "expires_in", "user", "shop", "role"}


@pytest.fixture(autouse=True)
def _bot_username(settings) -> None:
    settings.TELEGRAM_BOT_USERNAME = BOT_USERNAME


@pytest.fixture
def linked(shop: Shop):
    return linked_member(shop, telegram_id=CHAT, phone=PHONE, role=Role.FLORIST)


@pytest.fixture
def send_otp(api: APIClient, django_capture_on_commit_callbacks):
    def do(phone: Any = PHONE, path: str = "/api/telegram/send-otp") -> Any:
        with django_capture_on_commit_callbacks(execute=True):
            return api.post(path, {"phone": phone}, format="json")

    return do


def verify(api: APIClient, code: str, phone: str = PHONE, **extra: Any) -> Any:
    return api.post("/api/telegram/verify-otp", {"phone": phone, "code": code, **extra}, format="json")


# --- send-otp ------------------------------------------------------------------------------


def test_send_otp_sends_the_code_to_the_linked_chat(linked, send_otp, telegram_outbox) -> None:
    response = send_otp("8 701 123 45 67")
    assert response.status_code == 200
    assert response.json() == {
        "detail": SEND_OTP_DETAIL,
        "expires_in": 300,
        "bot_url": f"https://t.me/{BOT_USERNAME}",
    }
    assert len(codes_to(telegram_outbox, CHAT)) == 1


def test_send_otp_answers_the_same_for_everyone(shop, send_otp, telegram_outbox, clock: Clock) -> None:
    linked_member(shop, telegram_id=CHAT, phone="+77011110001")
    linked_member(shop, telegram_id=None, phone="+77011110002")
    linked_member(shop, telegram_id=CHAT + 3, phone="+77011110003", is_active=False)
    UserFactory(phone="+77011110004", telegram_id=CHAT + 4)  # no membership at all
    phones = ["+77011110001", "+77011110002", "+77011110003", "+77011110004", "+77011110005"]

    answers = [send_otp(phone) for phone in phones]
    assert {(r.status_code, r.content) for r in answers} == {(200, answers[0].content)}
    assert [m.chat_id for m in telegram_outbox] == [CHAT]  # only the linked active member

    # The limits, too, answer alike for every phone.
    again = [send_otp(phone) for phone in phones]
    assert {(r.status_code, r.json()["code"], r.headers["Retry-After"]) for r in again} == {(429, "throttled", "60")}


def test_send_otp_without_bot_username_gives_null_bot_url(linked, send_otp, settings) -> None:
    settings.TELEGRAM_BOT_USERNAME = ""
    assert send_otp().json()["bot_url"] is None


@pytest.mark.parametrize("phone", ["", "not a phone", "123", 77011234567.5, None, ["+77011234567"], "+7" + "0" * 40])
def test_send_otp_bad_phone_is_400_and_writes_nothing(send_otp, phone) -> None:
    body = assert_error(send_otp(phone), 400, "invalid")
    assert "phone" in body["errors"]
    assert not OtpCode.objects.exists() and not OtpSend.objects.exists()


def test_send_otp_cooldown_and_hourly_cap(linked, send_otp, clock: Clock) -> None:
    assert send_otp().status_code == 200
    clock.advance(45)
    response = send_otp()
    assert_error(response, 429, "throttled")
    assert response.headers["Retry-After"] == "15"
    clock.advance(15)
    for _ in range(4):
        assert send_otp().status_code == 200
        clock.advance(60)
    response = send_otp()  # a 6th within the hour
    assert_error(response, 429, "throttled")
    assert int(response.headers["Retry-After"]) == 3600 - 60 - 4 * 60


def test_send_otp_trailing_slash_optional(linked, send_otp) -> None:
    assert send_otp(path="/api/telegram/send-otp/").status_code == 200


# --- verify-otp ----------------------------------------------------------------------------


def test_verify_otp_gives_the_login_token_body(linked, send_otp, api: APIClient, telegram_outbox) -> None:
    send_otp()
    (code,) = codes_to(telegram_outbox, CHAT)
    response = verify(api, code)
    assert response.status_code == 200, response.json()
    body = response.json()
    assert set(body) == TOKEN_KEYS
    assert body["role"] == Role.FLORIST and body["shop"]["id"] == linked.shop_id
    assert body["user"]["telegram_linked"] is True

    me = APIClient()
    me.credentials(HTTP_AUTHORIZATION=f"Bearer {body['access_token']}")
    assert me.get("/api/auth/me").json()["user"]["id"] == linked.user_id
    refresh = RefreshToken(body["refresh_token"])
    assert (refresh["shop_id"], refresh["user_id"]) == (linked.shop_id, str(linked.user_id))

    assert_error(verify(api, code), 400, "otp_invalid")  # single use


def test_verify_otp_with_shop_id(linked, send_otp, api: APIClient, telegram_outbox) -> None:
    second = MembershipFactory(user=linked.user, shop=ShopFactory(), role=Role.ADMIN)
    send_otp()
    (code,) = codes_to(telegram_outbox, CHAT)
    assert_error(verify(api, code, shop_id=ShopFactory().id), 403, "no_membership")
    body = verify(api, code, shop_id=second.shop_id).json()
    assert (body["shop"]["id"], body["role"]) == (second.shop_id, Role.ADMIN)


def test_verify_otp_expired(linked, send_otp, api: APIClient, telegram_outbox, clock: Clock) -> None:
    send_otp()
    (code,) = codes_to(telegram_outbox, CHAT)
    clock.advance(301)
    assert_error(verify(api, code), 400, "otp_invalid")


def test_verify_otp_locks_after_five_wrong_codes(linked, send_otp, api: APIClient, telegram_outbox) -> None:
    send_otp()
    (code,) = codes_to(telegram_outbox, CHAT)
    wrong = "000000" if code != "000000" else "111111"
    for _ in range(OTP_MAX_ATTEMPTS - 1):
        assert_error(verify(api, wrong), 400, "otp_invalid")
    response = verify(api, wrong)
    assert_error(response, 429, "otp_locked")
    assert int(response.headers["Retry-After"]) >= 1
    assert_error(verify(api, code), 429, "otp_locked")


def test_verify_otp_unknown_phone(api: APIClient) -> None:
    assert_error(verify(api, "123456", phone="+77019998877"), 400, "otp_invalid")


@pytest.mark.parametrize(
    "payload",
    [
        {},
        {"phone": PHONE},
        {"code": "123456"},
        {"phone": "nope", "code": "123456"},
        {"phone": PHONE, "code": "1" * 17},
        {"phone": PHONE, "code": "123456", "shop_id": 0},
        {"phone": PHONE, "code": "123456", "shop_id": 10**19},
        {"phone": PHONE, "code": "123456", "shop_id": "x"},
    ],
)
def test_verify_otp_bad_input_is_400(linked, api: APIClient, payload) -> None:
    assert_error(api.post("/api/telegram/verify-otp/", payload, format="json"), 400, "invalid")
    assert not OtpCode.objects.exists()


@pytest.mark.django_db(transaction=True)
def test_errors_outside_a_test_transaction(linked, api: APIClient, telegram_outbox) -> None:
    """No surrounding test transaction: a domain error must still be a clean 4xx (not a 500
    from the exception handler), and a wrong guess must be kept."""
    assert api.post("/api/telegram/send-otp", {"phone": PHONE}, format="json").status_code == 200
    (code,) = codes_to(telegram_outbox, CHAT)
    response = api.post("/api/telegram/send-otp", {"phone": PHONE}, format="json")
    assert_error(response, 429, "throttled")
    assert_error(verify(api, "bad"), 400, "otp_invalid")
    assert OtpCode.objects.get(phone=PHONE).attempts == 1
    assert verify(api, code).status_code == 200


# --- end to end through the real backend and the Bot API stub ------------------------------


def test_code_travels_through_the_bot_api(linked, send_otp, api: APIClient, telegram_live: BotApiStub) -> None:
    from flowercrm import telegram

    assert send_otp().status_code == 200
    assert telegram.wait_for_pending(timeout=10)
    (sent,) = telegram_live.sent_messages()
    assert sent["chat_id"] == CHAT
    code = sent["text"].split(": ", 1)[1][:6]
    assert verify(api, code).status_code == 200


# --- webhook -------------------------------------------------------------------------------


WEBHOOK_SECRET = "s3cret-For_webhook"


def webhook(api: APIClient, update: dict[str, Any], secret: str | None = WEBHOOK_SECRET) -> Any:
    headers = {"HTTP_X_TELEGRAM_BOT_API_SECRET_TOKEN": secret} if secret is not None else {}
    return api.post("/api/telegram/webhook", {"update_id": 1, **update}, format="json", **headers)


def test_webhook_is_disabled_without_a_secret(api: APIClient, settings) -> None:
    settings.TELEGRAM_WEBHOOK_SECRET = ""
    assert_error(webhook(api, message_update(1, text="/start")), 404, "not_found")


@pytest.mark.parametrize("secret", [None, "", "wrong", WEBHOOK_SECRET + "x"])
def test_webhook_refuses_a_wrong_secret(api: APIClient, settings, shop, secret) -> None:
    settings.TELEGRAM_WEBHOOK_SECRET = WEBHOOK_SECRET
    member = linked_member(shop, telegram_id=None, phone=PHONE)
    response = webhook(api, contact_update(777, phone="77011234567", user_id=777), secret=secret)
    assert_error(response, 403, "permission_denied")
    member.user.refresh_from_db()
    assert member.user.telegram_id is None


def test_webhook_feeds_the_bot(api: APIClient, settings, shop) -> None:
    settings.TELEGRAM_WEBHOOK_SECRET = WEBHOOK_SECRET
    member = linked_member(shop, telegram_id=None, phone=PHONE)

    start = webhook(api, message_update(777, text="/start")).json()
    assert (start["method"], start["chat_id"]) == ("sendMessage", 777)
    assert start["reply_markup"]["keyboard"][0][0] == {"text": SHARE_PHONE_BUTTON, "request_contact": True}

    forwarded = webhook(api, contact_update(888, phone="77011234567", user_id=777)).json()
    assert forwarded["text"] == NOT_OWN_CONTACT_TEXT
    member.user.refresh_from_db()
    assert member.user.telegram_id is None

    own = webhook(api, contact_update(777, phone="77011234567", user_id=777)).json()
    assert own["chat_id"] == 777 and "привязан" in own["text"]
    member.user.refresh_from_db()
    assert member.user.telegram_id == 777


@pytest.mark.parametrize("body", [{"update_id": "x"}, {"update_id": 1, "message": {"chat": 5}}, {"update_id": 2}])
def test_webhook_ignores_what_it_cannot_use(api: APIClient, settings, body) -> None:
    settings.TELEGRAM_WEBHOOK_SECRET = WEBHOOK_SECRET
    response = api.post(
        "/api/telegram/webhook", body, format="json", HTTP_X_TELEGRAM_BOT_API_SECRET_TOKEN=WEBHOOK_SECRET
    )
    assert response.status_code == 200 and response.json() == {}
