"""/start: the user's first contact (or a return); deep links arrive here too."""

from __future__ import annotations

import logging

from telegram import Update
from telegram.ext import ContextTypes

from accounts.services import user_get_or_create_from_telegram

from .. import keyboards, texts
from ..deeplinks import AuctionLink, BuyLink, deep_link_parse
from ..i18n import use_language
from ..runtime import run_sync
from . import auctions, payments
from .common import chat_id_of

logger = logging.getLogger(__name__)


async def start(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    telegram_user = update.effective_user
    assert telegram_user is not None
    payload = context.args[0] if context.args else None
    link = deep_link_parse(payload)
    if link is not None:
        logger.info("start with a deep link", extra={"deep_link": payload})
    user, _created = await run_sync(
        user_get_or_create_from_telegram,
        telegram_id=telegram_user.id,
        username=telegram_user.username,
        first_name=telegram_user.first_name,
        last_name=telegram_user.last_name,
        language_code=telegram_user.language_code,
    )
    if isinstance(link, BuyLink):
        # "Buy in Telegram" from the site: the invoice is what the user came for.
        await payments.invoice_send(
            context,
            chat_id=chat_id_of(update),
            telegram_user=telegram_user,
            stars=link.stars,
            user=user,
        )
        return
    if isinstance(link, AuctionLink) and await auctions.card_open(
        context,
        chat_id=chat_id_of(update),
        telegram_user=telegram_user,
        auction_uuid=link.auction_uuid,
    ):
        return
    with use_language(user.preferred_language):
        text = texts.WELCOME % {"name": telegram_user.first_name}
        if isinstance(link, AuctionLink):
            # A link to an auction that is gone (or a draft): greet, and say so.
            text = f"{text}\n\n{texts.AUCTION_NOT_FOUND}"
        markup = keyboards.main_menu()
    await context.bot.send_message(chat_id_of(update), text, reply_markup=markup)
