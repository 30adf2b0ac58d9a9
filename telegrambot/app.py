"""The bot: `build_application()` is the one place where handlers are wired."""

from __future__ import annotations

import logging
import warnings
from typing import Any

from django.conf import settings
from django.core.exceptions import ImproperlyConfigured
from telegram import Bot, BotCommand, Update
from telegram.error import TelegramError
from telegram.ext import (
    Application,
    CallbackQueryHandler,
    CommandHandler,
    ConversationHandler,
    MessageHandler,
    PreCheckoutQueryHandler,
    TypeHandler,
    filters,
)
from telegram.warnings import PTBUserWarning

from . import callback_data, texts
from .handlers import (
    auctions,
    balance,
    bidding,
    cancel,
    common,
    payments,
    paysupport,
    start,
    subscribe,
)
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
# What the user types in answer to a question of the bot.
TYPED = PRIVATE & filters.TEXT & ~filters.COMMAND


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

    # Money first: Telegram's payment updates, in any chat.
    application.add_handler(PreCheckoutQueryHandler(payments.pre_checkout))
    application.add_handler(
        MessageHandler(filters.SUCCESSFUL_PAYMENT, payments.successful_payment)
    )
    application.add_handler(_questions())

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
    application.add_handler(
        CommandHandler("status", balance.status_command, filters=PRIVATE)
    )
    application.add_handler(
        CommandHandler("subscribe", subscribe.subscribe_command, filters=PRIVATE)
    )
    application.add_handler(
        CallbackQueryHandler(
            subscribe.subscribe_info_button,
            pattern=callback_data.matches(callback_data.MENU_SUBSCRIBE),
        )
    )
    application.add_handler(
        CallbackQueryHandler(
            subscribe.subscribe_button,
            pattern=callback_data.matches(callback_data.SUBSCRIBE),
        )
    )
    application.add_handler(
        CommandHandler("cancel", cancel.nothing_to_cancel, filters=PRIVATE)
    )
    _auctions_add(application)

    # Fallbacks, last in their group so that they only get what no handler above took.
    application.add_handler(CallbackQueryHandler(common.stale_button))
    application.add_handler(
        MessageHandler(PRIVATE & filters.COMMAND, common.unknown_command)
    )
    application.add_handler(MessageHandler(PRIVATE & filters.TEXT, common.unknown_text))

    application.add_error_handler(common.on_error)
    return application


def _auctions_add(application: Application) -> None:
    """/auctions, the card's buttons and bidding (the typed amounts are questions,
    in `_questions`)."""
    application.add_handler(
        CommandHandler("auctions", auctions.auctions_command, filters=PRIVATE)
    )
    for pressed, callback in (
        (callback_data.AUCTIONS_PAGE, auctions.auctions_page_button),
        (callback_data.AUCTION_OPEN, auctions.open_button),
        (callback_data.AUCTION_REFRESH, auctions.refresh_button),
        (callback_data.AUCTION_WATCH, auctions.watch_button),
        (callback_data.AUCTION_UNWATCH, auctions.unwatch_button),
        (callback_data.AUCTION_BID, bidding.bid_button),
        (callback_data.AUCTION_ACCEPT, bidding.bid_button),
        (callback_data.AUCTION_BUY_NOW, bidding.bid_button),
    ):
        application.add_handler(
            CallbackQueryHandler(callback, pattern=callback_data.matches(pressed))
        )


def _questions() -> ConversationHandler:
    """Everything the bot asks the user to type: an amount of stars, a support
    message, a bid or a maximum. One conversation, so that starting a new question replaces one left
    unanswered instead of two waiting for the same next message. The buying and
    support buttons are entry points too: they work at any time, and leave any
    question that was open. Other commands pass through and leave it open."""

    def button(callback: Any, pressed: callback_data.Button) -> CallbackQueryHandler:
        return CallbackQueryHandler(callback, pattern=callback_data.matches(pressed))

    with warnings.catch_warnings():
        # PTB warns that buttons are not tracked per message here; by design: the
        # buttons start a question, and the answer is the chat's next message.
        warnings.filterwarnings(
            "ignore", message="If 'per_message=False'", category=PTBUserWarning
        )
        return ConversationHandler(
            name="questions",
            entry_points=[
                CommandHandler(
                    "buy_stars", payments.buy_stars_command, filters=PRIVATE
                ),
                button(payments.buy_menu_button, callback_data.MENU_BUY),
                button(payments.package_chosen, callback_data.BUY_STARS),
                button(payments.package_chosen, callback_data.BUY_CARD),
                button(payments.ask_amount, callback_data.BUY_OTHER),
                CommandHandler(
                    "paysupport", paysupport.paysupport_command, filters=PRIVATE
                ),
                button(paysupport.payment_chosen, callback_data.SUPPORT_PAYMENT),
                button(paysupport.other_problem, callback_data.SUPPORT_OTHER),
                button(bidding.ask_bid, callback_data.AUCTION_CUSTOM),
                button(bidding.ask_maximum, callback_data.AUCTION_MAXIMUM),
            ],
            states={
                payments.ASK_AMOUNT: [MessageHandler(TYPED, payments.amount_typed)],
                paysupport.CHOOSE_PAYMENT: [
                    MessageHandler(TYPED, paysupport.use_the_buttons)
                ],
                paysupport.ASK_MESSAGE: [
                    MessageHandler(TYPED, paysupport.message_typed)
                ],
                bidding.ASK_BID: [MessageHandler(TYPED, bidding.bid_typed)],
                bidding.ASK_MAXIMUM: [MessageHandler(TYPED, bidding.maximum_typed)],
            },
            fallbacks=[CommandHandler("cancel", cancel.cancel, filters=PRIVATE)],
            allow_reentry=True,
        )


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
