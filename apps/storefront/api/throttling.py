"""Storefront throttles (``flowercrm.throttling``): per client address and, for the
checkout, per buyer phone in any format."""

from __future__ import annotations

from rest_framework.request import Request

from flowercrm.phone import try_normalize_phone
from flowercrm.throttling import AddressThrottle, KeyedThrottle


class StorefrontReadThrottle(AddressThrottle):
    """The catalogue reads, per client address."""

    scope = "storefront"


class CheckoutAddressThrottle(AddressThrottle):
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


class CheckoutPhoneThrottle(KeyedThrottle):
    """Orders placed for one buyer phone, from however many addresses: a body without a valid
    phone is not counted here (it is a 400 anyway)."""

    scope = "storefront_checkout_phone"

    def ident_of(self, request: Request) -> str | None:
        return checkout_phone(request.data)
