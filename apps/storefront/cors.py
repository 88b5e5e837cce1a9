"""CORS for the storefront: the origins of ``STOREFRONT_CORS_ORIGINS`` may call the public
API (``/api/public/``) from a browser, and nothing else.

``django-cors-headers`` has one list of origins for every path it serves
(``CORS_ALLOWED_ORIGINS``, the SPA's, which keeps working on the whole API). Its
``check_request_enabled`` signal is the documented way to allow more per request: this
handler allows a storefront origin only under ``/api/public/``, so a shop's website can
read the catalogue and place orders but never call the back office's endpoints with a
visitor's browser. Preflights and ``Idempotency-Key``/``Retry-After`` follow the global
``CORS_ALLOW_HEADERS``/``CORS_EXPOSE_HEADERS``."""

from __future__ import annotations

from typing import Any
from urllib.parse import urlsplit

from django.conf import settings
from django.http import HttpRequest

PUBLIC_PREFIX = "/api/public/"


def _origin_key(origin: str) -> tuple[str, str] | None:
    try:
        parts = urlsplit(origin)
    except ValueError:
        return None
    if not parts.scheme or not parts.netloc:
        return None
    return parts.scheme.lower(), parts.netloc.lower()


def storefront_origin_allowed(sender: Any = None, *, request: HttpRequest, **kwargs: Any) -> bool:
    """Whether ``request`` comes from a storefront origin to the public API."""
    if not request.path_info.startswith(PUBLIC_PREFIX):
        return False
    origin = _origin_key(request.headers.get("origin", ""))
    if origin is None:
        return False
    allowed = {_origin_key(o) for o in getattr(settings, "STOREFRONT_CORS_ORIGINS", [])}
    return origin in allowed
