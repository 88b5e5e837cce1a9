"""gunicorn settings for production: ``gunicorn config.asgi:application`` (this file is read
from the working directory). Every value can be overridden on the command line; the ones
read from the environment are listed here with their defaults.

- ``PORT`` (8000) / ``BIND`` — where to listen;
- ``WEB_CONCURRENCY`` (2) — worker processes; with ``REDIS_URL`` they share the channel
  layer, so a socket on one worker receives events published by any other;
- ``FORWARDED_ALLOW_IPS`` (gunicorn's own variable) — proxies trusted for X-Forwarded-*;
- ``LOG_LEVEL`` (info).
"""

import os

bind = os.environ.get("BIND", f"0.0.0.0:{os.environ.get('PORT', '8000')}")
workers = int(os.environ.get("WEB_CONCURRENCY", "2"))
worker_class = "config.workers.UvicornWorker"
# Workers heartbeat from their event loop; open WebSockets do not block it.
timeout = 30
graceful_timeout = 20
keepalive = 5
loglevel = os.environ.get("LOG_LEVEL", "info").lower()
accesslog = "-"
errorlog = "-"
