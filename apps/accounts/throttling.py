"""Login throttles: per username (so one account cannot be brute-forced from many
addresses) and per client address. They count in the cache — Redis in production, so the
limit holds across workers."""

from __future__ import annotations

from rest_framework.request import Request

from flowercrm.phone import try_normalize_phone
from flowercrm.throttling import AddressThrottle, KeyedThrottle


class LoginIPThrottle(AddressThrottle):
    scope = "login_ip"


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


class LoginUserThrottle(KeyedThrottle):
    scope = "login_user"

    def ident_of(self, request: Request) -> str | None:
        username = login_username(request.data)
        if username is None:
            return None
        return try_normalize_phone(username) or username.casefold()
