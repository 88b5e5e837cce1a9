"""How kernel field types are documented (``flowercrm.schema``): the schema must admit every
value the API answers — ``HH:MM`` times, blank optional choices and e-mails."""

from __future__ import annotations

from typing import Any

import pytest
from django.urls import path
from drf_spectacular.generators import SchemaGenerator
from drf_spectacular.utils import extend_schema
from rest_framework import serializers
from rest_framework.response import Response
from rest_framework.views import APIView

from apps.customers.models import Customer
from flowercrm.schema import HOUR_MINUTE_PATTERN


class WindowSerializer(serializers.Serializer[Any]):
    time_from = serializers.TimeField(format="%H:%M", allow_null=True)
    email = serializers.EmailField(allow_blank=True, max_length=254, required=False)
    strict_email = serializers.EmailField()
    kind = serializers.ChoiceField(choices=["a", "b"])
    optional_kind = serializers.ChoiceField(choices=["a", "b"], allow_blank=True)


class CustomerOutSerializer(serializers.ModelSerializer[Customer]):
    class Meta:
        model = Customer
        fields = ["id", "source", "email"]
        read_only_fields = fields


class WindowView(APIView):
    @extend_schema(request=WindowSerializer, responses=CustomerOutSerializer, operation_id="window")
    def post(self, request: Any) -> Response:  # pragma: no cover - only for the schema
        return Response()


@pytest.fixture(scope="module")
def components() -> dict[str, Any]:
    schema = SchemaGenerator(patterns=[path("api/window/", WindowView.as_view())]).get_schema(request=None, public=True)
    return schema["components"]["schemas"]  # type: ignore[no-any-return]


def test_times_are_hh_mm_strings_not_iso_time(components) -> None:
    field = components["WindowRequest"]["properties"]["time_from"]
    assert field["type"] == "string" and field["pattern"] == HOUR_MINUTE_PATTERN
    assert "format" not in field
    assert field["nullable"] is True


def test_an_optional_email_admits_the_blank_and_a_required_one_does_not(components) -> None:
    props = components["WindowRequest"]["properties"]
    assert props["email"] == {
        "anyOf": [{"type": "string", "format": "email", "maxLength": 254}, {"type": "string", "maxLength": 0}]
    }
    assert props["strict_email"]["format"] == "email" and "anyOf" not in props["strict_email"]


def test_read_only_fields_over_blank_columns_admit_the_blank(components) -> None:
    props = components["CustomerOut"]["properties"]
    assert {"$ref": "#/components/schemas/BlankEnum"} in props["source"]["oneOf"]
    assert {"type": "string", "maxLength": 0} in props["email"]["anyOf"]
    assert components["BlankEnum"] == {"enum": [""]}


def test_choices_that_cannot_be_blank_stay_strict(components) -> None:
    props = components["WindowRequest"]["properties"]
    assert props["kind"] == {"$ref": "#/components/schemas/KindEnum"}
    assert components["KindEnum"]["enum"] == ["a", "b"]
    assert {"$ref": "#/components/schemas/BlankEnum"} in props["optional_kind"]["oneOf"]


def test_every_documented_error_has_the_error_body() -> None:
    schema = SchemaGenerator().get_schema(request=None, public=True)
    upload = schema["paths"]["/api/upload/image/"]["post"]["responses"]
    assert {"413", "415", "429"} <= set(upload)
    missing = [
        (path, method, status)
        for path, operations in schema["paths"].items()
        for method, operation in operations.items()
        if isinstance(operation, dict)
        for status, response in operation.get("responses", {}).items()
        if str(status)[0] in "45" and "content" not in response
    ]
    assert missing == []
    assert upload["413"]["content"]["application/json"]["schema"] == {"$ref": "#/components/schemas/Error"}
