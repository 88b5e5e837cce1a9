"""Telling a person about a staff invitation in Telegram, with Accept/Decline buttons.

The buttons carry ``inv:<accept|decline>:<membership id>``; the bot
(``apps.accounts.bot``) answers them for the user linked to the chat that pressed, so a
button only ever acts on that person's own invitation."""

from __future__ import annotations

from typing import TYPE_CHECKING, Literal

from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _
from telegram import InlineKeyboardButton, InlineKeyboardMarkup

from flowercrm import telegram
from flowercrm.roles import Role

if TYPE_CHECKING:
    from apps.shops.models import Membership

CALLBACK_PREFIX = "inv"
ACCEPT: Literal["accept"] = "accept"
DECLINE: Literal["decline"] = "decline"

INVITATION_TEXT = _(
    "You are invited to the shop “%(shop)s” in FlowerCRM: role — %(role)s%(by)s.\n\n"
    "Until you accept the invitation, the shop sees only your number and the name the administrator typed."
)
ACCEPT_BUTTON = _("✅ Accept")
DECLINE_BUTTON = _("✖️ Decline")


def invitation_callback_data(action: str, invitation_id: int) -> str:
    return f"{CALLBACK_PREFIX}:{action}:{invitation_id}"


def parse_invitation_callback(data: str | None) -> tuple[str, int] | None:
    """``"inv:accept:12"`` → ``("accept", 12)``; anything else → None."""
    parts = (data or "").split(":")
    if len(parts) != 3 or parts[0] != CALLBACK_PREFIX or parts[1] not in (ACCEPT, DECLINE):
        return None
    if not (parts[2].isascii() and parts[2].isdigit() and len(parts[2]) <= 18):
        return None
    return parts[1], int(parts[2])


def invitation_message(*, membership: Membership, chat_id: int) -> telegram.TelegramMessage:
    inviter = membership.invited_by.name if membership.invited_by is not None else ""
    text = str(INVITATION_TEXT) % {
        "shop": membership.shop.name,
        "role": str(Role(membership.role).label).lower(),
        "by": gettext(", invited by %(name)s") % {"name": inviter} if inviter else "",
    }
    keyboard = InlineKeyboardMarkup(
        [
            [
                InlineKeyboardButton(str(ACCEPT_BUTTON), callback_data=invitation_callback_data(ACCEPT, membership.pk)),
                InlineKeyboardButton(
                    str(DECLINE_BUTTON), callback_data=invitation_callback_data(DECLINE, membership.pk)
                ),
            ]
        ]
    )
    return telegram.TelegramMessage(chat_id=chat_id, text=text, reply_markup=keyboard)


def invitation_notify(*, membership: Membership) -> bool:
    """Send the invitation to the person's linked chat after commit; False when none."""
    chat_id = membership.user.telegram_id
    if chat_id is None:
        return False
    telegram.send_messages([invitation_message(membership=membership, chat_id=chat_id)])
    return True
