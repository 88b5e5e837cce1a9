"""A storefront order reaches the office at once: ``order_created`` on the office's socket
and a Telegram message (through the real backend against the local Bot API stub) to the
admins and managers who linked the bot — and a Telegram failure never breaks the checkout."""

from __future__ import annotations

from urllib.parse import urlencode

import pytest
from channels.db import database_sync_to_async
from channels.testing import WebsocketCommunicator
from rest_framework.test import APIClient

from apps.orders.models import Order
from apps.shops.sessions import tokens_issue
from apps.shops.tests.factories import MembershipFactory
from apps.storefront.tests.conftest import checkout
from config.asgi import application
from flowercrm import telegram
from flowercrm.roles import Role
from flowercrm.telegram.testing import BotApiStub

TIMEOUT = 5


@pytest.mark.django_db(transaction=True)
async def test_a_storefront_order_arrives_on_the_office_socket(store, checkout_body) -> None:
    admin = await database_sync_to_async(MembershipFactory)(shop=store, role=Role.ADMIN)
    token = await database_sync_to_async(lambda: tokens_issue(membership=admin).access)()
    socket = WebsocketCommunicator(application, f"/ws?{urlencode({'token': token})}")
    connected, _ = await socket.connect(timeout=TIMEOUT)
    assert connected
    await socket.send_json_to({"type": "ping"})
    assert await socket.receive_json_from(timeout=TIMEOUT) == {"type": "pong"}

    body = await database_sync_to_async(checkout_body)()
    response = await database_sync_to_async(checkout)(APIClient(), store, body)
    assert response.status_code == 201, response.content
    message = await socket.receive_json_from(timeout=TIMEOUT)
    order = await database_sync_to_async(Order.objects.get)(shop=store)
    assert message["type"] == "order_created"
    assert message["data"]["id"] == order.id and message["data"]["number"] == response.json()["number"]
    assert message["data"]["status"] == "new"
    await socket.disconnect(timeout=TIMEOUT)


@pytest.mark.django_db
def test_linked_admins_and_managers_get_a_telegram_message(
    public, store, checkout_body, telegram_live: BotApiStub, django_capture_on_commit_callbacks
) -> None:
    linked = {
        Role.ADMIN: MembershipFactory(shop=store, role=Role.ADMIN, user__telegram_id=501),
        Role.MANAGER: MembershipFactory(shop=store, role=Role.MANAGER, user__telegram_id=502),
        Role.FLORIST: MembershipFactory(shop=store, role=Role.FLORIST, user__telegram_id=503),
    }
    MembershipFactory(shop=store, role=Role.MANAGER)  # no linked chat
    assert linked
    with django_capture_on_commit_callbacks(execute=True):
        response = checkout(public, store, checkout_body())
    assert response.status_code == 201, response.content
    assert telegram.wait_for_pending(timeout=10)
    sent = telegram_live.sent_messages()
    assert sorted(m["chat_id"] for m in sent) == [501, 502]
    text = sent[0]["text"]
    assert f"Новый заказ №{response.json()['number']}" in text
    assert "витрин" in text.lower() and "Kaspi" in text and "25500.00 KZT" in text


@pytest.mark.django_db
def test_a_telegram_failure_never_breaks_the_checkout(
    public, store, checkout_body, telegram_live: BotApiStub, django_capture_on_commit_callbacks
) -> None:
    MembershipFactory(shop=store, role=Role.ADMIN, user__telegram_id=601)
    telegram_live.fail_chats[601] = (500, "Internal Server Error")
    with django_capture_on_commit_callbacks(execute=True):
        response = checkout(public, store, checkout_body())
    assert response.status_code == 201, response.content
    assert telegram.wait_for_pending(timeout=10)
    assert Order.objects.filter(shop=store).count() == 1
