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


def run_concurrently(targets: Any, *, timeout: float = 60) -> list[Any]:
    """Run each callable of ``targets`` on its own thread, released together by a barrier.

    Returns what each returned, or the exception it raised (the test inspects them). Each
    thread closes its database connection; a thread still running after ``timeout`` fails."""
    import threading

    from django.db import connection

    results: list[Any] = [None] * len(targets)
    barrier = threading.Barrier(len(targets), timeout=10)

    def run(index: int, target: Any) -> None:
        try:
            barrier.wait()
            results[index] = target()
        except BaseException as exc:  # noqa: BLE001 - inspected by the test
            results[index] = exc
        finally:
            connection.close()

    threads = [threading.Thread(target=run, args=(i, t)) for i, t in enumerate(targets)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=timeout)
    assert not any(t.is_alive() for t in threads), "a thread did not finish"  # noqa: S101
    return results


def run_threads(count: int, work: Any) -> list[Any]:
    """``work(0)`` … ``work(count - 1)`` at once, through ``run_concurrently``."""
    from functools import partial

    return run_concurrently([partial(work, i) for i in range(count)])
