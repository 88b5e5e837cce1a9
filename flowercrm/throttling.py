"""The two throttle shapes of the API's public doors (login, sign-up, the storefront). Both
count in the cache — Redis in production, so a limit holds across workers — and take the
client address as DRF does (``NUM_PROXIES`` = ``TRUSTED_PROXY_COUNT`` behind a proxy)."""

from __future__ import annotations

import hashlib

from rest_framework.request import Request
from rest_framework.throttling import SimpleRateThrottle
from rest_framework.views import APIView


class AddressThrottle(SimpleRateThrottle):
    """Per client address, logged in or not. Subclasses set ``scope``."""

    def get_cache_key(self, request: Request, view: APIView) -> str | None:
        return self.cache_format % {"scope": self.scope, "ident": self.get_ident(request)}


class KeyedThrottle(SimpleRateThrottle):
    """Per a value the request names (a username, a buyer's phone), from however many
    addresses; ``ident_of`` returns it, or None for a request this throttle does not count."""

    def ident_of(self, request: Request) -> str | None:
        raise NotImplementedError

    def get_cache_key(self, request: Request, view: APIView) -> str | None:
        key = self.ident_of(request)
        if key is None:
            return None
        # Hashed: the raw text may hold spaces or be longer than a cache key may be.
        digest = hashlib.sha256(key.encode()).hexdigest()
        return self.cache_format % {"scope": self.scope, "ident": digest}
