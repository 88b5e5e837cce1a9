"""Helpers for the test suite (imported by tests only)."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
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
    import contextvars
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

    # Each thread runs in a copy of the caller's context, so it works in the caller's shop
    # scope (``flowercrm.scopes``); a fresh thread would start without one.
    threads = [threading.Thread(target=contextvars.copy_context().run, args=(run, i, t)) for i, t in enumerate(targets)]
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


@contextmanager
def rows_locked_elsewhere(queryset: Any, *, timeout: float = 5) -> Iterator[None]:
    """Hold the lock an ``UPDATE`` takes (``FOR NO KEY UPDATE``, which lets rows referencing
    them be inserted) on ``queryset``'s rows from another connection while the block runs;
    the block must finish before the lock is let go (``timeout``).

    Pins a service's lock footprint: a service that also locks rows it does not change (a
    ``select_related`` table without ``of=("self",)``) waits here, and that extra lock is how
    two services deadlock (a 500) in production."""
    import contextvars
    import threading

    from django.db import connection, transaction

    locked, done = threading.Event(), threading.Event()
    outcome: list[Any] = []

    def hold() -> None:
        try:
            with transaction.atomic():
                list(queryset.select_for_update(no_key=True))
                locked.set()
                outcome.append(done.wait(timeout))
        except BaseException as exc:  # noqa: BLE001 - reported below
            outcome.append(exc)
            locked.set()
        finally:
            connection.close()

    holder = threading.Thread(target=contextvars.copy_context().run, args=(hold,))
    holder.start()
    assert locked.wait(10), "the rows were not locked"  # noqa: S101
    try:
        yield
    finally:
        done.set()
        holder.join(timeout=timeout + 10)
    assert outcome == [True], f"the block waited for the rows locked elsewhere: {outcome}"  # noqa: S101


def race_with_open_transaction(work: Any, request: Any, *, timeout: float = 10) -> tuple[Any, Any]:
    """A deterministic race (PostgreSQL): ``work()`` runs in a transaction on one thread;
    once it returned, ``request()`` starts on another thread, and the transaction commits
    only after ``request`` waits for a row lock it holds. So ``request`` read the rows before
    ``work`` committed and locks them after. Returns both outcomes (a result or the exception
    raised, as ``run_concurrently``); ``work`` fails if nothing waited within ``timeout``."""
    import threading
    import time

    from django.db import connection, transaction

    worked = threading.Event()

    def first() -> Any:
        try:
            with transaction.atomic():
                result = work()
                worked.set()
                deadline = time.monotonic() + timeout
                with connection.cursor() as cursor:
                    while True:
                        cursor.execute(
                            "SELECT EXISTS (SELECT 1 FROM pg_locks WHERE NOT granted"
                            " AND pg_backend_pid() = ANY(pg_blocking_pids(pid)))"
                        )
                        if cursor.fetchone()[0]:
                            break
                        assert time.monotonic() < deadline, "nothing waited for the rows locked"  # noqa: S101
                        time.sleep(0.005)
            return result
        finally:
            worked.set()

    def second() -> Any:
        assert worked.wait(timeout), "work did not finish"  # noqa: S101
        return request()

    first_result, second_result = run_concurrently([first, second], timeout=timeout + 30)
    return first_result, second_result


# --- Real server processes ---------------------------------------------------------------


def free_port() -> int:
    """A loopback port nobody listens on now."""
    import socket

    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


class ServerProcess:
    """One of our servers (daphne, or gunicorn with the production uvicorn worker) in its own
    process group, its output kept for the failure message."""

    STARTUP_TIMEOUT = 30.0

    def __init__(self, name: str, args: list[str], port: int, env: dict[str, str]) -> None:
        import subprocess
        import tempfile
        from pathlib import Path

        self.name, self.port = name, port
        self.log = tempfile.TemporaryFile()  # closed in stop()
        self.process = subprocess.Popen(  # noqa: S603 (our own server commands)
            args,
            cwd=Path(__file__).resolve().parents[1],
            env=env,
            stdout=self.log,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )

    @property
    def base(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def output(self) -> str:
        self.log.seek(0)
        return self.log.read().decode(errors="replace")[-4000:]

    def wait_ready(self, ready: Any) -> None:
        """Until ``ready(self)`` is true (``OSError`` counts as not yet); fails the test if the
        process exits or the startup timeout passes."""
        import time

        import pytest

        deadline = time.monotonic() + self.STARTUP_TIMEOUT
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                pytest.fail(f"{self.name} exited with {self.process.returncode}:\n{self.output()}")
            try:
                if ready(self):
                    return
            except OSError:
                pass
            time.sleep(0.1)
        pytest.fail(f"{self.name} did not start within {self.STARTUP_TIMEOUT} s:\n{self.output()}")

    def stop(self) -> None:
        import os
        import signal
        import subprocess

        if self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(timeout=10)
            except subprocess.TimeoutExpired:
                os.killpg(self.process.pid, signal.SIGKILL)  # gunicorn's worker too, not only the master
                self.process.wait(timeout=10)
        self.log.close()


@contextmanager
def daphne_and_gunicorn(*, env: dict[str, str], ready: Any) -> Iterator[tuple[ServerProcess, ServerProcess]]:
    """daphne (development) and gunicorn with the production uvicorn worker
    (``gunicorn.conf.py``, one worker), both ready (``ready(server)``); stopped afterwards."""
    import sys
    from pathlib import Path

    bin_dir = Path(sys.executable).parent
    daphne_port, gunicorn_port = free_port(), free_port()
    started: list[ServerProcess] = []
    try:
        started.append(
            ServerProcess(
                "daphne",
                [str(bin_dir / "daphne"), "-b", "127.0.0.1", "-p", str(daphne_port), "config.asgi:application"],
                daphne_port,
                env,
            )
        )
        started.append(
            ServerProcess(
                "gunicorn",
                [str(bin_dir / "gunicorn"), "config.asgi:application", "-c", "gunicorn.conf.py"]
                + ["-b", f"127.0.0.1:{gunicorn_port}", "-w", "1"],
                gunicorn_port,
                env,
            )
        )
        for server in started:
            server.wait_ready(ready)
        yield started[0], started[1]
    finally:
        for server in started:
            server.stop()
