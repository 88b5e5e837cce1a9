"""Validate a real response body against the OpenAPI schema at /api/schema/ (§11.1 "The schema
tells the truth"), for the tests of the catalog, warehouse and supplies shapes."""

from __future__ import annotations

from functools import cache
from typing import Any

import jsonschema
from rest_framework.test import APIClient


def _json_schema(node: Any) -> Any:
    """OpenAPI 3.0 → JSON Schema: ``nullable: true`` becomes an explicit null alternative."""
    if isinstance(node, list):
        return [_json_schema(n) for n in node]
    if not isinstance(node, dict):
        return node
    converted = {k: _json_schema(v) for k, v in node.items() if k != "nullable"}
    if not node.get("nullable"):
        return converted
    if "type" in converted and "enum" not in converted:
        converted["type"] = [converted["type"], "null"]
        return converted
    return {"anyOf": [converted, {"type": "null"}]}


@cache
def _schema() -> dict[str, Any]:
    response = APIClient().get("/api/schema/?format=json")
    assert response.status_code == 200  # noqa: S101
    document: dict[str, Any] = response.json()
    return document


def assert_matches_schema(path: str, method: str, status: int, body: Any) -> None:
    """``body`` validates against the response schema of ``method path`` (a path template as
    the schema names it, e.g. ``/api/products/{id}/``) for ``status``."""
    document = _schema()
    operation = document["paths"][path][method.lower()]
    schema = operation["responses"][str(status)]["content"]["application/json"]["schema"]
    root = {**_json_schema(schema), "components": _json_schema(document["components"])}
    jsonschema.Draft7Validator(root).validate(body)
