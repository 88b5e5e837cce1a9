"""Concurrent double taps on PostgreSQL with real threads: one order per Idempotency-Key,
every tap answered with it (keys without a user rely on their own partial unique index)."""

from __future__ import annotations

from typing import Any

import pytest
from rest_framework.throttling import SimpleRateThrottle

from apps.orders.models import Order
from apps.storefront.tests.conftest import checkout
from flowercrm.models import IdempotencyKey
from flowercrm.testing import run_threads

pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.usefixtures("requires_postgres")]


def test_concurrent_taps_with_one_key_make_one_order(store, checkout_body, monkeypatch) -> None:
    monkeypatch.setitem(SimpleRateThrottle.THROTTLE_RATES, "storefront_checkout_phone", "100/hour")
    body = checkout_body()

    def tap(i: int) -> tuple[int, dict[str, Any]]:
        from rest_framework.test import APIClient

        response = checkout(APIClient(), store, body, key="double-tap", REMOTE_ADDR=f"10.9.0.{i + 1}")
        return response.status_code, response.json()

    results = run_threads(6, tap)
    # A tap that arrives while the first is still running waits for it and replays it; one that
    # finds it still running after the wait is a 409 (the client retries) — never a second order.
    assert {status for status, _ in results} <= {201, 409} and 201 in {status for status, _ in results}
    answers = [answer for status, answer in results if status == 201]
    assert all(answer == answers[0] for answer in answers)
    assert Order.objects.filter(shop=store).count() == 1
    assert IdempotencyKey.objects.filter(shop=store, user=None).count() == 1
