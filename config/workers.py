"""The production server's worker: uvicorn under gunicorn (``gunicorn.conf.py``), serving the
Channels application for HTTP and ``/ws``.

- protocol pings every 20 s keep idle sockets alive through proxies and drop dead peers
  (a client that does not answer a ping within 20 s is disconnected);
- ``X-Forwarded-For``/``-Proto`` are trusted from ``FORWARDED_ALLOW_IPS`` (gunicorn's
  ``forwarded_allow_ips``; 127.0.0.1 by default);
- access and handshake log lines carry paths without query strings (``/ws?token=…``);
- no ``lifespan`` (Django has no startup hooks) and no ``Server`` header.
"""

from __future__ import annotations

from typing import Any

from uvicorn_worker import UvicornWorker as BaseUvicornWorker

from flowercrm.realtime import logfilters

WS_PING_INTERVAL = 20.0
WS_PING_TIMEOUT = 20.0


class UvicornWorker(BaseUvicornWorker):
    CONFIG_KWARGS: dict[str, Any] = {
        **BaseUvicornWorker.CONFIG_KWARGS,
        "ws_ping_interval": WS_PING_INTERVAL,
        "ws_ping_timeout": WS_PING_TIMEOUT,
        "proxy_headers": True,
        "lifespan": "off",
        "server_header": False,
    }

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        logfilters.install(drop_query=True)
