"""OpenAPI extensions: how our authentication classes appear in the schema."""

from typing import Any

from drf_spectacular.extensions import OpenApiAuthenticationExtension
from drf_spectacular.openapi import AutoSchema


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


def add_error_responses(result: dict[str, Any], generator: Any, request: Any, public: bool) -> dict[str, Any]:
    """drf-spectacular postprocessing hook: document the one error body on every operation."""
    result.setdefault("components", {}).setdefault("schemas", {})["Error"] = ERROR_SCHEMA
    ref = {"application/json": {"schema": {"$ref": "#/components/schemas/Error"}}}
    for operations in result.get("paths", {}).values():
        for method, operation in operations.items():
            if not isinstance(operation, dict) or "responses" not in operation:
                continue
            errors = {**COMMON_ERRORS, **(WRITE_ERRORS if method in ("post", "put", "patch", "delete") else {})}
            for status, description in errors.items():
                operation["responses"].setdefault(status, {"description": description, "content": ref})
    return result
