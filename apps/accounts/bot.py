"""The Telegram bot people link their account with (``manage.py run_telegram_bot``, or the
webhook view). Answers are in the active language: Russian unless a request asks otherwise.

- ``/start`` — a keyboard with a "share my phone number" button (``request_contact``);
- a shared contact — links the chat to the user with that phone, only if it is the sender's
  own contact (``apps.accounts.telegram_link``);
- ``/stop`` — unlinks; ``/help`` — what the bot does;
- the Accept/Decline buttons of a staff invitation (``apps.shops.invitations``) — answered
  for the user linked to the chat that pressed, so only one's own invitation moves.

``bot_reply_for`` holds the conversation and is synchronous (it touches the database); the
polling handler calls it through ``sync_to_async`` and the webhook view directly, so both
transports answer the same.
"""

from __future__ import annotations

import asyncio
import datetime as dt
import logging
import signal
import threading
from dataclasses import dataclass
from typing import Any

from asgiref.sync import sync_to_async
from django.conf import settings
from django.db import close_old_connections
from django.utils.translation import gettext_lazy as _
from telegram import CallbackQuery, KeyboardButton, ReplyKeyboardMarkup, ReplyKeyboardRemove, Update
from telegram.constants import ChatType
from telegram.ext import Application, ApplicationBuilder, CallbackQueryHandler, ContextTypes, MessageHandler, filters

from apps.accounts.models import User
from apps.accounts.telegram_link import LinkOutcome, telegram_link_contact, telegram_unlink
from apps.shops.invitations import ACCEPT, CALLBACK_PREFIX, parse_invitation_callback
from apps.shops.services import invitation_accept, invitation_decline
from flowercrm.errors import NotFound
from flowercrm.phone import mask_phone
from flowercrm.scopes import scopes_disabled
from flowercrm.telegram.backends import bot_api_url

logger = logging.getLogger(__name__)

SHARE_PHONE_BUTTON = _("📱 Send my number")

START_TEXT = _(
    "Hello! This is the FlowerCRM bot.\n\n"
    "Login codes and work notifications come through it. To link Telegram to your account, "
    "press the “Send my number” button below."
)
HELP_TEXT = _(
    "What the FlowerCRM bot does:\n"
    "/start — link Telegram to a staff account (the “Send my number” button);\n"
    "/stop — unlink Telegram: login codes and notifications stop coming;\n"
    "/help — this help.\n\n"
    "A login code comes here after you ask for it on the login page."
)
LINKED_TEXT = _(
    "Done: Telegram is linked to the account of %(name)s. Login codes and notifications will "
    "come here. To unlink — /stop."
)
NOT_OWN_CONTACT_TEXT = _(
    "Only your own number can be linked. Forwarded and other people's contacts are not "
    "accepted — press the “Send my number” button below."
)
UNKNOWN_PHONE_TEXT = _(
    "The number %(phone)s is not among FlowerCRM staff. Ask the shop's administrator to add "
    "you with this number and send it again."
)
UNKNOWN_PHONE_SIGNUP_TEXT = _(
    "The number %(phone)s is not among FlowerCRM staff yet.\n"
    "Opening a new shop? Ask for the sign-up code on the sign-up page within a day — it will come here.\n"
    "Working in a shop? Ask its administrator to add you with this number and send it again."
)
UNLINKED_TEXT = _(
    "Telegram is unlinked: login codes and notifications will no longer come here. To link again — /start."
)
NOT_LINKED_TEXT = _("This Telegram is not linked to any account. To link — /start.")
INVITATION_ACCEPTED_TEXT = _(
    "Invitation accepted: you now work in the shop “%(shop)s”. Choose it when you log in or in the list of shops."
)
INVITATION_DECLINED_TEXT = _("Invitation declined.")
INVITATION_GONE_TEXT = _("This invitation is no longer valid (accepted, declined or withdrawn by the shop).")


def share_phone_keyboard() -> ReplyKeyboardMarkup:
    return ReplyKeyboardMarkup(
        [[KeyboardButton(str(SHARE_PHONE_BUTTON), request_contact=True)]], resize_keyboard=True, one_time_keyboard=True
    )


@dataclass(frozen=True)
class BotReply:
    chat_id: int
    text: str
    reply_markup: ReplyKeyboardMarkup | ReplyKeyboardRemove | None = None
    # An answer to a button: the message that carried it is edited to ``text`` (which drops
    # the buttons) and the button press is acknowledged.
    edit_message_id: int | None = None
    callback_query_id: str | None = None

    def as_webhook_response(self) -> dict[str, Any]:
        """The reply as a Bot API call in the webhook's HTTP answer (no request of our own)."""
        if self.edit_message_id is not None:
            return {
                "method": "editMessageText",
                "chat_id": self.chat_id,
                "message_id": self.edit_message_id,
                "text": self.text,
            }
        body: dict[str, Any] = {"method": "sendMessage", "chat_id": self.chat_id, "text": self.text}
        if self.reply_markup is not None:
            body["reply_markup"] = self.reply_markup.to_dict()
        return body


def _command(text: str | None) -> str | None:
    """``/start@flowercrm_bot payload`` → ``start``."""
    if not text or not text.startswith("/"):
        return None
    return text.split(maxsplit=1)[0][1:].split("@", 1)[0].lower()


