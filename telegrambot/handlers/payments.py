"""Buying stars: /buy_stars and its packages, an amount the user types, the
invoice, Telegram's pre-checkout question and the successful payment."""

from __future__ import annotations

import asyncio
import logging
import re

from django.conf import settings
from django.db import InterfaceError, OperationalError
from telegram import LabeledPrice, Update
from telegram import User as TelegramUser
from telegram.ext import ContextTypes, ConversationHandler

from accounts.models import User
from auction_bot.errors import DomainError
from payments.errors import PaymentRejected, PaymentUnmatched
from payments.models import Payment
from payments.services import (
    PURCHASE_MAX_STARS,
    PURCHASE_MIN_STARS,
    STAR_PACKAGES,
    PaymentResult,
    payment_create_pending,
    payment_record_success,
    payment_validate_pre_checkout,
)

from .. import callback_data, keyboards, texts
from ..i18n import language_for, number, render, use_language, user_language
from ..runtime import run_sync
from ..selectors import user_get_by_telegram_id
from .common import chat_id_of

logger = logging.getLogger(__name__)


# Conversation state: waiting for the user to type a number of stars.
ASK_AMOUNT = "buy:amount"

# Telegram's limits for an invoice.
TITLE_MAX_CHARS = 32
DESCRIPTION_MAX_CHARS = 255

# A successful payment is Telegram telling us it took the user's money, and it is
# not sent again once the update is acknowledged: a database hiccup must not lose
# it. Recording is idempotent, so trying again is safe.
RECORD_ATTEMPTS = 3
RECORD_RETRY_DELAY = 0.5  # seconds, doubled after each failure

_AMOUNT_RE = re.compile(r"[+-]?[0-9]+")


async def buy_stars_command(
    update: Update, context: ContextTypes.DEFAULT_TYPE
) -> object:
    telegram_user = update.effective_user
    assert telegram_user is not None
    user = await run_sync(user_get_by_telegram_id, telegram_id=telegram_user.id)
    markup = None
    with use_language(user_language(user, telegram_user)):
        if user is None:
            text = str(texts.NO_ACCOUNT)
        else:
            with_card = bool(settings.PROVIDER_TOKEN)
            text = texts.BUY_MENU % {"balance": number(user.stars_balance)}
            if with_card:
                text = f"{text}\n{texts.BUY_MENU_CARD}"
            markup = keyboards.buy_menu(packages=STAR_PACKAGES, with_card=with_card)
    await context.bot.send_message(chat_id_of(update), text, reply_markup=markup)
    return ConversationHandler.END


async def buy_menu_button(update: Update, context: ContextTypes.DEFAULT_TYPE) -> object:
    assert update.callback_query is not None
    await update.callback_query.answer()
    return await buy_stars_command(update, context)


async def package_chosen(update: Update, context: ContextTypes.DEFAULT_TYPE) -> object:
    """A package (or the method for a typed amount): Stars or card."""
    query = update.callback_query
    assert query is not None and update.effective_user is not None
    await query.answer()
    pressed = callback_data.callback_data_decode(query.data)
    assert pressed is not None  # the handler's pattern let only these through
    method = (
        Payment.Method.PROVIDER
        if pressed.button == callback_data.BUY_CARD
        else Payment.Method.STARS
    )
    await invoice_send(
        context,
        chat_id=chat_id_of(update),
        telegram_user=update.effective_user,
        stars=int(pressed.arg),
        method=method,
    )
    return ConversationHandler.END


async def ask_amount(update: Update, context: ContextTypes.DEFAULT_TYPE) -> object:
    """ "Another amount": the next text the user sends is the number of stars."""
    assert update.callback_query is not None
    await update.callback_query.answer()
    language = await language_for(update.effective_user)
    await context.bot.send_message(chat_id_of(update), _ask_amount_text(language))
    return ASK_AMOUNT


async def amount_typed(update: Update, context: ContextTypes.DEFAULT_TYPE) -> object:
    message = update.effective_message
    telegram_user = update.effective_user
    assert message is not None and telegram_user is not None
    user = await run_sync(user_get_by_telegram_id, telegram_id=telegram_user.id)
    language = user_language(user, telegram_user)
    stars = _amount_parse(message.text or "")
    with use_language(language):
        if stars is None:
            problem = str(texts.AMOUNT_NOT_A_NUMBER)
        elif not PURCHASE_MIN_STARS <= stars <= PURCHASE_MAX_STARS:
            problem = texts.AMOUNT_OUT_OF_RANGE % {
                "min": number(PURCHASE_MIN_STARS),
                "max": number(PURCHASE_MAX_STARS),
            }
        else:
            problem = None
    if problem is not None:
        await context.bot.send_message(
            chat_id_of(update), f"{problem}\n{_ask_amount_text(language)}"
        )
        return ASK_AMOUNT
    assert stars is not None
    if settings.PROVIDER_TOKEN:
        with use_language(language):
            text = texts.CHOOSE_METHOD % {"count": number(stars)}
            markup = keyboards.payment_method(stars)
        await context.bot.send_message(chat_id_of(update), text, reply_markup=markup)
        return ConversationHandler.END
    await invoice_send(
        context,
        chat_id=chat_id_of(update),
        telegram_user=telegram_user,
        stars=stars,
        user=user,
    )
    return ConversationHandler.END


