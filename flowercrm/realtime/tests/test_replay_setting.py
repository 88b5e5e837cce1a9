"""The kernel names no app: ``/ws?since=`` replays through the function named in
``settings.FLOWERCRM_EVENT_REPLAY`` (the orders app's event log in this project)."""

from __future__ import annotations

from typing import Any

import pytest
from django.conf import settings as django_settings
from django.utils.module_loading import import_string

from apps.orders.events import order_replay
from flowercrm.realtime import consumers
from flowercrm.roles import Role

pytestmark = pytest.mark.django_db
CALLS: list[dict[str, Any]] = []


def fake_replay(**kwargs: Any) -> list[dict[str, Any]]:
    CALLS.append(kwargs)
    return [{"type": "order_update", "id": kwargs["since"] + 1}]


def test_the_project_replays_the_order_event_log() -> None:
    assert import_string(django_settings.FLOWERCRM_EVENT_REPLAY) is order_replay


def test_the_consumer_calls_the_replay_named_in_settings(settings, shop, member) -> None:
    settings.FLOWERCRM_EVENT_REPLAY = f"{__name__}.fake_replay"
    user = member(Role.MANAGER).user
    CALLS.clear()
    assert consumers._replay(shop, Role.MANAGER, user, 41) == [{"type": "order_update", "id": 42}]
    assert CALLS == [{"shop": shop, "role": Role.MANAGER, "user": user, "since": 41}]
