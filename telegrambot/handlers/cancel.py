"""/cancel: leave a question the bot asked (an amount of stars, a support
message). Outside one, there is nothing to leave."""

from __future__ import annotations

from telegram import Update
from telegram.ext import ContextTypes, ConversationHandler

from .. import texts
from ..i18n import language_for, render
from .common import chat_id_of
from .paysupport import PAYMENT_KEY


async def cancel(update: Update, context: ContextTypes.DEFAULT_TYPE) -> object:
    if context.user_data is not None:
        context.user_data.pop(PAYMENT_KEY, None)
    language = await language_for(update.effective_user)
    await context.bot.send_message(
        chat_id_of(update), render(language, texts.CANCELLED)
    )
    return ConversationHandler.END


async def nothing_to_cancel(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    language = await language_for(update.effective_user)
    await context.bot.send_message(
        chat_id_of(update), render(language, texts.NOTHING_TO_CANCEL)
    )
