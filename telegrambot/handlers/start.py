"""/start: the user's first contact (or a return); deep links arrive here too."""

from __future__ import annotations

import logging

from telegram import Update
from telegram.ext import ContextTypes

from accounts.services import user_get_or_create_from_telegram

from .. import keyboards, texts
from ..deeplinks import deep_link_parse
from ..i18n import use_language
from ..runtime import run_sync
from .common import chat_id_of

logger = logging.getLogger(__name__)


async def start(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    telegram_user = update.effective_user
    assert telegram_user is not None
    payload = context.args[0] if context.args else None
    link = deep_link_parse(payload)
    if link is not None:
        # Opening an auction or a purchase from a link comes with those features;
        # until then the link only greets, and is logged so its use can be seen.
        logger.info("start with a deep link", extra={"deep_link": payload})
    user, _created = await run_sync(
        user_get_or_create_from_telegram,
        telegram_id=telegram_user.id,
        username=telegram_user.username,
        first_name=telegram_user.first_name,
        last_name=telegram_user.last_name,
        language_code=telegram_user.language_code,
    )
    with use_language(user.preferred_language):
        text = texts.WELCOME % {"name": telegram_user.first_name}
        markup = keyboards.main_menu()
    await context.bot.send_message(chat_id_of(update), text, reply_markup=markup)
