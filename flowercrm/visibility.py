"""What each role may see of a resource: per-role output shapes (ARCHITECTURE §11.1 "Who sees
money", "The schema tells the truth").

One mechanism for every app:

- :func:`sees_costs` reads the role matrix (area ``costs``): only admins and managers see
  costs, margins, unit costs, purchase prices and supply amounts.
- :func:`narrowed` derives a role's shape from the full output serializer by dropping fields
  (and swapping nested serializers for their narrowed shapes). The derived class is a
  :class:`RoleShape`: its schema component is named after it (``ProductFloristSerializer`` →
  ``ProductFlorist``) and forbids other properties, so a full body never validates against
  it and a ``oneOf`` of the shapes stays unambiguous.
- :class:`RoleSerializerMixin` lets a view pick its output serializer by the caller's role
  (``role_serializer_classes``), and :func:`role_response` documents a path every role
  shares as a ``oneOf`` of its shapes.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any

from drf_spectacular.extensions import OpenApiSerializerExtension
from drf_spectacular.utils import PolymorphicProxySerializer
from rest_framework import serializers

from flowercrm import roles

COSTS_AREA = "costs"


def sees_costs(role: str | None) -> bool:
    """Whether ``role`` may see costs, margins, unit costs, purchase prices and supply amounts."""
    return roles.can(role, COSTS_AREA)


def without_costs(shape: type[serializers.BaseSerializer[Any]]) -> dict[str, type[serializers.BaseSerializer[Any]]]:
    """``role_serializer_classes`` giving ``shape`` to every role that may not see costs."""
    return {role: shape for role in roles.Role if not sees_costs(role)}


class RoleShape:
    """Marker of a narrowed per-role output shape (see :func:`narrowed`)."""


class RoleShapeExtension(OpenApiSerializerExtension):
    """A role's shape lists exactly its fields: ``additionalProperties: false``."""

    target_class = RoleShape
    match_subclasses = True

    def map_serializer(self, auto_schema: Any, direction: Any) -> Any:
        schema = auto_schema._map_serializer(self.target, direction, bypass_extensions=True)
        schema["additionalProperties"] = False
        return schema


def narrowed(
    serializer_class: type[serializers.BaseSerializer[Any]],
    *,
    name: str,
    drop: Iterable[str] = (),
    replace: Mapping[str, serializers.Field[Any, Any, Any, Any]] | None = None,
) -> type[Any]:
    """A subclass of ``serializer_class`` named ``name`` without the fields ``drop`` and with
    the nested fields of ``replace`` (e.g. ``{"components": ComponentFlorist(many=True,
    read_only=True)}``). Works for plain and model serializers."""
    dropped = set(drop)
    attrs: dict[str, Any] = {field: None for field in dropped}
    attrs.update(replace or {})
    attrs["__module__"] = serializer_class.__module__
    full = serializer_class.__name__.removesuffix("Serializer")
    attrs["__doc__"] = f"``{full}`` without {', '.join(sorted(dropped))} (a role that may not see them)."
    meta = getattr(serializer_class, "Meta", None)
    if meta is not None and isinstance(getattr(meta, "fields", None), (list, tuple)):
        fields = [f for f in meta.fields if f not in dropped]
        attrs["Meta"] = type("Meta", (meta,), {"fields": fields, "read_only_fields": fields})
    return type(name, (RoleShape, serializer_class), attrs)


class RoleSerializerMixin:
    """For a view: ``role_serializer_classes = {Role.FLORIST: XFloristSerializer}`` picks the
    output serializer of the caller's role; other roles get ``serializer_class``."""

    role_serializer_classes: Mapping[str, type[serializers.BaseSerializer[Any]]] = {}

    def get_serializer_class(self) -> type[serializers.BaseSerializer[Any]]:
        role = getattr(self, "role", None) if not getattr(self, "swagger_fake_view", False) else None
        if role is not None and role in self.role_serializer_classes:
            return self.role_serializer_classes[role]
        return super().get_serializer_class()  # type: ignore[misc]

    def output_serializer(self, instance: Any, **kwargs: Any) -> serializers.BaseSerializer[Any]:
        """The caller's output shape of ``instance`` (with the view's context)."""
        kwargs.setdefault("context", self.get_serializer_context())  # type: ignore[attr-defined]
        return self.get_serializer_class()(instance, **kwargs)


def role_response(
    full: type[serializers.Serializer[Any]],
    shapes: Iterable[type[serializers.Serializer[Any]]],
    *,
    component_name: str,
    many: bool | None = None,
) -> PolymorphicProxySerializer:
    """A ``oneOf`` of the full shape and the narrowed ones, for ``extend_schema(responses=…)``."""
    return PolymorphicProxySerializer(
        component_name=component_name,
        serializers=[full, *shapes],
        resource_type_field_name=None,
        many=many,
    )
