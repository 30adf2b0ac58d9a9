"""Auctions in the bot: /auctions (a paged list), the auction card (opened from the
list, a deep link or a notification), refreshing it, and watching. Bidding is in
`bidding.py`."""

from __future__ import annotations

import logging
import uuid
from datetime import timedelta

from django.core.cache import cache
from telegram import CallbackQuery, InputFile, Message, Update
from telegram import User as TelegramUser
from telegram.error import BadRequest
from telegram.ext import ContextTypes

from auctions.services import unwatch, watch

from .. import auction_cards, callback_data, texts
from ..i18n import language_for, render, use_language, user_language
from ..runtime import run_sync
from ..selectors import (
    AuctionCard,
    CardPhoto,
    auction_card_get,
    auctions_active_page,
    bid_target_get,
    card_photo_read,
)
from .common import chat_id_of

logger = logging.getLogger(__name__)

# How long a picture's file_id is reused before uploading it again.
PHOTO_FILE_ID_TTL = timedelta(days=30)


def pressed_auction(update: Update) -> tuple[uuid.UUID, int | None]:
    """The auction (and the amount, on a spending button) of the pressed button.
    Only registered buttons reach the handlers, so the argument is well formed."""
    assert update.callback_query is not None
    pressed = callback_data.callback_data_decode(update.callback_query.data)
    assert pressed is not None
    key, _sep, amount = pressed.arg.partition(":")
    return uuid.UUID(hex=key), int(amount) if amount else None


# -- the list -----------------------------------------------------------------------