async def invoice_send(
    context: ContextTypes.DEFAULT_TYPE,
    *,
    chat_id: int,
    telegram_user: TelegramUser,
    stars: int,
    method: str = Payment.Method.STARS,
    user: User | None = None,
) -> None:
    """Create the pending payment and send its invoice (or say why not). Also used
    by /start's `buy_<n>` deep link."""
    if user is None:
        user = await run_sync(user_get_by_telegram_id, telegram_id=telegram_user.id)
    language = user_language(user, telegram_user)
    if user is None:
        await context.bot.send_message(chat_id, render(language, texts.NO_ACCOUNT))
        return
    try:
        payment = await run_sync(
            payment_create_pending, user=user, amount_stars=stars, method=method
        )
    except DomainError as exc:
        await context.bot.send_message(chat_id, _error_text(language, exc))
        return
    with use_language(language):
        plural = {"count": stars, "stars": number(stars)}
        title = (texts.INVOICE_TITLE % plural)[:TITLE_MAX_CHARS]
        description = str(texts.INVOICE_DESCRIPTION)[:DESCRIPTION_MAX_CHARS]
        label = texts.INVOICE_LABEL % plural
    await context.bot.send_invoice(
        chat_id,
        title=title,
        description=description,
        payload=payment.invoice_payload,
        currency=payment.currency,
        prices=[LabeledPrice(label, payment.price_amount)],
        # Stars take no provider token; a card payment goes through the provider.
        provider_token=(
            settings.PROVIDER_TOKEN if method == Payment.Method.PROVIDER else None
        ),
    )


async def pre_checkout(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    """Telegram asks whether to take the money, and cancels the payment unless it
    hears back within 10 seconds: one read, then the answer."""
    query = update.pre_checkout_query
    assert query is not None
    try:
        await run_sync(
            payment_validate_pre_checkout,
            payload=query.invoice_payload,
            telegram_user_id=query.from_user.id,
            currency=query.currency,
            total_amount=query.total_amount,
        )
    except PaymentRejected as exc:
        language = await language_for(query.from_user)
        await query.answer(ok=False, error_message=_error_text(language, exc))
        return
    except Exception:
        # Still answer: a silent bot leaves the user's payment window spinning.
        logger.exception("pre-checkout failed")
        language = await _language_or_telegrams(query.from_user)
        await query.answer(ok=False, error_message=render(language, texts.ERROR))
        return
    await query.answer(ok=True)


async def successful_payment(
    update: Update, context: ContextTypes.DEFAULT_TYPE
) -> None:
    message = update.effective_message
    telegram_user = update.effective_user
    assert message is not None and telegram_user is not None
    paid = message.successful_payment
    assert paid is not None
    try:
        result = await _record(
            payload=paid.invoice_payload,
            telegram_user_id=telegram_user.id,
            currency=paid.currency,
            total_amount=paid.total_amount,
            telegram_payment_charge_id=paid.telegram_payment_charge_id,
            provider_payment_charge_id=paid.provider_payment_charge_id or "",
        )
    except PaymentUnmatched as exc:
        # Recorded for staff by the service; the user hears that it will be sorted.
        language = await language_for(telegram_user)
        await context.bot.send_message(chat_id_of(update), _error_text(language, exc))
        return
    payment = result.payment
    with use_language(payment.user.preferred_language):
        if result.credited:
            text = texts.PAYMENT_CREDITED % {
                "count": number(payment.amount_stars),
                "balance": number(result.balance),
            }
        else:
            # The same charge again (Telegram resent the update): nothing was
            # added, but the user may never have seen the first answer.
            text = texts.PAYMENT_ALREADY_CREDITED % {"balance": number(result.balance)}
    await context.bot.send_message(chat_id_of(update), text)


async def _record(**charge: object) -> PaymentResult:
    delay = RECORD_RETRY_DELAY
    for attempt in range(1, RECORD_ATTEMPTS + 1):
        try:
            return await run_sync(payment_record_success, **charge)
        except (OperationalError, InterfaceError):
            # Logged with the whole charge, so that staff can credit it by hand
            # should every attempt fail.
            logger.error(
                "recording a successful payment failed",
                extra={"attempt": attempt, **charge},
                exc_info=True,
            )
            if attempt == RECORD_ATTEMPTS:
                raise
            await asyncio.sleep(delay)
            delay *= 2
    raise AssertionError("unreachable")


def _amount_parse(text: str) -> int | None:
    """A whole number (of any size or sign) or None. Bounds are checked apart so
    that the user is told which rule the number broke."""
    text = text.strip().removesuffix("⭐").strip()
    if not _AMOUNT_RE.fullmatch(text):
        return None
    return int(text)


def _ask_amount_text(language: str) -> str:
    with use_language(language):
        return texts.ASK_AMOUNT % {
            "min": number(PURCHASE_MIN_STARS),
            "max": number(PURCHASE_MAX_STARS),
        }


def _error_text(language: str, error: DomainError) -> str:
    with use_language(language):
        return str(error)


async def _language_or_telegrams(telegram_user: TelegramUser) -> str:
    try:
        return await language_for(telegram_user)
    except Exception:
        return user_language(None, telegram_user)
