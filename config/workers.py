"""The production server's worker: uvicorn under gunicorn (``gunicorn.conf.py``), serving the
Channels application for HTTP and ``/ws``.

- protocol pings every 20 s keep idle sockets alive through proxies and drop dead peers
  (a client that does not answer a ping within 20 s is disconnected);
- ``X-Forwarded-For``/``-Proto`` are trusted from ``FORWARDED_ALLOW_IPS`` (gunicorn's
  ``forwarded_allow_ips``; 127.0.0.1 by default);
- access and handshake log lines carry paths without query strings (``/ws?token=…``);
- no ``lifespan`` (Django has no startup hooks) and no ``Server`` header;
- the GIL is handed over every 0.5 ms instead of Python's 5 ms (``GIL_SWITCH_INTERVAL``): a
  synchronous view runs in a thread beside the event loop, and each socket write releases the
  GIL — with 5 ms the loop may wait that long per write to take it back while a view computes
  (``bench/ws_fanout.py`` on a loaded machine: publish → receipt p99 960 → 300 ms).
"""

from __future__ import annotations

import os
import sys
from typing import Any

from uvicorn_worker import UvicornWorker as BaseUvicornWorker

from flowercrm.realtime import logfilters

WS_PING_INTERVAL = 20.0
WS_PING_TIMEOUT = 20.0
GIL_SWITCH_INTERVAL = float(os.environ.get("GIL_SWITCH_INTERVAL", "0.0005"))  # seconds


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

    def init_process(self) -> None:
        sys.setswitchinterval(GIL_SWITCH_INTERVAL)
        super().init_process()
