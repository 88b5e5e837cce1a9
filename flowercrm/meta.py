"""A registry of the enums the API exposes at ``GET /api/meta/`` with Russian and English labels.

Apps register their choices in ``AppConfig.ready``; the view lists them all. The labels are the
choices' own (``gettext_lazy``) labels, read once in each language from the catalogs, so a label
is written once, in English, and translated in ``locale/``.
"""

from __future__ import annotations

from django.db import models
from django.utils import translation

# The languages of ``/api/meta/``: every entry carries a label in each, whatever the request's.
META_LANGUAGES = ("ru", "en")

_REGISTRY: dict[str, type[models.Choices]] = {}


def register(name: str, choices: type[models.Choices]) -> None:
    """Expose ``choices`` as ``name``."""
    _REGISTRY[name] = choices


def _labels(choices: type[models.Choices], language: str) -> list[str]:
    with translation.override(language):
        return [str(choice.label) for choice in choices]


def enum_entries(choices: type[models.Choices]) -> list[dict[str, str]]:
    """``[{"value", "ru", "en"}, ...]`` in the order the choices are declared."""
    labels = {language: _labels(choices, language) for language in META_LANGUAGES}
    return [
        {"value": str(choice.value), **{language: labels[language][i] for language in META_LANGUAGES}}
        for i, choice in enumerate(choices)
    ]


def all_enums() -> dict[str, list[dict[str, str]]]:
    return {name: enum_entries(choices) for name, choices in sorted(_REGISTRY.items())}
