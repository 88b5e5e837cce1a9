"""Warnings, not silence (ARCHITECTURE §11.1): what a write allows but is probably a mistake.

Services return them as ``[{"code", "message"}]``; the API answers them as ``"warnings"``
beside the object (``flowercrm.serializers.WarningSerializer``), the admin shows them as
warning messages (``ShopScopedAdmin.warn``).
"""

from __future__ import annotations

from typing import TypedDict


class Warning(TypedDict):  # noqa: A001 - the contract's name for it
    code: str
    message: str
