"""Every error status answers the contract's body ``{"detail", "code"}``."""

import json

import pytest
from django.test import Client
from rest_framework.test import APIClient

from apps.shops.models import Membership
from flowercrm.asgi import BodySizeLimitMiddleware
from flowercrm.roles import Role
from flowercrm.testing import assert_error

pytestmark = pytest.mark.django_db


def test_400_validation_has_errors_by_field(api: APIClient) -> None:
    body = assert_error(api.post("/api/auth/login", {"username": "+77011234567"}, format="json"), 400, "invalid")
    assert "password" in body["errors"]


def test_400_malformed_json(api: APIClient) -> None:
    response = api.post("/api/auth/login", data="{not json", content_type="application/json")
    assert_error(response, 400, "invalid")


@pytest.mark.parametrize(
    "body", ["[" * 100_000 + "]" * 100_000, '{"a":' * 100_000 + "1" + "}" * 100_000], ids=["arrays", "objects"]
)
def test_400_json_nested_too_deep(api: APIClient, body: str) -> None:
    # Found by fuzzing: Python's json raises RecursionError (not a ValueError) past ~1000
    # levels, and DRF's parser let it through as a 500.
    assert_error(api.post("/api/auth/login", data=body, content_type="application/json"), 400, "invalid")


def test_400_nul_byte_in_query_and_body(api: APIClient) -> None:
    assert_error(api.get("/api/users/?search=a%00b"), 400, "invalid")
    response = api.post(
        "/api/auth/login", data='{"username": "a\\u0000", "password": "x"}', content_type="application/json"
    )
    assert_error(response, 400, "invalid")


def test_401_without_token(api: APIClient) -> None:
    response = api.get("/api/auth/me")
    assert_error(response, 401, "not_authenticated")
    assert response.headers["WWW-Authenticate"].startswith("Bearer")


def test_401_garbage_token(api: APIClient) -> None:
    api.credentials(HTTP_AUTHORIZATION="Bearer not-a-token")
    assert_error(api.get("/api/auth/me"), 401, "token_invalid")


def test_403_role(api_as, member) -> None:
    assert_error(api_as(member(Role.COURIER)).get("/api/users/"), 403, "permission_denied")


def test_404_unknown_api_path(api_as, member) -> None:
    assert_error(api_as(member()).get("/api/no-such-thing/"), 404, "not_found")
    assert_error(Client().get("/nowhere"), 404, "not_found")


def test_405(api_as, member) -> None:
    assert_error(api_as(member()).put("/api/auth/me", {}, format="json"), 405, "method_not_allowed")


def test_409_last_admin(api_as, admin_member: Membership) -> None:
    response = api_as(admin_member).patch(f"/api/users/{admin_member.user_id}/", {"role": "manager"}, format="json")
    assert_error(response, 409, "conflict")


def test_415(api: APIClient) -> None:
    response = api.post("/api/auth/login", data="<x/>", content_type="application/xml")
    assert_error(response, 415, "unsupported_media")
    # Bodies are JSON (uploads alone are multipart): a form's missing checkbox reads as false.
    body = {"username": "+77011234567", "password": "x"}
    assert_error(api.post("/api/auth/login", body, format="multipart"), 415, "unsupported_media")
    form = "username=%2B77011234567&password=x"
    assert_error(
        api.post("/api/auth/login", form, content_type="application/x-www-form-urlencoded"), 415, "unsupported_media"
    )


@pytest.mark.urls("flowercrm.tests.urls")
def test_500_is_json_and_domain_errors_carry_extra_fields() -> None:
    client = APIClient(raise_request_exception=False)
    assert_error(client.get("/boom/"), 500, "server_error")
    body = assert_error(client.post("/boom/"), 409, "insufficient_stock")
    assert body["missing"] == [{"stock_item_id": 1, "name": "Роза", "needed": 5, "on_hand": 2}]


async def _call_asgi(app, headers, chunks):
    sent = []
    queue = [{"type": "http.request", "body": c, "more_body": i < len(chunks) - 1} for i, c in enumerate(chunks)]

    async def receive():
        return queue.pop(0) if queue else {"type": "http.disconnect"}

    async def send(message):
        sent.append(message)

    await app({"type": "http", "headers": headers, "method": "POST", "path": "/api/upload/image"}, receive, send)
    return sent


async def _inner_reads_body(scope, receive, send):
    while True:
        message = await receive()
        if not message.get("more_body"):
            break
    await send({"type": "http.response.start", "status": 200, "headers": []})
    await send({"type": "http.response.body", "body": b"ok"})


async def test_413_by_content_length_before_reading() -> None:
    app = BodySizeLimitMiddleware(_inner_reads_body, max_bytes=100)
    sent = await _call_asgi(app, [(b"content-length", b"101")], [b""])
    assert sent[0]["status"] == 413
    assert json.loads(sent[1]["body"])["code"] == "too_large"


async def test_413_for_a_chunked_body_counted_while_reading() -> None:
    app = BodySizeLimitMiddleware(_inner_reads_body, max_bytes=100)
    sent = await _call_asgi(app, [], [b"x" * 60, b"x" * 60])
    assert sent[0]["status"] == 413
    ok = await _call_asgi(app, [], [b"x" * 50, b"x" * 50])
    assert ok[0]["status"] == 200
