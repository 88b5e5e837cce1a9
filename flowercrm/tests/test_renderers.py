"""``FastJSONRenderer`` (orjson) writes the bytes DRF's ``JSONRenderer`` wrote: on every kind
of value a view may hand it, and on the API's own answers."""

from __future__ import annotations

import datetime as dt
import json
import uuid
import zoneinfo
from collections import OrderedDict
from decimal import Decimal
from typing import Any

import pytest
from django.conf import settings
from django.utils.translation import gettext_lazy
from rest_framework.renderers import JSONRenderer
from rest_framework.utils.serializer_helpers import ReturnDict, ReturnList

from apps.customers.tests.factories import CustomerFactory
from apps.orders.tests.factories import make_order
from flowercrm.renderers import FastJSONRenderer
from flowercrm.roles import Role

ALMATY = zoneinfo.ZoneInfo("Asia/Almaty")

VALUES: list[Any] = [
    {"when": dt.datetime(2026, 11, 30, 5, 1, 2, 345678, tzinfo=dt.UTC)},  # milliseconds, "Z"
    dt.datetime(2026, 11, 30, 10, 1, 2, tzinfo=ALMATY),
    dt.datetime(2026, 11, 30, 10, 1, 2, 1000),  # naive
    dt.date(2026, 2, 28),
    dt.time(10, 0),
    dt.time(10, 0, 5, 123456),
    dt.timedelta(hours=1, seconds=3),
    Decimal("15000.00"),  # a bare Decimal: a JSON number, as DRF's encoder writes it
    Decimal("0.1"),
    Decimal("-12.345"),
    Decimal("1E+20"),
    uuid.UUID("12345678-1234-5678-1234-567812345678"),
    gettext_lazy("order"),
    {"Роза": "Фридом", "quote": '"\\/', "controls": "\x00\x01\x1f\t\n\r\b\f\x7f", "emoji": "🌹"},
    "line\u2028separator\u2029paragraph",
    {1: "int key", 2.5: "float key", False: "bool key", None: "none key"},
    [1, -1, 0, 2**63 - 1, -(2**63), 1.5, -0.0, 0.001, 123456789.125, 99.9, True, False, None],
    (1, (2, 3)),
    ReturnDict({"a": 1}, serializer=None),
    ReturnList([{"b": 2}], serializer=None),
    OrderedDict([("z", 1), ("a", 2)]),
    2**70,  # beyond 64 bits: DRF's renderer writes it
    "",
    [],
    {},
]


@pytest.mark.parametrize("value", VALUES, ids=range(len(VALUES)))
def test_the_same_bytes_as_drf(value: Any) -> None:
    assert FastJSONRenderer().render(value) == JSONRenderer().render(value)


def test_floats_in_exponent_form_are_the_same_numbers() -> None:
    """The one difference: orjson spells ``1e-07`` as ``1e-7`` (the API writes money and
    quantities as strings and integers; a float this small or large is not in its answers)."""
    data = [1e-07, 1e16, 1.5e300]
    assert json.loads(FastJSONRenderer().render(data)) == json.loads(JSONRenderer().render(data)) == data


def test_indent_and_none_as_drf() -> None:
    data = {"items": [1, {"a": "б"}], "total": 1}
    media = "application/json; indent=2"
    assert FastJSONRenderer().render(data, media) == JSONRenderer().render(data, media)
    assert FastJSONRenderer().render(None) == JSONRenderer().render(None) == b""


def test_what_drf_refuses_it_refuses() -> None:
    with pytest.raises(ValueError):
        FastJSONRenderer().render({"x": Decimal("NaN")})
    with pytest.raises(TypeError):
        FastJSONRenderer().render({"x": object()})


def test_it_is_the_api_renderer() -> None:
    assert settings.REST_FRAMEWORK["DEFAULT_RENDERER_CLASSES"] == ["flowercrm.renderers.FastJSONRenderer"]


@pytest.mark.django_db
def test_the_api_answers_are_drf_bytes(shop, member, api_as) -> None:
    """Each answer's body is what DRF's renderer makes of the view's data: lists, a detail
    with events and payments, lazy labels (meta), errors (404, 400)."""
    office = member(Role.MANAGER)
    CustomerFactory(shop=shop, name="Айгерим")
    order = make_order(shop, office.user, payments=("100",))
    client = api_as(office)
    paths = [
        "/api/orders/",
        f"/api/orders/{order.pk}/",
        "/api/customers/",
        "/api/products/",
        "/api/warehouse/items/",
        "/api/production/tasks/",
        "/api/users/",
        "/api/meta/",
        "/api/auth/me",
        "/api/shops/current/",
        "/api/orders/999999999/",
        "/api/orders/?limit=0",
    ]
    for path in paths:
        for language in ("ru", "en"):
            response = client.get(path, HTTP_ACCEPT_LANGUAGE=language)
            assert response.status_code in (200, 400, 404), path
            assert response.content == JSONRenderer().render(response.data), path
    created = client.post(f"/api/orders/{order.pk}/comments/", {"text": "Позвонить\u2028заранее"}, format="json")
    assert created.status_code == 201
    assert created.content == JSONRenderer().render(created.data)
    assert b"\\u2028" in created.content
