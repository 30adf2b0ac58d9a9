"""/subscribe: the price, the current state, and a button that buys (or extends)
the subscription with stars."""

from __future__ import annotations

from django.conf import settings
from telegram import CallbackQuery, InlineKeyboardMarkup, Update
from telegram.error import BadRequest
from telegram.ext import ContextTypes

from auction_bot.errors import DomainError
from payments.errors import InsufficientStars
from payments.services import subscription_purchase

from .. import keyboards, texts
from ..i18n import day, number, render, use_language, user_language
from ..runtime import run_sync
from ..selectors import account_get_by_telegram_id, user_get_by_telegram_id
from .balance import subscription_line
from .common import chat_id_of


async def subscribe_command(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    telegram_user = update.effective_user
    assert telegram_user is not None
    user, subscription = await run_sync(
        account_get_by_telegram_id, telegram_id=telegram_user.id
    )
    markup = None
    with use_language(user_language(user, telegram_user)):
        if user is None:
            text = str(texts.NO_ACCOUNT)
        else:
            price = settings.SUBSCRIPTION_PRICE_STARS
            days = settings.SUBSCRIPTION_DAYS
            text = "\n".join(
                [
                    str(texts.SUBSCRIBE_INFO),
                    texts.SUBSCRIBE_PRICE % {"price": number(price), "days": days},
                    subscription_line(subscription),
                    texts.BALANCE_LINE % {"balance": number(user.stars_balance)},
                ]
            )
            markup = keyboards.subscribe(price=price, active=subscription is not None)
    await context.bot.send_message(chat_id_of(update), text, reply_markup=markup)


async def subscribe_info_button(
    update: Update, context: ContextTypes.DEFAULT_TYPE
) -> None:
    assert update.callback_query is not None
    await update.callback_query.answer()
    await subscribe_command(update, context)


async def subscribe_button(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    query = update.callback_query
    telegram_user = update.effective_user
    assert query is not None and telegram_user is not None
    await query.answer()
    user = await run_sync(user_get_by_telegram_id, telegram_id=telegram_user.id)
    language = user_language(user, telegram_user)
    if user is None:
        await context.bot.send_message(
            chat_id_of(update), render(language, texts.NO_ACCOUNT)
        )
        return
    # The key names the message the button is on: a double tap (two callback
    # queries for one message) buys once. After a purchase the button is removed,
    # so the same message cannot buy again later.
    key = (
        f"tg:{query.message.chat.id}:{query.message.message_id}"
        if query.message is not None
        else None
    )
    try:
        subscription = await run_sync(
            subscription_purchase, user=user, idempotency_key=key
        )
    except InsufficientStars as exc:
        with use_language(language):
            text, markup = str(exc), keyboards.buy_stars_button()
        # A new message: the subscribe button above stays, for after buying stars.
        await context.bot.send_message(chat_id_of(update), text, reply_markup=markup)
        return
    except DomainError as exc:
        with use_language(language):
            text = str(exc)
        await context.bot.send_message(chat_id_of(update), text)
        return
    with use_language(language):
        text = texts.SUBSCRIBED % {
            "date": day(subscription.ends_at),
            "balance": number(user.stars_balance),
        }
    await _replace_message(query, context, text, chat_id=chat_id_of(update))


async def _replace_message(
    query: CallbackQuery,
    context: ContextTypes.DEFAULT_TYPE,
    text: str,
    *,
    chat_id: int,
    markup: InlineKeyboardMarkup | None = None,
) -> None:
    """Turn the message with the button into the result, or send the result when
    that message can no longer be edited (too old, deleted)."""
    if query.message is not None:
        try:
            await query.edit_message_text(text, reply_markup=markup)
            return
        except BadRequest as exc:
            if "not modified" in str(exc).lower():
                return  # a second tap: the message already says this
    await context.bot.send_message(chat_id, text, reply_markup=markup)