async def auctions_command(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    language = await language_for(update.effective_user)
    page = await run_sync(auctions_active_page, page=1)
    with use_language(language):
        text = auction_cards.list_text(page)
        markup = auction_cards.list_keyboard(page)
    await context.bot.send_message(chat_id_of(update), text, reply_markup=markup)


async def auctions_page_button(
    update: Update, context: ContextTypes.DEFAULT_TYPE
) -> None:
    """Previous / Next: the same message shows the other page."""
    query = update.callback_query
    assert query is not None
    await query.answer()
    pressed = callback_data.callback_data_decode(query.data)
    assert pressed is not None
    language = await language_for(update.effective_user)
    page = await run_sync(auctions_active_page, page=int(pressed.arg))
    with use_language(language):
        text = auction_cards.list_text(page)
        markup = auction_cards.list_keyboard(page)
    try:
        await query.edit_message_text(text, reply_markup=markup)
    except BadRequest as exc:
        if "not modified" in str(exc).lower():
            return  # a second tap on the same page
        await context.bot.send_message(chat_id_of(update), text, reply_markup=markup)


# -- the card -----------------------------------------------------------------------


async def card_open(
    context: ContextTypes.DEFAULT_TYPE,
    *,
    chat_id: int,
    telegram_user: TelegramUser,
    auction_uuid: uuid.UUID,
) -> bool:
    """Send the auction's card as a new message; False when there is no such
    auction (the caller says so)."""
    card = await run_sync(
        auction_card_get,
        auction_uuid=auction_uuid,
        telegram_id=telegram_user.id,
        photo=True,
    )
    if card is None:
        return False
    await card_send(
        context,
        chat_id=chat_id,
        card=card,
        language=user_language(card.viewer, telegram_user),
    )
    return True


async def open_button(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    query = update.callback_query
    telegram_user = update.effective_user
    assert query is not None and telegram_user is not None
    auction_uuid, _amount = pressed_auction(update)
    found = await card_open(
        context,
        chat_id=chat_id_of(update),
        telegram_user=telegram_user,
        auction_uuid=auction_uuid,
    )
    if found:
        await query.answer()
    else:
        language = await language_for(telegram_user)
        await query.answer(render(language, texts.AUCTION_NOT_FOUND), show_alert=True)


async def refresh_button(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    query = update.callback_query
    telegram_user = update.effective_user
    assert query is not None and telegram_user is not None
    auction_uuid, _amount = pressed_auction(update)
    card = await run_sync(
        auction_card_get, auction_uuid=auction_uuid, telegram_id=telegram_user.id
    )
    if card is None:
        language = await language_for(telegram_user)
        await query.answer(render(language, texts.AUCTION_NOT_FOUND), show_alert=True)
        return
    await query.answer()
    await card_refresh(
        query, context, card=card, language=user_language(card.viewer, telegram_user)
    )


async def watch_button(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    await _watch_toggle(update, context, on=True)


async def unwatch_button(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    await _watch_toggle(update, context, on=False)


async def _watch_toggle(
    update: Update, context: ContextTypes.DEFAULT_TYPE, *, on: bool
) -> None:
    query = update.callback_query
    telegram_user = update.effective_user
    assert query is not None and telegram_user is not None
    auction_uuid, _amount = pressed_auction(update)
    user, auction = await run_sync(
        bid_target_get, telegram_id=telegram_user.id, auction_uuid=auction_uuid
    )
    language = user_language(user, telegram_user)
    if user is None:
        await query.answer(render(language, texts.NO_ACCOUNT), show_alert=True)
        return
    if auction is None:
        await query.answer(render(language, texts.AUCTION_NOT_FOUND), show_alert=True)
        return
    if on:
        await run_sync(watch, user=user, auction=auction)
    else:
        await run_sync(unwatch, user=user, auction=auction)
    await query.answer(render(language, texts.WATCHING if on else texts.NOT_WATCHING))
    card = await run_sync(
        auction_card_get, auction_uuid=auction_uuid, telegram_id=telegram_user.id
    )
    if card is not None:
        await card_refresh(query, context, card=card, language=language)


# -- sending and refreshing a card -----------------------------------------------------


async def card_send(
    context: ContextTypes.DEFAULT_TYPE,
    *,
    chat_id: int,
    card: AuctionCard,
    language: str,
    notice: str = "",
) -> None:
    """A new message with the card: with its picture when it has one (and the
    picture can be sent), else as text."""
    with use_language(language):
        markup = auction_cards.card_keyboard(card)
        text = auction_cards.card_text(card, notice=notice)
        caption = auction_cards.card_caption(card, notice=notice)
    if card.photo is not None and await _photo_send(
        context, chat_id=chat_id, photo=card.photo, caption=caption, markup=markup
    ):
        return
    await context.bot.send_message(chat_id, text, reply_markup=markup)


async def _photo_send(
    context: ContextTypes.DEFAULT_TYPE,
    *,
    chat_id: int,
    photo: CardPhoto,
    caption: str,
    markup: object,
) -> bool:
    source: str | InputFile | None = photo.file_id or photo.url
    if source is None and photo.content is not None:
        source = InputFile(photo.content, filename="auction.jpg")
    message: Message | None = None
    if source is not None:
        try:
            message = await context.bot.send_photo(
                chat_id, source, caption=caption, reply_markup=markup
            )
        except BadRequest:
            # A file_id Telegram forgot, or a URL it could not fetch (the
            # media may not be served at the public address): upload instead.
            logger.warning(
                "auction picture refused", extra={"file": photo.name}, exc_info=True
            )
    if message is None and isinstance(source, str):
        content = await run_sync(card_photo_read, name=photo.name)
        if content is not None:
            try:
                message = await context.bot.send_photo(
                    chat_id,
                    InputFile(content, filename="auction.jpg"),
                    caption=caption,
                    reply_markup=markup,
                )
            except BadRequest:
                logger.warning(
                    "auction picture upload refused",
                    extra={"file": photo.name},
                    exc_info=True,
                )
    if message is None:
        return False
    if message.photo and message.photo[-1].file_id != photo.file_id:
        # Next time Telegram's copy is sent: no upload, no fetch.
        await run_sync(
            cache.set,
            photo.cache_key,
            message.photo[-1].file_id,
            PHOTO_FILE_ID_TTL.total_seconds(),
        )
    return True


async def card_refresh(
    query: CallbackQuery,
    context: ContextTypes.DEFAULT_TYPE,
    *,
    card: AuctionCard,
    language: str,
    notice: str = "",
) -> None:
    """Show the card as it is now in the message whose button was pressed, when
    that message is this auction's card; anything else (a notification) stays as
    it is, and the card comes as a new message."""
    message = query.message
    chat_id = message.chat.id if message is not None else query.from_user.id
    if not isinstance(message, Message) or not auction_cards.is_card(
        message, card.auction.uuid
    ):
        await _card_send_anew(
            context, query, chat_id=chat_id, card=card, language=language, notice=notice
        )
        return
    with use_language(language):
        markup = auction_cards.card_keyboard(card)
        if message.photo:
            text = auction_cards.card_caption(card, notice=notice)
        else:
            text = auction_cards.card_text(card, notice=notice)
    try:
        if message.photo:
            await query.edit_message_caption(caption=text, reply_markup=markup)
        else:
            await query.edit_message_text(text, reply_markup=markup)
    except BadRequest as exc:
        if "not modified" in str(exc).lower():
            return  # nothing changed since the card was drawn
        # Too old or deleted: the card comes as a new message instead.
        await _card_send_anew(
            context, query, chat_id=chat_id, card=card, language=language, notice=notice
        )


async def _card_send_anew(
    context: ContextTypes.DEFAULT_TYPE,
    query: CallbackQuery,
    *,
    chat_id: int,
    card: AuctionCard,
    language: str,
    notice: str,
) -> None:
    """A new message with the card, its picture included (an edit needs none)."""
    if card.photo is None:
        with_photo = await run_sync(
            auction_card_get,
            auction_uuid=card.auction.uuid,
            telegram_id=query.from_user.id,
            photo=True,
        )
        card = with_photo or card
    await card_send(
        context, chat_id=chat_id, card=card, language=language, notice=notice
    )
