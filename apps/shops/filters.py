from __future__ import annotations

from typing import Any

import django_filters
from django import forms
from django.utils.translation import gettext

from apps.shops.models import Membership, MembershipStatus
from flowercrm.filters import CommaListFilter
from flowercrm.roles import Role

_BOOLEANS = {"true": True, "1": True, "false": False, "0": False}


class _StrictBooleanField(forms.NullBooleanField):
    widget = forms.TextInput

    def to_python(self, value: Any) -> Any:
        if value in (None, ""):
            return None
        if isinstance(value, bool):
            return value
        try:
            return _BOOLEANS[str(value).strip().lower()]
        except KeyError:
            raise forms.ValidationError(gettext("true or false is expected."), code="invalid") from None


class StrictBooleanFilter(django_filters.BooleanFilter):
    """``?is_active=true|false|1|0``. django-filter's own ignores a value it cannot read
    (``?is_active=abc`` would list everyone); here that is a 400."""

    field_class = _StrictBooleanField


class StaffFilter(django_filters.FilterSet):
    role = CommaListFilter(field_name="role", choices=Role.choices)
    status = CommaListFilter(field_name="status", choices=MembershipStatus.choices)
    is_active = StrictBooleanFilter(field_name="is_active")

    class Meta:
        model = Membership
        fields: list[str] = []
