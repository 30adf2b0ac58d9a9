"""/paysupport (Telegram expects it of every bot that takes payments): the user
picks the payment the problem is about, or "another problem", then describes it
in one message, which opens a support ticket."""

from __future__ import annotations

from telegram import Update
from telegram.ext import ContextTypes, ConversationHandler

from accounts.models import User
from payments.models import Payment
from support.errors import TicketRefused
from support.models import Ticket
from support.selectors import ticket_payment_get_for_user, ticket_payments_for_user
from support.services import ticket_open

from .. import callback_data, keyboards, texts
from ..i18n import day, number, render, use_language, user_language
from ..runtime import run_sync
from ..selectors import user_get_by_telegram_id
from .common import chat_id_of

# Conversation states.
CHOOSE_PAYMENT = "support:choose"
ASK_MESSAGE = "support:message"

# Between the two steps: the payment chosen, if any (kept in memory, like the
# conversation's state).
PAYMENT_KEY = "support_payment_id"


def _user_and_payments(*, telegram_id: int) -> tuple[User | None, list[Payment]]:
    user = user_get_by_telegram_id(telegram_id=telegram_id)
    return user, ticket_payments_for_user(user=user) if user else []


def _user_and_payment(
    *, telegram_id: int, payment_id: int | None
) -> tuple[User | None, Payment | None]:
    user = user_get_by_telegram_id(telegram_id=telegram_id)
    if user is None or payment_id is None:
        return user, None
    return user, ticket_payment_get_for_user(user=user, payment_id=payment_id)


async def paysupport_command(
    update: Update, context: ContextTypes.DEFAULT_TYPE
) -> object:
    telegram_user = update.effective_user
    assert telegram_user is not None and context.user_data is not None
    context.user_data.pop(PAYMENT_KEY, None)
    user, payments = await run_sync(_user_and_payments, telegram_id=telegram_user.id)
    markup = None
    with use_language(user_language(user, telegram_user)):
        if user is None:
            text, state = str(texts.NO_ACCOUNT), ConversationHandler.END
        elif not payments:
            text, state = str(texts.SUPPORT_ASK_MESSAGE), ASK_MESSAGE
        else:
            text, state = str(texts.SUPPORT_CHOOSE_PAYMENT), CHOOSE_PAYMENT
            markup = keyboards.support_payments(payments)
    await context.bot.send_message(chat_id_of(update), text, reply_markup=markup)
    return state


async def payment_chosen(update: Update, context: ContextTypes.DEFAULT_TYPE) -> object:
    query = update.callback_query
    telegram_user = update.effective_user
    assert query is not None and telegram_user is not None
    assert context.user_data is not None
    await query.answer()
    pressed = callback_data.callback_data_decode(query.data)
    assert pressed is not None
    user, payment = await run_sync(
        _user_and_payment, telegram_id=telegram_user.id, payment_id=int(pressed.arg)
    )
    with use_language(user_language(user, telegram_user)):
        if user is None:
            text, state = str(texts.NO_ACCOUNT), ConversationHandler.END
        elif payment is None:
            # Not this user's paid payment: a forged or foreign button.
            text, state = str(texts.SUPPORT_PAYMENT_UNKNOWN), ConversationHandler.END
        else:
            context.user_data[PAYMENT_KEY] = payment.pk
            text = texts.SUPPORT_ASK_MESSAGE_PAYMENT % {
                "id": payment.pk,
                "count": number(payment.amount_stars),
                "date": day(payment.paid_at or payment.created_at),
            }
            state = ASK_MESSAGE
    await context.bot.send_message(chat_id_of(update), text)
    return state


async def other_problem(update: Update, context: ContextTypes.DEFAULT_TYPE) -> object:
    assert update.callback_query is not None and context.user_data is not None
    await update.callback_query.answer()
    context.user_data.pop(PAYMENT_KEY, None)
    telegram_user = update.effective_user
    user = await run_sync(user_get_by_telegram_id, telegram_id=telegram_user.id)
    language = user_language(user, telegram_user)
    if user is None:
        await context.bot.send_message(
            chat_id_of(update), render(language, texts.NO_ACCOUNT)
        )
        return ConversationHandler.END
    await context.bot.send_message(
        chat_id_of(update), render(language, texts.SUPPORT_ASK_MESSAGE)
    )
    return ASK_MESSAGE


async def use_the_buttons(update: Update, context: ContextTypes.DEFAULT_TYPE) -> object:
    """Text while the payment is still to be chosen."""
    telegram_user = update.effective_user
    user = await run_sync(user_get_by_telegram_id, telegram_id=telegram_user.id)
    await context.bot.send_message(
        chat_id_of(update),
        render(user_language(user, telegram_user), texts.SUPPORT_USE_BUTTONS),
    )
    return CHOOSE_PAYMENT


async def message_typed(update: Update, context: ContextTypes.DEFAULT_TYPE) -> object:
    message = update.effective_message
    telegram_user = update.effective_user
    assert message is not None and telegram_user is not None
    assert context.user_data is not None
    payment_id = context.user_data.get(PAYMENT_KEY)
    user, payment = await run_sync(
        _user_and_payment, telegram_id=telegram_user.id, payment_id=payment_id
    )
    language = user_language(user, telegram_user)
    if user is None:
        await context.bot.send_message(
            chat_id_of(update), render(language, texts.NO_ACCOUNT)
        )
        return ConversationHandler.END
    try:
        ticket = await run_sync(
            ticket_open,
            user=user,
            category=Ticket.Category.PAYMENT,
            body=message.text or "",
            payment=payment,
        )
    except TicketRefused as exc:
        # Too long, say: the user may try again with a shorter message.
        with use_language(language):
            text = str(exc)
        await context.bot.send_message(chat_id_of(update), text)
        return ASK_MESSAGE
    context.user_data.pop(PAYMENT_KEY, None)
    await context.bot.send_message(
        chat_id_of(update), render(language, texts.SUPPORT_TICKET_OPENED, id=ticket.pk)
    )
    return ConversationHandler.END
