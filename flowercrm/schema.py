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
