"""CORS: the storefront's origins may call /api/public/ from a browser, and nothing else; the
SPA's origins keep working everywhere."""

from __future__ import annotations

import pytest

pytestmark = pytest.mark.django_db

STORE_ORIGIN = "https://romashka.example"
SPA_ORIGIN = "https://app.example"


@pytest.fixture(autouse=True)
def origins(settings) -> None:
    settings.STOREFRONT_CORS_ORIGINS = [STORE_ORIGIN]
    settings.CORS_ALLOWED_ORIGINS = [SPA_ORIGIN]


def preflight(client, path: str, origin: str):
    return client.options(
        path,
        HTTP_ORIGIN=origin,
        HTTP_ACCESS_CONTROL_REQUEST_METHOD="POST",
        HTTP_ACCESS_CONTROL_REQUEST_HEADERS="content-type, idempotency-key",
    )


def test_a_storefront_origin_may_call_the_public_api(client, store) -> None:
    response = preflight(client, f"/api/public/shops/{store.slug}/orders/", STORE_ORIGIN)
    assert response.status_code == 200
    assert response["Access-Control-Allow-Origin"] == STORE_ORIGIN
    assert "idempotency-key" in response["Access-Control-Allow-Headers"]
    got = client.get(f"/api/public/shops/{store.slug}/", HTTP_ORIGIN=STORE_ORIGIN)
    assert got.status_code == 200 and got["Access-Control-Allow-Origin"] == STORE_ORIGIN
    assert "Retry-After" in got["Access-Control-Expose-Headers"]


def test_a_storefront_origin_may_not_call_the_back_office(client, store) -> None:
    for path in ("/api/orders/", "/api/auth/login", "/api/shops/current/"):
        response = preflight(client, path, STORE_ORIGIN)
        assert "Access-Control-Allow-Origin" not in response, path


def test_other_origins_are_not_allowed_on_the_public_api(client, store) -> None:
    for origin in ("https://evil.example", "http://romashka.example", "null"):
        response = client.get(f"/api/public/shops/{store.slug}/", HTTP_ORIGIN=origin)
        assert "Access-Control-Allow-Origin" not in response, origin


def test_the_spa_origin_still_works_everywhere(client, store) -> None:
    for path in ("/api/orders/", f"/api/public/shops/{store.slug}/"):
        response = preflight(client, path, SPA_ORIGIN)
        assert response["Access-Control-Allow-Origin"] == SPA_ORIGIN, path
