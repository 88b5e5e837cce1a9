"""Login throttles: per username (so one account cannot be brute-forced from many
addresses) and per client address. They count in the cache — Redis in production, so the
limit holds across workers."""

from __future__ import annotations

from rest_framework.request import Request
from rest_framework.throttling import SimpleRateThrottle
from rest_framework.views import APIView

from flowercrm.phone import try_normalize_phone


class LoginIPThrottle(SimpleRateThrottle):
    scope = "login_ip"

    def get_cache_key(self, request: Request, view: APIView) -> str | None:
        return self.cache_format % {"scope": self.scope, "ident": self.get_ident(request)}


class LoginUserThrottle(SimpleRateThrottle):
    scope = "login_user"

    def get_cache_key(self, request: Request, view: APIView) -> str | None:
        data = request.data if isinstance(request.data, dict) else {}
        raw = data.get("username") or data.get("phone")
        if not isinstance(raw, str) or not raw.strip():
            return None
        ident = try_normalize_phone(raw) or raw.strip().casefold()[:254]
        return self.cache_format % {"scope": self.scope, "ident": ident}
