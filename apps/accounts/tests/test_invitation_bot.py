"""The invitation's Accept/Decline buttons in Telegram, end to end through the local Bot API
stub: the invitation is sent with an inline keyboard, ``run_telegram_bot`` answers a press."""

from __future__ import annotations

import time
from typing import Any

import pytest

from apps.accounts.bot import INVITATION_GONE_TEXT
from apps.accounts.tests.factories import UserFactory
from apps.shops import services
from apps.shops.models import Membership, MembershipStatus
from apps.shops.tests.factories import MembershipFactory, ShopFactory
from flowercrm import telegram
from flowercrm.roles import Role
from flowercrm.telegram.testing import BotApiStub, run_bot_until

PHONE = "+77017770001"


def callback_update(from_id: int, *, data: str, message_id: int) -> dict[str, Any]:
    """A press of an inline button under message ``message_id`` in ``from_id``'s private chat."""
    chat = {"id": from_id, "type": "private", "first_name": f"User{from_id}"}
    return {
        "callback_query": {
            "id": f"cq-{from_id}-{message_id}-{data}",
            "from": {"id": from_id, "is_bot": False, "first_name": f"User{from_id}"},
            "chat_instance": "1",
            "data": data,
            "message": {
                "message_id": message_id,
                "date": int(time.time()),
                "chat": chat,
                "from": {"id": 123456, "is_bot": True, "first_name": "FlowerCRM"},
                "text": "invitation",
            },
        }
    }


def run_bot_until_edited(stub: BotApiStub, *, edits: int) -> list[dict[str, Any]]:
    """Run the bot until it has edited ``edits`` messages."""
    run_bot_until(stub, method="editMessageText", count=edits)
    return [dict(c.params) for c in stub.calls_to("editMessageText")]


@pytest.mark.django_db(transaction=True)
def test_invitation_accepted_with_the_bot_button(telegram_live: BotApiStub) -> None:
    shop = ShopFactory(name="Пион")
    admin = MembershipFactory(shop=shop, role=Role.ADMIN)
    person = UserFactory(phone=PHONE, telegram_id=7007)
    MembershipFactory(user=person, role=Role.ADMIN)  # works elsewhere
    intruder = UserFactory(telegram_id=8008)

    invitation = services.staff_add(
        shop=shop, phone=PHONE, name="Новенький", role=Role.FLORIST, actor=admin.user
    ).membership
    assert telegram.wait_for_pending(timeout=10)
    (sent,) = telegram_live.sent_messages()
    assert sent["chat_id"] == 7007 and "Пион" in sent["text"]
    accept, decline = sent["reply_markup"]["inline_keyboard"][0]
    assert (accept["callback_data"], decline["callback_data"]) == (
        f"inv:accept:{invitation.pk}",
        f"inv:decline:{invitation.pk}",
    )

    # Someone else pressing a copy of the button moves nothing; the addressee accepts.
    telegram_live.add_update(callback_update(intruder.telegram_id, data=decline["callback_data"], message_id=5))
    telegram_live.add_update(callback_update(7007, data=accept["callback_data"], message_id=6))
    edits = run_bot_until_edited(telegram_live, edits=2)

    by_message = {int(e["message_id"]): e["text"] for e in edits}
    assert by_message[5] == INVITATION_GONE_TEXT
    assert "Пион" in by_message[6] and "принято" in by_message[6]
    assert len(telegram_live.calls_to("answerCallbackQuery")) == 2
    invitation = Membership.objects.get(pk=invitation.pk)
    assert (invitation.status, invitation.is_active) == (MembershipStatus.ACTIVE, True)


@pytest.mark.django_db
def test_invitation_declined_through_the_webhook(settings: Any, api: Any) -> None:
    settings.TELEGRAM_WEBHOOK_SECRET = "hook-secret"
    person = UserFactory(phone=PHONE, telegram_id=7007)
    invitation = services.staff_add(shop=ShopFactory(), phone=PHONE, name="Х", role=Role.COURIER).membership
    update = {"update_id": 1, **callback_update(7007, data=f"inv:decline:{invitation.pk}", message_id=9)}
    response = api.post(
        "/api/telegram/webhook", update, format="json", HTTP_X_TELEGRAM_BOT_API_SECRET_TOKEN="hook-secret"
    )
    assert response.json() == {
        "method": "editMessageText",
        "chat_id": 7007,
        "message_id": 9,
        "text": "Приглашение отклонено.",
    }
    assert not Membership.objects.filter(pk=invitation.pk).exists()
    assert person.memberships.count() == 0
