"""Help, replies to what the bot does not understand, update-id logging and the one
error handler."""

from __future__ import annotations

import contextlib
import logging

from telegram import Update
from telegram.error import Forbidden, TelegramError
from telegram.ext import ContextTypes

from accounts.services import language_from_telegram
from auction_bot.logging import update_id_var

from .. import texts
from ..i18n import language_for, render, use_language

logger = logging.getLogger(__name__)


async def bind_update_id(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    """Group -1, before every handler: each update is processed in its own task, so
    the id set here is on every log line of that update, threads included (run_sync
    copies the context)."""
    update_id_var.set(update.update_id)


def chat_id_of(update: Update) -> int:
    if update.effective_chat is not None:
        return update.effective_chat.id
    # A button under an inline message has no chat; in a private chat the user's id
    # is the chat's id.
    assert update.effective_user is not None
    return update.effective_user.id


def help_text(language: str) -> str:
    with use_language(language):
        lines = [str(texts.HELP_INTRO)]
        lines += [f"/{name} — {description}" for name, description in texts.COMMANDS]
    return "\n".join(lines)


async def help_command(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    language = await language_for(update.effective_user)
    await context.bot.send_message(chat_id_of(update), help_text(language))


async def help_button(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    assert update.callback_query is not None
    # Answer first: Telegram shows a spinner on the button until then.
    await update.callback_query.answer()
    await help_command(update, context)


async def unknown_command(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    language = await language_for(update.effective_user)
    await context.bot.send_message(
        chat_id_of(update), render(language, texts.UNKNOWN_COMMAND)
    )


async def unknown_text(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    language = await language_for(update.effective_user)
    await context.bot.send_message(
        chat_id_of(update), render(language, texts.UNKNOWN_TEXT)
    )


async def stale_button(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    """Any button no other handler claimed: out of date, or not made by this bot."""
    query = update.callback_query
    assert query is not None
    logger.info(
        "unknown button pressed", extra={"callback_data": (query.data or "")[:64]}
    )
    language = await language_for(update.effective_user)
    await query.answer(render(language, texts.STALE_BUTTON))


async def on_error(update: object, context: ContextTypes.DEFAULT_TYPE) -> None:
    """The one error handler: log with the update id, then apologise to the user."""
    error = context.error
    if not isinstance(update, Update):
        # Not tied to an update, e.g. the network failing while polling: PTB retries.
        logger.warning("bot error outside an update", exc_info=error)
        return
    update_id_var.set(update.update_id)
    if isinstance(error, Forbidden):
        logger.info("the user blocked the bot", extra={"error": str(error)})
        return
    logger.error("update failed", exc_info=error)
    await _apologise(update, context)


async def _apologise(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    if update.effective_chat is None and update.effective_user is None:
        return  # e.g. a poll update: there is nobody to tell
    try:
        language = await language_for(update.effective_user)
    except Exception:
        # The database may be what failed; Telegram's language is good enough here.
        telegram_user = update.effective_user
        language = language_from_telegram(
            telegram_user.language_code if telegram_user else None
        )
    text = render(language, texts.ERROR)
    try:
        if update.callback_query is not None:
            # Stop the button's spinner; this fails harmlessly when the handler had
            # answered already, so the apology itself goes to the chat.
            with contextlib.suppress(TelegramError):
                await update.callback_query.answer()
        await context.bot.send_message(chat_id_of(update), text)
    except TelegramError:
        logger.warning("could not tell the user about the error", exc_info=True)
