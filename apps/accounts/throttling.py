"""Login throttles: per username (so one account cannot be brute-forced from many
addresses) and per client address. They count in the cache — Redis in production, so the
limit holds across workers."""

from __future__ import annotations

import hashlib

from rest_framework.request import Request
from rest_framework.throttling import SimpleRateThrottle
from rest_framework.views import APIView

from flowercrm.phone import try_normalize_phone


class LoginIPThrottle(SimpleRateThrottle):
    scope = "login_ip"

    def get_cache_key(self, request: Request, view: APIView) -> str | None:
        return self.cache_format % {"scope": self.scope, "ident": self.get_ident(request)}


def login_username(data: object) -> str | None:
    """The username a login body names, read the way ``LoginSerializer`` reads it: the first
    non-blank of ``username`` and ``phone``, a JSON number taken as text."""
    if not isinstance(data, dict):
        return None
    for key in ("username", "phone"):
        raw = data.get(key)
        if isinstance(raw, bool) or not isinstance(raw, (str, int, float)):
            continue
        text = str(raw).strip()
        if text:
            return text
    return None


class LoginUserThrottle(SimpleRateThrottle):
    scope = "login_user"

    def get_cache_key(self, request: Request, view: APIView) -> str | None:
        username = login_username(request.data)
        if username is None:
            return None
        ident = try_normalize_phone(username) or username.casefold()
        # Hashed: the raw text may hold spaces or be longer than a cache key may be.
        digest = hashlib.sha256(ident.encode()).hexdigest()
        return self.cache_format % {"scope": self.scope, "ident": digest}
