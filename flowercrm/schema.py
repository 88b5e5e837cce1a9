"""OpenAPI extensions: how our authentication classes and kernel field types appear in the schema."""

from typing import Any

from django.core.exceptions import FieldDoesNotExist
from django.db import models
from drf_spectacular.extensions import OpenApiAuthenticationExtension, OpenApiSerializerFieldExtension
from drf_spectacular.openapi import AutoSchema
from drf_spectacular.plumbing import build_basic_type
from drf_spectacular.types import OpenApiTypes


class ShopJWTScheme(OpenApiAuthenticationExtension):
    target_class = "flowercrm.auth.ShopJWTAuthentication"
    name = "bearerAuth"

    def get_security_definition(self, auto_schema: AutoSchema) -> dict[str, Any]:
        return {
            "type": "http",
            "scheme": "bearer",
            "bearerFormat": "JWT",
            "description": "Access token from /api/auth/login; carries the active shop.",
        }


class PublicScheme(OpenApiAuthenticationExtension):
    target_class = "flowercrm.auth.PublicEndpoint"
    name = "public"
    priority = 1

    def get_security_requirement(self, auto_schema: AutoSchema) -> list[dict[str, Any]]:
        return []

    def get_security_definition(self, auto_schema: AutoSchema) -> dict[str, Any]:
        return {}


HOUR_MINUTE_PATTERN = r"^\d{2}:\d{2}$"


class HourMinuteTimeScheme(OpenApiSerializerFieldExtension):
    """Every time of day in the API is ``HH:MM`` wall-clock time (ARCHITECTURE §4), not the
    ISO ``format: time`` (``HH:MM:SS[.ffffff]``) drf-spectacular documents for a ``TimeField``."""

    target_class = "rest_framework.fields.TimeField"
    match_subclasses = True

    def map_serializer_field(self, auto_schema: AutoSchema, direction: str) -> dict[str, Any]:
        schema: dict[str, Any] = build_basic_type(OpenApiTypes.STR) or {"type": "string"}
        return {**schema, "pattern": HOUR_MINUTE_PATTERN, "example": "10:00"}


def may_be_blank(field: Any) -> bool:
    """Whether a string field can carry ``""``: it accepts blank input, or it is a read-only
    field over a model column with ``blank=True`` (DRF drops ``allow_blank`` from read-only
    fields, so the schema would otherwise promise a value the API does not always have)."""
    if getattr(field, "allow_blank", False):
        return True
    if not getattr(field, "read_only", False):
        return False
    model = getattr(getattr(getattr(field, "parent", None), "Meta", None), "model", None)
    source = getattr(field, "source", "")
    if model is None or not source or source == "*" or "." in source:
        return False
    try:
        model_field = model._meta.get_field(source)
    except FieldDoesNotExist:
        return False
    return isinstance(model_field, models.CharField | models.TextField) and model_field.blank


class BlankableChoiceScheme(OpenApiSerializerFieldExtension):
    """A choice that may be blank documents ``""`` beside its choices (drf-spectacular's enum
    hook then splits it into ``oneOf: [<Enum>, BlankEnum]``)."""

    target_class = "rest_framework.fields.ChoiceField"
    match_subclasses = True

    def map_serializer_field(self, auto_schema: AutoSchema, direction: str) -> dict[str, Any]:
        schema: dict[str, Any] = auto_schema._map_serializer_field(self.target, direction, bypass_extensions=True)
        enum = schema.get("enum")
        if isinstance(enum, list) and "" not in enum and may_be_blank(self.target):
            schema["enum"] = [*enum, ""]
        return schema


class BlankableEmailScheme(OpenApiSerializerFieldExtension):
    """An optional e-mail is an address or ``""``: ``format: email`` alone refuses the blank."""

    target_class = "rest_framework.fields.EmailField"
    match_subclasses = True

    def map_serializer_field(self, auto_schema: AutoSchema, direction: str) -> dict[str, Any]:
        schema: dict[str, Any] = auto_schema._map_serializer_field(self.target, direction, bypass_extensions=True)
        if schema.get("format") != "email" or not may_be_blank(self.target):
            return schema
        address: dict[str, Any] = {"type": "string", "format": "email"}
        if getattr(self.target, "max_length", None):
            address["maxLength"] = self.target.max_length
        # No top-level "type": drf-spectacular would put "format: email" back beside the anyOf.
        return {"anyOf": [address, {"type": "string", "maxLength": 0}]}


ERROR_SCHEMA: dict[str, Any] = {
    "type": "object",
    "description": "Every error: a human text and a machine code; `errors` for validation (nested like the "
    "payload), `missing` for stock shortages.",
    "required": ["detail", "code"],
    "properties": {
        "detail": {"type": "string"},
        "code": {"type": "string", "example": "invalid"},
        "errors": {"type": "object", "additionalProperties": True},
        "missing": {
            "type": "array",
            "items": {
                "type": "object",
                "properties": {
                    "stock_item_id": {"type": "integer"},
                    "name": {"type": "string"},
                    "needed": {"type": "integer"},
                    "on_hand": {"type": "integer"},
                },
            },
        },
    },
}
COMMON_ERRORS = {
    "400": "Invalid input (nothing was written)",
    "401": "Not authenticated, or the token or membership is no longer valid",
    "403": "The caller's role may not do this",
    "404": "Not found (another shop's objects too)",
    "429": "Throttled (see Retry-After)",
}
WRITE_ERRORS = {"409": "Conflicts with the current state (transition, stock, protected row)"}
BODY_ERRORS = {
    "413": "The request body is over the size limit",
    "415": "Unsupported media type (bodies are JSON, uploads multipart)",
}


def add_error_responses(result: dict[str, Any], generator: Any, request: Any, public: bool) -> dict[str, Any]:
    """drf-spectacular postprocessing hook: document the one error body on every operation."""
    result.setdefault("components", {}).setdefault("schemas", {})["Error"] = ERROR_SCHEMA
    ref = {"application/json": {"schema": {"$ref": "#/components/schemas/Error"}}}
    for operations in result.get("paths", {}).values():
        for method, operation in operations.items():
            if not isinstance(operation, dict) or "responses" not in operation:
                continue
            errors = {**COMMON_ERRORS, **(WRITE_ERRORS if method in ("post", "put", "patch", "delete") else {})}
            if "requestBody" in operation:
                errors |= BODY_ERRORS
            for status, description in errors.items():
                operation["responses"].setdefault(status, {"description": description, "content": ref})
            for status, response in operation["responses"].items():
                # An error a view documents by description only (413, 415…) has the one body too.
                if str(status).startswith(("4", "5")) and "content" not in response:
                    response["content"] = ref
    return result
