"""Phone numbers: every phone is stored in E.164 (``+77011234567``).

Parsing is libphonenumber's (``phonenumberslite``): it knows trunk prefixes (``8 701…``),
numbers written with the country code but no plus (``7701…``) and which ranges exist.

A file import normalises 100,000 phones, and ``phonenumbers.parse`` takes most of the time
of a row. The common ways a Kazakh number is written (``8 701 123 45 67``,
``+7 (701) 123-45-67``, ``77011234567``, ``7011234567``) are therefore read by one regular
expression into the number libphonenumber would parse, and only its validity (which ranges
exist) is asked of libphonenumber; anything else goes the whole way through ``parse``.
``flowercrm/tests/test_phone.py`` proves both ways give the same answer over every
combination of prefix, separator and range.
"""

from __future__ import annotations

import re

import phonenumbers
from django.conf import settings
from django.core.exceptions import ValidationError
from django.utils.translation import gettext

MAX_PHONE_INPUT = 32

# ``+7``, ``8`` (the trunk prefix) or ``7`` or nothing, then a Kazakh national number
# (``7xx`` and seven digits) in groups of 3-3-2-2 with at most one space or hyphen between
# groups and the operator code optionally in parentheses. ASCII digits only.
_KZ_WRITTEN = re.compile(
    r"(?:\+7|8|7)?[ -]?(?:\((7[0-9]{2})\)|(7[0-9]{2}))[ -]?([0-9]{3})[ -]?([0-9]{2})[ -]?([0-9]{2})"
)


def _kazakh_fast_path(text: str, region: str) -> str | None:
    """``text`` in E.164 when it is a Kazakh number written a common way (``""`` when written
    that way but not a number that exists); ``None``: not such a text, ask ``parse``."""
    if region != "KZ":
        return None
    match = _KZ_WRITTEN.fullmatch(text)
    if match is None:
        return None
    operator, rest = match.group(1) or match.group(2), match.group(3, 4, 5)
    national = operator + "".join(rest)
    number = phonenumbers.PhoneNumber(country_code=7, national_number=int(national))
    return f"+7{national}" if phonenumbers.is_valid_number(number) else ""


def normalize_phone(raw: object, *, region: str | None = None) -> str:
    """Return ``raw`` as E.164 or raise ``ValidationError`` if it is not a phone number."""
    if not isinstance(raw, str):
        raise ValidationError(gettext("Give the phone number as a string."), code="invalid")
    text = raw.strip()
    if not text or len(text) > MAX_PHONE_INPUT:
        raise ValidationError(gettext("Invalid phone number."), code="invalid")
    if any(ch.isalpha() for ch in text):
        raise ValidationError(gettext("Invalid phone number."), code="invalid")
    region = region or settings.DEFAULT_PHONE_REGION
    fast = _kazakh_fast_path(text, region)
    if fast is not None:
        if not fast:
            raise ValidationError(gettext("Invalid phone number."), code="invalid")
        return fast
    return _parse_phone(text, region)


def _parse_phone(text: str, region: str) -> str:
    """``text`` (stripped, no letters) through libphonenumber's ``parse``, as E.164."""
    try:
        number = phonenumbers.parse(text, region)
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
