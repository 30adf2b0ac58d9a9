"""/balance, /status and the menu's Balance button: the user's stars and their
subscription."""

from __future__ import annotations

from telegram import Update
from telegram.ext import ContextTypes

from payments.models import Subscription

from .. import keyboards, texts
from ..i18n import day, number, use_language, user_language
from ..runtime import run_sync
from ..selectors import account_get_by_telegram_id
from .common import chat_id_of


def subscription_line(subscription: Subscription | None) -> str:
    """Call inside `use_language`; `subscription` is a running one or None."""
    if subscription is None:
        return str(texts.SUBSCRIPTION_NONE)
    return texts.SUBSCRIPTION_ACTIVE % {"date": day(subscription.ends_at)}


async def balance_command(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
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
            balance = texts.BALANCE % {
                "available": number(user.stars_balance),
                "held": number(user.stars_held),
            }
            text = f"{balance}\n{subscription_line(subscription)}"
            markup = keyboards.account_actions()
    await context.bot.send_message(chat_id_of(update), text, reply_markup=markup)


async def balance_button(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    assert update.callback_query is not None
    await update.callback_query.answer()
    await balance_command(update, context)


async def status_command(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
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
            text = texts.STATUS % {
                "name": user.display_name,
                "available": number(user.stars_balance),
                "held": number(user.stars_held),
                "subscription": subscription_line(subscription),
            }
            if user.is_suspended:
                text = f"{text}\n{texts.ACCOUNT_SUSPENDED}"
            markup = keyboards.account_actions()
    await context.bot.send_message(chat_id_of(update), text, reply_markup=markup)
