"""Tracking shows the street, never the house, flat, entrance, floor or intercom — whatever
order, markers and commas the address was typed with (ARCHITECTURE §4 "Tracking")."""

from __future__ import annotations

import pytest
from hypothesis import example, given, settings
from hypothesis import strategies as st

from apps.orders.models import Order
from apps.orders.tests.factories import make_order, make_product
from apps.orders.tracking import STREET_MARKERS, UNIT_MARKERS, street_only
from flowercrm.roles import Role


@pytest.mark.parametrize(
    ("address", "shown"),
    [
        ("ул. Абая 10, кв 5", "ул. Абая"),
        ("Абая 10/1 кв 5 подъезд 2 этаж 7", "Абая"),
        ("ул Абая д 10 кв 5", "ул Абая"),
        ("ул. Абая, д. 10, кв. 5", "ул. Абая"),
        ("г. Алматы, ул. Жандосова 12к2, кв. 40", "ул. Жандосова"),
        ("Абай даңғылы 10а үй, 5 пәтер", "Абай даңғылы"),
        ("Tole bi st. 10, apt 5, floor 3", "Tole bi st."),
        ("пр-т Назарбаева 223 кв 12 домофон 12К", "пр-т Назарбаева"),
        ("Абая № 10", "Абая"),
        ("мкр Самал-2, д 5, кв 7", ""),
        ("10 Абая", ""),
        ("", ""),
    ],
)
def test_street_only(address: str, shown: str) -> None:
    assert street_only(address) == shown


STREETS = ["Абая", "Жандосова", "Толе би", "Кабанбай батыра", "Әл-Фараби", "Tole bi", "Dostyk", "Сейфуллина"]
STREET_PREFIXES = ["", "ул.", "ул", "улица", "пр-т", "проспект", "st.", "ul."]
STREET_SUFFIXES = ["", "көшесі", "даңғылы", "street", "ave"]
HOUSE_MARKERS = ["", "д.", "д", "дом", "үй", "h.", "house", "№", "d."]
FLAT_MARKERS = ["кв", "кв.", "квартира", "пәтер", "apt", "apt.", "flat", "kv.", "оф."]
ENTRANCE_MARKERS = ["подъезд", "под.", "п.", "кіреберіс", "entrance"]
FLOOR_MARKERS = ["этаж", "эт.", "қабат", "floor"]
INTERCOM_MARKERS = ["домофон", "код", "intercom"]

numbers = st.integers(min_value=1, max_value=999).map(str)
house_numbers = st.one_of(
    numbers,
    st.tuples(numbers, numbers).map("/".join),  # 10/1
    st.tuples(numbers, st.sampled_from(["а", "б", "А", "a", "b"])).map("".join),  # 10а
    st.tuples(numbers, st.sampled_from(["к", "k", " к", "-"]), numbers).map("".join),  # 12к2
)


@st.composite
def addresses(draw: st.DrawFn) -> tuple[str, str, list[str]]:
    """``(address, street, numbers)``: a street and its house, flat, entrance, floor and intercom
    numbers in any order, with or without commas and markers."""
    street = " ".join(
        w
        for w in (
            draw(st.sampled_from(STREET_PREFIXES)),
            draw(st.sampled_from(STREETS)),
            draw(st.sampled_from(STREET_SUFFIXES)),
        )
        if w
    )
    house = draw(house_numbers)
    house_part = " ".join(w for w in (draw(st.sampled_from(HOUSE_MARKERS)), house) if w)
    units = []
    used = [house]
    for markers in (FLAT_MARKERS, ENTRANCE_MARKERS, FLOOR_MARKERS, INTERCOM_MARKERS):
        if draw(st.booleans()):
            value = draw(numbers)
            used.append(value)
            marker = draw(st.sampled_from(markers))
            units.append(f"{marker} {value}" if draw(st.booleans()) else f"{value} {marker}")
    units = draw(st.permutations(units))
    separator = draw(st.sampled_from([", ", " ", "; ", ",", " , "]))
    city = draw(st.sampled_from(["", "г. Алматы, ", "Алматы қ., "]))
    address = city + separator.join(
        [f"{street} {house_part}" if draw(st.booleans()) else f"{street}, {house_part}", *units]
    )
    return address, street, used


@settings(max_examples=400, deadline=None)
@given(addresses())
@example(("Абая 10/1 кв 5 подъезд 2 этаж 7", "Абая", ["10/1", "5", "2", "7"]))
def test_no_digit_of_the_house_or_flat_is_ever_shown(case: tuple[str, str, list[str]]) -> None:
    address, street, used = case
    shown = street_only(address)
    assert not any(ch.isdigit() for ch in shown), (address, shown)
    for number in used:
        assert number not in shown
    # Only words of the street are shown (no unit markers), and the street name when it came first.
    street_words = street.split()
    assert all(word in street_words for word in shown.split()), (address, shown)
    assert not {w.casefold().strip(".") for w in shown.split()} & UNIT_MARKERS, (address, shown)
    if not all(w.casefold().strip(".") in STREET_MARKERS for w in street_words):
        assert shown, address


@settings(max_examples=300, deadline=None)
@given(st.text(max_size=80))
def test_any_text_shows_no_digit(address: str) -> None:
    assert not any(ch.isdigit() for ch in street_only(address))


@pytest.mark.django_db
def test_the_tracking_page_shows_only_the_street(api, shop, member) -> None:
    office = member(Role.MANAGER)
    order = make_order(shop, office.user, make_product(shop), delivery_address="Абая 10/1 кв 5 подъезд 2 этаж 7")
    Order.objects.filter(pk=order.pk).update(delivery_entrance="2", delivery_floor="7", delivery_intercom="15К")
    body = api.get(f"/api/tracking/{order.tracking_token}/").json()
    assert body["address"] == "Абая"
    assert not any(ch.isdigit() for ch in body["address"])