@scopes_disabled("each update: a person's links and invitations, across the shops they belong to")
def bot_reply_for(update: Update) -> BotReply | None:
    """What the bot answers to ``update`` (None: nothing). Only private chats with people are
    served. Synchronous: it reads and writes the database."""
    if update.callback_query is not None:
        return _invitation_answer(update.callback_query)
    message = update.message
    if message is None or message.chat.type != ChatType.PRIVATE:
        return None
    sender = message.from_user
    if sender is None or sender.is_bot:
        return None
    chat_id = message.chat.id

    if message.contact is not None:
        result = telegram_link_contact(
            sender_id=sender.id, contact_user_id=message.contact.user_id, phone=message.contact.phone_number
        )
        if result.outcome is LinkOutcome.LINKED and result.user is not None:
            name = result.user.name or mask_phone(result.user.phone)
            return BotReply(chat_id, str(LINKED_TEXT) % {"name": name}, ReplyKeyboardRemove())
        if result.outcome is LinkOutcome.NOT_OWN_CONTACT:
            return BotReply(chat_id, str(NOT_OWN_CONTACT_TEXT), share_phone_keyboard())
        text = UNKNOWN_PHONE_SIGNUP_TEXT if settings.SIGNUP_ENABLED else UNKNOWN_PHONE_TEXT
        return BotReply(chat_id, str(text) % {"phone": result.phone}, share_phone_keyboard())

    command = _command(message.text)
    if command == "start":
        return BotReply(chat_id, str(START_TEXT), share_phone_keyboard())
    if command == "stop":
        unlinked = telegram_unlink(telegram_id=sender.id)
        return BotReply(chat_id, str(UNLINKED_TEXT if unlinked else NOT_LINKED_TEXT), ReplyKeyboardRemove())
    return BotReply(chat_id, str(HELP_TEXT))


def _invitation_answer(query: CallbackQuery) -> BotReply | None:
    """An invitation's Accept/Decline button: acts on the invitation only if it belongs to
    the user linked to the Telegram account that pressed."""
    message = query.message
    parsed = parse_invitation_callback(query.data)
    if message is None or parsed is None or message.chat.type != ChatType.PRIVATE:
        return None
    action, invitation_id = parsed
    user = User.objects.filter(telegram_id=query.from_user.id, is_active=True).first()
    try:
        if user is None:
            raise NotFound()
        if action == ACCEPT:
            membership = invitation_accept(user=user, invitation_id=invitation_id)
            text = str(INVITATION_ACCEPTED_TEXT) % {"shop": membership.shop.name}
        else:
            invitation_decline(user=user, invitation_id=invitation_id)
            text = str(INVITATION_DECLINED_TEXT)
    except NotFound:
        text = str(INVITATION_GONE_TEXT)
    return BotReply(message.chat.id, text, edit_message_id=message.message_id, callback_query_id=query.id)


def _reply_in_worker(update: Update) -> BotReply | None:
    # A long-running process: treat every update like a request for the connection's sake.
    close_old_connections()
    try:
        return bot_reply_for(update)
    finally:
        close_old_connections()


async def _on_message(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    reply = await sync_to_async(_reply_in_worker)(update)
    if reply is not None:
        await context.bot.send_message(chat_id=reply.chat_id, text=reply.text, reply_markup=reply.reply_markup)


async def _on_callback(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    reply = await sync_to_async(_reply_in_worker)(update)
    query = update.callback_query
    if query is not None:
        await query.answer()  # stops the button's spinner
    if reply is not None and reply.edit_message_id is not None:
        await context.bot.edit_message_text(chat_id=reply.chat_id, message_id=reply.edit_message_id, text=reply.text)


async def _on_error(update: object, context: ContextTypes.DEFAULT_TYPE) -> None:
    logger.error("Telegram bot: an update failed", exc_info=context.error)


def build_application(*, token: str, api_base_url: str) -> Application[Any, Any, Any, Any, Any, Any]:
    """A python-telegram-bot Application talking to ``{api_base_url}/bot<token>/<method>``."""
    application = (
        ApplicationBuilder()
        .token(token)
        .base_url(bot_api_url(api_base_url))
        .base_file_url(bot_api_url(api_base_url, "file/bot"))
        .build()
    )
    application.add_handler(MessageHandler(filters.ChatType.PRIVATE, _on_message))
    application.add_handler(CallbackQueryHandler(_on_callback, pattern=f"^{CALLBACK_PREFIX}:"))
    application.add_error_handler(_on_error)
    return application


async def run_polling(
    *,
    token: str,
    api_base_url: str,
    stop: threading.Event,
    poll_timeout: dt.timedelta = dt.timedelta(seconds=30),
    handle_signals: bool = False,
) -> None:
    """Long-poll ``getUpdates`` and answer until ``stop`` is set (or SIGINT/SIGTERM with
    ``handle_signals``). Exactly one process may poll one bot: Telegram answers a second
    one with 409 Conflict."""
    if handle_signals:
        loop = asyncio.get_running_loop()
        for sig in (signal.SIGINT, signal.SIGTERM):
            loop.add_signal_handler(sig, stop.set)
    application = build_application(token=token, api_base_url=api_base_url)
    async with application:
        updater = application.updater
        if updater is None:
            raise RuntimeError("The application has no updater.")
        await updater.start_polling(timeout=poll_timeout, allowed_updates=[Update.MESSAGE, Update.CALLBACK_QUERY])
        await application.start()
        logger.info("Telegram bot @%s is polling", application.bot.username)
        try:
            while not stop.is_set():
                await asyncio.sleep(0.1)
        finally:
            await updater.stop()
            await application.stop()
    logger.info("Telegram bot stopped")
