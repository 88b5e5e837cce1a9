from unittest import mock

import pytest
from django.db import OperationalError
from rest_framework.test import APIClient

pytestmark = pytest.mark.django_db


def test_health_reports_each_dependency(api: APIClient, settings) -> None:
    response = api.get("/health")
    assert response.status_code == 200
    body = response.json()
    assert body["status"] == "ok"
    assert body["database"] == "ok"
    expected_cache = "ok" if settings.REDIS_URL else "local"
    expected_layer = "ok" if settings.REDIS_URL else "in-memory"
    assert (body["cache"], body["channel_layer"]) == (expected_cache, expected_layer)
    assert api.get("/health/").status_code == 200


def test_health_is_503_when_the_database_is_down(api: APIClient) -> None:
    with mock.patch("flowercrm.health.connection.cursor", side_effect=OperationalError("connection refused")):
        response = api.get("/health")
    assert response.status_code == 503
    assert response.json()["database"] == "error"
    assert response.json()["status"] == "degraded"


def test_health_is_degraded_but_200_when_the_cache_fails(api: APIClient) -> None:
    with mock.patch("flowercrm.health.check_cache", return_value="error"):
        response = api.get("/health")
    assert response.status_code == 200
    assert response.json()["status"] == "degraded"
