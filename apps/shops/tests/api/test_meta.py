"""``/api/meta/`` lists the roles with their Russian and English labels."""

from __future__ import annotations

from collections.abc import Callable

import pytest
from rest_framework.test import APIClient

from apps.shops.models import Membership
from flowercrm.roles import Role
from flowercrm.testing import assert_error

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize("role", [Role.ADMIN, Role.COURIER])
def test_meta_lists_roles(
    api_as: Callable[[Membership], APIClient], member: Callable[..., Membership], role: str
) -> None:
    body = api_as(member(role)).get("/api/meta/").json()
    assert body["enums"]["roles"] == [
        {"value": "admin", "ru": "Администратор", "en": "Administrator"},
        {"value": "manager", "ru": "Менеджер", "en": "Manager"},
        {"value": "florist", "ru": "Флорист", "en": "Florist"},
        {"value": "courier", "ru": "Курьер", "en": "Courier"},
    ]


def test_meta_needs_login(api: APIClient) -> None:
    assert_error(api.get("/api/meta"), 401, "not_authenticated")
