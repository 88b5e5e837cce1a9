"""Phone numbers: every phone is stored in E.164 (``+77011234567``).

Parsing is libphonenumber's (``phonenumberslite``): it knows trunk prefixes (``8 701…``),
numbers written with the country code but no plus (``7701…``) and which ranges exist.
"""

from __future__ import annotations

import phonenumbers
from django.conf import settings
from django.core.exceptions import ValidationError
from django.utils.translation import gettext

MAX_PHONE_INPUT = 32


def normalize_phone(raw: object, *, region: str | None = None) -> str:
    """Return ``raw`` as E.164 or raise ``ValidationError`` if it is not a phone number."""
    if not isinstance(raw, str):
        raise ValidationError(gettext("Give the phone number as a string."), code="invalid")
    text = raw.strip()
    if not text or len(text) > MAX_PHONE_INPUT:
        raise ValidationError(gettext("Invalid phone number."), code="invalid")
    if any(ch.isalpha() for ch in text):
        raise ValidationError(gettext("Invalid phone number."), code="invalid")
    try:
        number = phonenumbers.parse(text, region or settings.DEFAULT_PHONE_REGION)
    except phonenumbers.NumberParseException:
        raise ValidationError(gettext("Invalid phone number."), code="invalid") from None
    if not phonenumbers.is_valid_number(number):
        raise ValidationError(gettext("Invalid phone number."), code="invalid")
    return phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.E164)


def try_normalize_phone(raw: object) -> str | None:
    try:
        return normalize_phone(raw)
    except ValidationError:
        return None


def phone_digits(value: str) -> str:
    return "".join(ch for ch in value if ch.isdigit())


def mask_phone(e164: str) -> str:
    """``+77011234521`` → ``+7 701 *** ** 21`` (what a public page may show)."""
    digits = phone_digits(e164)
    if len(digits) < 6:
        return "***"
    country, rest = (digits[0], digits[1:]) if digits.startswith("7") else (digits[:-10] or digits[:1], digits[-10:])
    return f"+{country} {rest[:3]} *** ** {rest[-2:]}"
