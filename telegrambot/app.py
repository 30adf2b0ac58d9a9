"""The bot: `build_application()` is the one place where handlers are wired."""

from __future__ import annotations

import logging
from typing import Any

from django.conf import settings
from django.core.exceptions import ImproperlyConfigured
from telegram import Bot, BotCommand, Update
from telegram.error import TelegramError
from telegram.ext import (
    Application,
    CallbackQueryHandler,
    CommandHandler,
    MessageHandler,
    TypeHandler,
    filters,
)

from . import callback_data, texts
from .handlers import balance, common, start
from .i18n import use_language
from .runtime import PerUserUpdateProcessor, db_threads_stop

logger = logging.getLogger(__name__)

# How the bot asks for updates, for `runbot` and the tests alike. Pending updates are
# never dropped: one may be a payment.
POLLING_OPTIONS: dict[str, Any] = {
    "allowed_updates": Update.ALL_TYPES,
    "drop_pending_updates": False,
}

# Private chats only, and new messages only: an edited "/start" is not a new request.
PRIVATE = filters.ChatType.PRIVATE & filters.UpdateType.MESSAGE


def build_application(
    *, token: str | None = None, base_url_root: str | None = None
) -> Application:
    token = token or settings.TELEGRAM_BOT_TOKEN
    if not token:
        raise ImproperlyConfigured("TELEGRAM_BOT_TOKEN is not set.")
    root = (base_url_root or settings.TELEGRAM_API_BASE_URL).rstrip("/")
    application = (
        Application.builder()
        .token(token)
        .base_url(f"{root}/bot")
        .base_file_url(f"{root}/file/bot")
        .concurrent_updates(PerUserUpdateProcessor())
        .post_init(bot_commands_set)
        .post_shutdown(db_threads_stop)
        .build()
    )

    application.add_handler(TypeHandler(Update, common.bind_update_id), group=-1)

    application.add_handler(CommandHandler("start", start.start, filters=PRIVATE))
    application.add_handler(
        CommandHandler("help", common.help_command, filters=PRIVATE)
    )
    application.add_handler(
        CommandHandler("balance", balance.balance_command, filters=PRIVATE)
    )
    application.add_handler(
        CallbackQueryHandler(
            balance.balance_button,
            pattern=callback_data.matches(callback_data.MENU_BALANCE),
        )
    )
    application.add_handler(
        CallbackQueryHandler(
            common.help_button, pattern=callback_data.matches(callback_data.MENU_HELP)
        )
    )

    # Fallbacks, last in their group so that they only get what no handler above took.
    application.add_handler(CallbackQueryHandler(common.stale_button))
    application.add_handler(
        MessageHandler(PRIVATE & filters.COMMAND, common.unknown_command)
    )
    application.add_handler(MessageHandler(PRIVATE & filters.TEXT, common.unknown_text))

    application.add_error_handler(common.on_error)
    return application


async def bot_commands_set(application: Application) -> None:
    """post_init: the command menu, in each language (and English for the rest)."""
    await _commands_set(application.bot, language_code=None)
    for language, _name in settings.LANGUAGES:
        await _commands_set(application.bot, language_code=language)


async def _commands_set(bot: Bot, *, language_code: str | None) -> None:
    with use_language(language_code or settings.LANGUAGE_CODE):
        commands = [
            BotCommand(name, str(description)) for name, description in texts.COMMANDS
        ]
    try:
        await bot.set_my_commands(commands, language_code=language_code)
    except TelegramError:
        # The menu is a convenience: a bot without it still answers every command.
        logger.warning(
            "setMyCommands failed", extra={"language": language_code}, exc_info=True
        )
