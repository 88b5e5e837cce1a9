"""Storefront throttles, in the style of ``apps.accounts.throttling``: per client address
(``NUM_PROXIES`` = ``TRUSTED_PROXY_COUNT`` behind a proxy) and, for the checkout, per buyer
phone in any format. They count in the cache — Redis in production, so a limit holds across
workers."""

from __future__ import annotations

import hashlib

from rest_framework.request import Request
from rest_framework.throttling import SimpleRateThrottle
from rest_framework.views import APIView

from flowercrm.phone import try_normalize_phone


class _AddressThrottle(SimpleRateThrottle):
    def get_cache_key(self, request: Request, view: APIView) -> str | None:
        return self.cache_format % {"scope": self.scope, "ident": self.get_ident(request)}


class StorefrontReadThrottle(_AddressThrottle):
    """The catalogue reads, per client address."""

    scope = "storefront"


class CheckoutAddressThrottle(_AddressThrottle):
    """Orders placed from one client address."""

    scope = "storefront_checkout"


def checkout_phone(data: object) -> str | None:
    """The buyer's phone of a checkout body (``customer.phone``), as E.164 when it is one."""
    if not isinstance(data, dict):
        return None
    customer = data.get("customer")
    raw = customer.get("phone") if isinstance(customer, dict) else None
    if isinstance(raw, bool) or not isinstance(raw, (str, int)):
        return None
    return try_normalize_phone(str(raw))


class CheckoutPhoneThrottle(SimpleRateThrottle):
    """Orders placed for one buyer phone, from however many addresses: a body without a valid
    phone is not counted here (it is a 400 anyway)."""

    scope = "storefront_checkout_phone"

    def get_cache_key(self, request: Request, view: APIView) -> str | None:
        phone = checkout_phone(request.data)
        if phone is None:
            return None
        digest = hashlib.sha256(phone.encode()).hexdigest()
        return self.cache_format % {"scope": self.scope, "ident": digest}
