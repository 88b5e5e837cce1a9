"""A registry of the enums the API exposes at ``GET /api/meta/`` with Russian and English labels.

Apps register their choices in ``AppConfig.ready``; the view lists them all.
"""

from __future__ import annotations

from collections.abc import Mapping

from django.db import models

_REGISTRY: dict[str, list[dict[str, str]]] = {}


def register(name: str, choices: type[models.Choices], *, en: Mapping[str, str]) -> None:
    """Expose ``choices`` as ``name``; ``en`` gives the English label of every value."""
    missing = [c.value for c in choices if c.value not in en]
    if missing:
        raise ValueError(f"{name}: no English label for {missing}")
    _REGISTRY[name] = [{"value": str(c.value), "ru": str(c.label), "en": en[c.value]} for c in choices]


def all_enums() -> dict[str, list[dict[str, str]]]:
    return dict(sorted(_REGISTRY.items()))
