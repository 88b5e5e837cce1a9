"""Access tokens never reach the logs through request paths."""

from __future__ import annotations

import logging

import pytest

from flowercrm.realtime.logfilters import SERVER_LOGGERS, RedactTokensFilter

UVICORN_ACCESS = '%s - "%s %s HTTP/%s" %d'
UVICORN_WS = '%s - "WebSocket %s" [accepted]'


def record(msg: str, args: object) -> logging.LogRecord:
    return logging.LogRecord("uvicorn.access", logging.INFO, __file__, 1, msg, args, None)  # type: ignore[arg-type]


def test_token_values_are_redacted_and_the_rest_kept() -> None:
    entry = record(UVICORN_WS, ("127.0.0.1:5000", "/ws?token=eyJhbGciOi.payload.sig&since=42"))
    RedactTokensFilter().filter(entry)
    assert entry.getMessage() == '127.0.0.1:5000 - "WebSocket /ws?token=[redacted]&since=42" [accepted]'


@pytest.mark.parametrize("query", ["token=abc", "since=1&token=abc", "access_token=abc", "TOKEN=abc&x=1"])
def test_every_spelling_is_redacted(query: str) -> None:
    entry = record(UVICORN_ACCESS, ("127.0.0.1:5000", "GET", f"/ws?{query}", "1.1", 101))
    RedactTokensFilter().filter(entry)
    assert "abc" not in entry.getMessage()


def test_the_production_worker_drops_query_strings() -> None:
    entry = record(UVICORN_ACCESS, ("127.0.0.1:5000", "GET", "/api/orders/?search=+77011234567", "1.1", 200))
    RedactTokensFilter(drop_query=True).filter(entry)
    assert entry.getMessage() == '127.0.0.1:5000 - "GET /api/orders/ HTTP/1.1" 200'


def test_daphne_runserver_records_with_a_dict_are_redacted() -> None:
    entry = record("WebSocket CONNECT %(path)s [%(client)s]", ({"path": "/ws?token=abc", "client": "x"},))
    RedactTokensFilter().filter(entry)
    assert entry.getMessage() == "WebSocket CONNECT /ws?token=[redacted] [x]"


def test_the_server_loggers_carry_the_filter() -> None:
    for name in SERVER_LOGGERS:
        assert any(isinstance(f, RedactTokensFilter) for f in logging.getLogger(name).filters), name
