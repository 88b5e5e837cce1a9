"""One way to apply input to a model (HackSoft's ``model_update``, with the diff our event log
needs): the allowed fields, the model's own validation, the before/after of what changed.

Services call :func:`model_update` (and :func:`model_validate` for a new row) instead of their
own ``setattr`` loops; serializers check the input's shape, services keep the rules that span
rows.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from decimal import Decimal
from functools import lru_cache
from typing import Any, TypeVar

from django.core.exceptions import ValidationError
from django.db.models import ForeignKey, Model

from flowercrm.errors import Invalid

M = TypeVar("M", bound=Model)


def jsonable(value: Any) -> Any:
    """A value as the event log stores it: dates ISO, times ``HH:MM``, money strings, rows by id."""
    if isinstance(value, dt.datetime):
        return value.isoformat()
    if isinstance(value, dt.time):
        return value.isoformat(timespec="minutes")
    if isinstance(value, dt.date):
        return value.isoformat()
    if isinstance(value, Decimal):
        return str(value)
    if isinstance(value, Model):
        return value.pk
    return value


@dataclass
class Changes:
    """What an update changed: ``before``/``after`` by field name (JSON-ready values)."""

    before: dict[str, Any] = field(default_factory=dict)
    after: dict[str, Any] = field(default_factory=dict)

    def __bool__(self) -> bool:
        return bool(self.after)

    @property
    def fields(self) -> list[str]:
        return list(self.after)

    def add(self, name: str, before: Any, after: Any) -> None:
        """Record a change the service made by itself (e.g. a list of items replaced)."""
        self.before[name], self.after[name] = jsonable(before), jsonable(after)

    def merge(self, other: Changes) -> Changes:
        self.before.update(other.before)
        self.after.update(other.after)
        return self

    def as_event_data(self) -> dict[str, Any]:
        return {"before": self.before, "after": self.after}


def _current(instance: Model, name: str) -> Any:
    model_field = instance._meta.get_field(name)
    if isinstance(model_field, ForeignKey):
        # Compare rows by id without loading them (``customer`` ↔ ``customer_id``).
        return getattr(instance, model_field.attname)
    return getattr(instance, name)


def _incoming(instance: Model, name: str, value: Any) -> Any:
    model_field = instance._meta.get_field(name)
    if isinstance(model_field, ForeignKey) and isinstance(value, Model):
        return value.pk
    return value


def model_validate(instance: Model, *, exclude: Iterable[str] = ()) -> None:
    """The model's own field rules (lengths, choices, formats, ``clean()``) as a 400 with the
    errors by field. Uniqueness and constraints are the database's and the services' (they
    know which field an error belongs to)."""
    try:
        instance.full_clean(exclude=list(exclude), validate_unique=False, validate_constraints=False)
    except ValidationError as exc:
        raise Invalid(exc.message_dict if hasattr(exc, "error_dict") else {"non_field_errors": exc.messages}) from None


def values_validate(model: type[M], values: Mapping[str, Any], *, exclude: Iterable[str] = ()) -> dict[str, Any]:
    """:func:`model_validate` of a new ``model(**values)`` — the same errors by field — without
    building the row, for bulk writes: each field's own rules (``Field.clean``: type, length,
    choices, validators, blank) for the given values, and for every other field its default
    (what the new row would hold). Answers the values as cleaned. A model with its own
    ``clean()`` (rules across fields) is built and validated whole."""
    if model.clean is not Model.clean:
        instance = model(**values)
        model_validate(instance, exclude=exclude)
        return {name: getattr(instance, name) for name in values}
    skipped = set(exclude)
    cleaned: dict[str, Any] = {}
    errors: dict[str, list[str]] = {}
    for name, value in values.items():
        cleaned[name] = value
        if name not in skipped:
            value = _field_clean(model._meta.get_field(name), value, errors)
            if value is not _REFUSED:
                cleaned[name] = value
    for model_field, default in _defaults_to_check(model):
        if model_field.name not in values and model_field.name not in skipped:
            _field_clean(model_field, default, errors)
    if errors:
        raise Invalid(errors)
    return cleaned


_REFUSED = object()


def _field_clean(model_field: Any, value: Any, errors: dict[str, list[str]]) -> Any:
    """One field as ``Model.clean_fields`` checks it (a blank value of a blank field passes)."""
    if model_field.blank and value in model_field.empty_values:
        return value
    try:
        return model_field.clean(value, None)
    except ValidationError as exc:
        errors[model_field.name] = list(exc.messages)
        return _REFUSED


@lru_cache(maxsize=64)
def _defaults_to_check(model: type[Model]) -> list[tuple[Any, Any]]:
    """The concrete fields whose default ``clean_fields`` refuses, with that default (a
    default's validity does not change: found once per model; the messages are made at each
    call, in the active language)."""
    found = []
    for model_field in model._meta.concrete_fields:
        default = model_field.get_default()
        if _field_clean(model_field, default, {}) is _REFUSED:
            found.append((model_field, default))
    return found


def model_update(
    *,
    instance: M,
    fields: Iterable[str],
    data: Mapping[str, Any],
    validate: bool = True,
    exclude_validation: Iterable[str] = (),
    save: bool = True,
) -> Changes:
    """Apply ``data[name]`` for every allowed ``name`` present in ``data``; validate the row;
    save only what changed (and ``updated_at`` when the model has it).

    Returns the :class:`Changes` (empty when nothing changed: nothing is saved). A foreign key
    is compared by id. ``validate=False`` leaves validation to the caller (who changes more
    before saving); ``save=False`` leaves the saving too.
    """
    changes = Changes()
    for name in fields:
        if name not in data:
            continue
        old, new = _current(instance, name), _incoming(instance, name, data[name])
        if old != new:
            changes.add(name, old, new)
            setattr(instance, name, data[name])
    if not changes:
        return changes
    if validate:
        model_validate(instance, exclude=exclude_validation)
    if save:
        update_fields = [instance._meta.get_field(name).name for name in changes.fields]
        if any(f.name == "updated_at" for f in instance._meta.concrete_fields):
            update_fields.append("updated_at")
        instance.save(update_fields=update_fields)
    return changes
