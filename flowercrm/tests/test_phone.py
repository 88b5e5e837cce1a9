import pytest
from django.core.exceptions import ValidationError
from hypothesis import given
from hypothesis import strategies as st

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
