"""Fixtures shared by every app's tests."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
from django.conf import settings
from django.core.cache import cache
from django.db import connection
from django.utils import translation
from rest_framework.test import APIClient

from apps.shops.models import Membership, Shop
from apps.shops.sessions import tokens_issue
from apps.shops.tests.factories import MembershipFactory, ShopFactory
from flowercrm.roles import Role
from flowercrm.scopes import scopes_disabled
from flowercrm.telegram.testing import bot_api, telegram_live, telegram_outbox  # noqa: F401  (fixtures)

ROLES = [Role.ADMIN, Role.MANAGER, Role.FLORIST, Role.COURIER]


@pytest.fixture(autouse=True)
def _clear_cache() -> Iterator[None]:
    """Throttle counters live in the cache; each test starts from zero."""
    cache.clear()
    yield
    cache.clear()


@pytest.fixture(autouse=True)
def _default_language() -> Iterator[None]:
    """Each test starts and ends in the default language: the test client leaves the last
    request's language active, which would leak an English request into the next test."""
    translation.activate(settings.LANGUAGE_CODE)
    yield
    translation.activate(settings.LANGUAGE_CODE)


@pytest.fixture(autouse=True, scope="session")
def _scopes_disabled() -> Iterator[None]:
    """Test code (test bodies and fixtures of any scope) reads and writes across shops freely;
    a request through the test client still starts with an empty scope and enters its own
    (``ScopeMiddleware``), so a view that forgets its shop fails here as it would in
    production. Consumers under test start from an empty context, as in production."""
    with scopes_disabled("test bodies set up and inspect rows of several shops"):
        yield


@pytest.fixture
def shop(db: None) -> Shop:
    return ShopFactory(name="Ромашка-тест")


@pytest.fixture
def other_shop(db: None) -> Shop:
    return ShopFactory(name="Чужой магазин")


@pytest.fixture
def member(shop: Shop) -> Callable[..., Membership]:
    """``member("florist")`` → an active membership in ``shop`` (or ``shop=...``)."""

    def make(role: str = Role.MANAGER, shop: Shop = shop, **kwargs: object) -> Membership:
        return MembershipFactory(shop=shop, role=role, **kwargs)

    return make


@pytest.fixture
def api_as() -> Callable[[Membership], APIClient]:
    """``api_as(membership)`` → an API client with a bearer token for that membership."""

    def make(membership: Membership) -> APIClient:
        client = APIClient()
        pair = tokens_issue(membership=membership)
        client.credentials(HTTP_AUTHORIZATION=f"Bearer {pair.access}")
        return client

    return make


@pytest.fixture
def api() -> APIClient:
    return APIClient()


@pytest.fixture
def admin_member(member: Callable[..., Membership]) -> Membership:
    return member(Role.ADMIN)


@pytest.fixture
def office(member: Callable[..., Membership]) -> Membership:
    return member(Role.MANAGER)


@pytest.fixture
def florist(member: Callable[..., Membership]) -> Membership:
    return member(Role.FLORIST)


@pytest.fixture
def courier(member: Callable[..., Membership]) -> Membership:
    return member(Role.COURIER)


@pytest.fixture
def manager_api(member: Callable[..., Membership], api_as: Callable[[Membership], APIClient]) -> APIClient:
    """An API client of a manager of ``shop``."""
    return api_as(member(Role.MANAGER))


@pytest.fixture
def shop_a(db: None) -> Shop:
    return ShopFactory(name="Магазин А")


@pytest.fixture
def shop_b(db: None) -> Shop:
    return ShopFactory(name="Магазин Б")


@pytest.fixture
def media_root(settings: object, tmp_path: Path) -> Path:
    """Uploaded files under a temporary ``MEDIA_ROOT`` (``pytest.mark.usefixtures("media_root")``)."""
    settings.MEDIA_ROOT = str(tmp_path)  # type: ignore[attr-defined]
    return tmp_path


@pytest.fixture
def sent(monkeypatch: pytest.MonkeyPatch) -> list[tuple[str, dict[str, Any]]]:
    """What reached the channel layer: ``(group, layer message)`` in order."""
    from flowercrm import events

    messages: list[tuple[str, dict[str, Any]]] = []

    def record(sends: list[tuple[str, dict[str, Any]]]) -> bool:
        messages.extend(sends)
        return True

    monkeypatch.setattr(events, "send_to_groups", record)
    return messages


@pytest.fixture
def requires_postgres() -> None:
    if connection.vendor != "postgresql":
        pytest.skip("needs PostgreSQL (row locks)")
