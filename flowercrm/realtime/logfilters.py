"""Keep access tokens out of logs: ``/ws?token=…`` is how browsers authenticate a socket, and
the servers log request paths with their query strings (uvicorn at INFO, ARCHITECTURE §9)."""

from __future__ import annotations

import logging
import re

SECRET_PARAMS = re.compile(r"(?P<name>(?:^|[?&])(?:token|access_token|refresh_token)=)[^&\s\"']*", re.IGNORECASE)
QUERY = re.compile(r"^(?P<path>/[^?\s]*)\?\S*$")
REDACTED = "[redacted]"
# uvicorn logs WebSocket handshakes on uvicorn.error and requests on uvicorn.access; daphne's
# runserver logs both on django.channels.server.
SERVER_LOGGERS = ("uvicorn.access", "uvicorn.error", "django.channels.server", "daphne.server")


def redact(text: str) -> str:
    return SECRET_PARAMS.sub(lambda m: m.group("name") + REDACTED, text)


class RedactTokensFilter(logging.Filter):
    """Replaces token values in a record's message and string arguments with ``[redacted]``;
    with ``drop_query`` it drops the query string of any logged path altogether."""

    def __init__(self, name: str = "", *, drop_query: bool = False) -> None:
        super().__init__(name)
        self.drop_query = drop_query

    def clean(self, value: object) -> object:
        if not isinstance(value, str):
            return value
        if self.drop_query and (match := QUERY.match(value)):
            return match.group("path")
        return redact(value) if "=" in value else value

    def filter(self, record: logging.LogRecord) -> bool:
        if isinstance(record.msg, str):
            record.msg = self.clean(record.msg)
        if isinstance(record.args, tuple):
            record.args = tuple(self.clean(arg) for arg in record.args)
        elif isinstance(record.args, dict):
            record.args = {key: self.clean(value) for key, value in record.args.items()}
        return True


def install(*, drop_query: bool = False) -> None:
    """Attach the filter to the server loggers that have none yet (the first caller decides:
    the production worker, which drops query strings, runs before Django's ``ready()``)."""
    for name in SERVER_LOGGERS:
        logger = logging.getLogger(name)
        if not any(isinstance(f, RedactTokensFilter) for f in logger.filters):
            logger.addFilter(RedactTokensFilter(drop_query=drop_query))
