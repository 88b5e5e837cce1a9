"""The request-body guard under the real servers: daphne (development, ``runserver``) and
gunicorn with the production uvicorn worker (``gunicorn.conf.py``, ``config/workers.py``).

Raw sockets, so nothing buffers or retries for us: a ``Content-Length`` of 50 MB with only the
headers sent must be answered 413 at once, and a chunked body that keeps streaming must be
answered 413 after about the limit and the connection closed — not after the client stops.
The servers need no database or Redis for this: the guard answers before Django runs.
"""

from __future__ import annotations

import os
import socket
import threading
import time
from collections.abc import Iterator

import pytest
from django.conf import settings

from flowercrm.testing import ServerProcess, daphne_and_gunicorn

MiB = 1024 * 1024
# Loopback socket buffers on both sides hold a few MB that count as "sent" before the server
# reads them; anything near the limit plus that is "stopped at the limit".
BUFFER_SLACK = 8 * MiB
STREAM_CAP = 64 * MiB
URL = "/api/upload/image"


def server_env() -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if k not in ("DATABASE_URL", "REDIS_URL", "RAILWAY_ENVIRONMENT")}
    env.update(
        DJANGO_SETTINGS_MODULE="config.settings",
        SECRET_KEY=settings.SECRET_KEY,
        DEBUG="0",
        ALLOWED_HOSTS="127.0.0.1",
        LOG_LEVEL="WARNING",
        WEB_CONCURRENCY="1",
        PYTHONWARNINGS="ignore",
    )
    return env


def head(extra: str, content_type: str = "multipart/form-data; boundary=x") -> bytes:
    return f"POST {URL} HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: {content_type}\r\n{extra}\r\n".encode()


def read_response(sock: socket.socket) -> bytes:
    """Read until the headers and the declared JSON body are in, or the peer closes."""
    data = b""
    while True:
        try:
            chunk = sock.recv(65536)
        except ConnectionResetError:
            return data
        if not chunk:
            return data
        data += chunk
        if b"\r\n\r\n" in data:
            headers, _, body = data.partition(b"\r\n\r\n")
            for line in headers.split(b"\r\n")[1:]:
                name, _, value = line.partition(b":")
                if name.strip().lower() == b"content-length" and len(body) >= int(value):
                    return data


def status_of(response: bytes) -> int:
    return int(response.split(b" ", 2)[1]) if response.startswith(b"HTTP/1.1 ") else 0


def small_post(port: int) -> tuple[int, bytes]:
    with socket.create_connection(("127.0.0.1", port), timeout=3) as sock:
        body = b"{}"
        sock.sendall(head(f"Content-Length: {len(body)}\r\nConnection: close\r\n", "application/json") + body)
        response = read_response(sock)
    return status_of(response), response


def closed_by_peer(sock: socket.socket, timeout: float) -> bool:
    """Whether the server closes the connection within ``timeout`` (EOF or reset)."""
    sock.settimeout(timeout)
    try:
        while sock.recv(65536):
            pass
    except TimeoutError:
        return False
    except OSError:
        return True
    return True


@pytest.fixture(scope="module")
def servers() -> Iterator[dict[str, ServerProcess]]:
    def answers(server: ServerProcess) -> bool:
        return small_post(server.port)[0] != 0

    with daphne_and_gunicorn(env=server_env(), ready=answers) as (daphne, gunicorn):
        yield {"daphne": daphne, "uvicorn": gunicorn}


SERVERS = ["daphne", "uvicorn"]


@pytest.mark.parametrize("name", SERVERS)
def test_a_small_body_passes_the_guard_and_reaches_django(servers, name) -> None:
    status, response = small_post(servers[name].port)
    assert status == 401, response  # the upload view's answer to an anonymous caller
    assert b'"not_authenticated"' in response


@pytest.mark.parametrize("name", SERVERS)
def test_a_declared_body_over_the_limit_is_413_at_once_without_sending_it(servers, name) -> None:
    with socket.create_connection(("127.0.0.1", servers[name].port), timeout=3) as sock:
        started = time.monotonic()
        sock.sendall(head(f"Content-Length: {50 * MiB}\r\nExpect: 100-continue\r\n"))
        response = read_response(sock)
        elapsed = time.monotonic() - started
        assert status_of(response) == 413, response
        assert elapsed < 1.0
        assert response.endswith(b'"code": "too_large"}')
        assert b"100 Continue" not in response
        assert closed_by_peer(sock, timeout=2.0)


@pytest.mark.parametrize("name", SERVERS)
def test_a_chunked_body_is_refused_at_the_limit_while_it_still_streams(servers, name) -> None:
    limit = settings.MAX_REQUEST_BODY_BYTES
    frame_data = b"x" * 65536
    frame = b"%x\r\n" % len(frame_data) + frame_data + b"\r\n"
    sent = 0
    stop = threading.Event()

    with socket.create_connection(("127.0.0.1", servers[name].port), timeout=5) as sock:
        sock.sendall(head("Transfer-Encoding: chunked\r\n"))

        def stream() -> None:
            nonlocal sent
            try:
                while not stop.is_set() and sent < STREAM_CAP:
                    sock.sendall(frame)
                    sent += len(frame_data)
            except OSError:
                pass  # the server closed the connection: what we want

        sender = threading.Thread(target=stream, daemon=True)
        sender.start()
        response = read_response(sock)
        sent_when_answered = sent
        assert status_of(response) == 413, response
        assert response.endswith(b'"code": "too_large"}')
        # Answered while the client was still sending, after about the limit...
        assert limit < sent_when_answered + BUFFER_SLACK
        assert sent_when_answered < limit + BUFFER_SLACK
        assert sent_when_answered < STREAM_CAP
        # ...and the rest is not read: the server closes the connection.
        assert closed_by_peer(sock, timeout=2.0)
        stop.set()
        sender.join(timeout=5)
        assert not sender.is_alive()
