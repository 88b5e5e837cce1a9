import random

import pytest
from django.core.exceptions import ValidationError
from hypothesis import given
from hypothesis import strategies as st

from flowercrm import phone
from flowercrm.phone import mask_phone, normalize_phone
from flowercrm.search import search_terms


@pytest.mark.parametrize(
    "raw",
    ["8 701 123 45 67", "+7 (701) 123-45-67", "77011234567", "87011234567", "+77011234567", " 8(701)1234567 "],
)
def test_common_formats_normalise_to_e164(raw: str) -> None:
    assert normalize_phone(raw) == "+77011234567"


def test_russian_and_foreign_numbers() -> None:
    assert normalize_phone("8 916 123 45 67") == "+79161234567"
    assert normalize_phone("+1 415 555 2671") == "+14155552671"


@pytest.mark.parametrize(
    "raw", ["", "   ", "12345", "abc", "+7 701 123 45 67 89 00", "7011234567x", "+999 123", "8" * 40, None, 77011234567]
)
def test_what_is_not_a_phone_is_rejected(raw: object) -> None:
    with pytest.raises(ValidationError):
        normalize_phone(raw)


@given(
    subscriber=st.integers(min_value=0, max_value=9_999_999),
    operator=st.sampled_from(["700", "701", "705", "707", "747", "775", "777"]),
)
def test_every_written_form_of_a_kazakh_mobile_is_the_same_number(subscriber: int, operator: str) -> None:
    digits = f"{operator}{subscriber:07d}"
    expected = f"+7{digits}"
    forms = [
        f"8{digits}",
        f"7{digits}",
        f"+7{digits}",
        f"+7 ({operator}) {digits[3:6]}-{digits[6:8]}-{digits[8:]}",
        f"8 {operator} {digits[3:6]} {digits[6:8]} {digits[8:]}",
    ]
    assert {normalize_phone(f) for f in forms} == {expected}


@given(st.text(max_size=40))
def test_normalise_never_crashes(raw: str) -> None:
    try:
        result = normalize_phone(raw)
    except ValidationError:
        return
    assert result.startswith("+") and result[1:].isdigit()


def test_mask_phone_shows_only_the_edges() -> None:
    assert mask_phone("+77011234521") == "+7 701 *** ** 21"


def test_search_terms_try_a_leading_8_as_7() -> None:
    assert search_terms("8 701 12") == ["8 701 12", "870112", "770112"]
    assert search_terms("Роза ФРИДОМ") == ["роза фридом"]


def _libphonenumber(raw: str) -> str | None:
    """The answer of the whole way through ``phonenumbers.parse`` (``None``: invalid)."""
    try:
        return phone._parse_phone(raw.strip(), "KZ")
    except ValidationError:
        return None


def _normalised(raw: str) -> str | None:
    try:
        return normalize_phone(raw)
    except ValidationError:
        return None


def _written_forms(national: str) -> list[str]:
    """A ten-digit national number written every way the fast path reads (and a few it does
    not): each prefix, each separator between the groups, the operator code in parentheses."""
    operator, a, b, c = national[:3], national[3:6], national[6:8], national[8:]
    forms = []
    for prefix in ("", "8", "7", "+7", "+7 ", "8 ", "8-", "7 ", "+8", "007", "+77", "87"):
        for sep in ("", " ", "-", "  ", ".", "--", " - "):
            for op in (operator, f"({operator})", f"({operator}", f"{operator})"):
                forms.append(f"{prefix}{op}{sep}{a}{sep}{b}{sep}{c}")
                forms.append(f"{prefix}{sep}{op}{sep}{a}{b}{c}")
        forms.append(f"{prefix}{national}")
        forms.append(f"{prefix}{national[:-1]}")  # nine digits
        forms.append(f"{prefix}{national}0")  # eleven
    return forms


def test_the_fast_path_answers_as_libphonenumber_over_every_form() -> None:
    """Every prefix (7xx operator codes 700..799, so the ranges that do not exist too), every
    separator, parentheses: the answer — a number or «invalid» — is exactly the one
    ``phonenumbers.parse`` + ``is_valid_number`` give, and the fast path served many forms."""
    rng = random.Random(14)
    fast_hits = checked = 0
    for operator in range(700, 800):
        national = f"{operator}{rng.randrange(10_000_000):07d}"
        for raw in _written_forms(national):
            checked += 1
            if phone._kazakh_fast_path(raw.strip(), "KZ") is not None:
                fast_hits += 1
            assert _normalised(raw) == _libphonenumber(raw), raw
    assert checked > 70_000
    assert fast_hits > 9_000


@given(st.text(alphabet="0123456789 +-()78", max_size=24))
def test_the_fast_path_never_disagrees_on_any_text(raw: str) -> None:
    assert _normalised(raw) == (_libphonenumber(raw) if raw.strip() else None)
