"""/balance and the menu's Balance button: the user's stars."""

from __future__ import annotations

from telegram import Update
from telegram.ext import ContextTypes

from .. import texts
from ..i18n import number, use_language, user_language
from ..runtime import run_sync
from ..selectors import user_get_by_telegram_id
from .common import chat_id_of


async def balance_command(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    telegram_user = update.effective_user
    assert telegram_user is not None
    user = await run_sync(user_get_by_telegram_id, telegram_id=telegram_user.id)
    with use_language(user_language(user, telegram_user)):
        if user is None:
            text = str(texts.NO_ACCOUNT)
        else:
            text = texts.BALANCE % {
                "available": number(user.stars_balance),
                "held": number(user.stars_held),
            }
    await context.bot.send_message(chat_id_of(update), text)


async def balance_button(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    assert update.callback_query is not None
    await update.callback_query.answer()
    await balance_command(update, context)
