"""Helpers for the test suite (imported by tests only)."""

from __future__ import annotations

from typing import Any


def assert_error(response: Any, status: int, code: str) -> dict[str, Any]:
    """Assert the contract's error body ``{"detail", "code"}`` with this status; return it."""
    assert response.status_code == status, (response.status_code, getattr(response, "content", b"")[:500])  # noqa: S101
    body: dict[str, Any] = response.json()
    assert body.get("code") == code, body  # noqa: S101
    assert isinstance(body.get("detail"), str) and body["detail"], body  # noqa: S101
    return body
