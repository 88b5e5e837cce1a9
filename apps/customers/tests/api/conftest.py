"""Fixtures shared by the customers API tests."""

from __future__ import annotations

from collections.abc import Callable

import pytest
from rest_framework.test import APIClient

from apps.shops.models import Membership
from flowercrm.roles import Role


@pytest.fixture
def manager(member: Callable[..., Membership], api_as: Callable[[Membership], APIClient]) -> APIClient:
    """An API client of a manager of ``shop``."""
    return api_as(member(Role.MANAGER))
