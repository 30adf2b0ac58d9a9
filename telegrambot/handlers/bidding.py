"""Bidding from the card: the Bid, Accept (Dutch) and Buy-now buttons, and the two
questions "how many stars?" (a custom bid) and "your maximum?" (a proxy bid).

A button bids exactly the amount its label showed. When the price has moved past
it, the service refuses (below the minimum) and the user gets the updated card
instead of a bigger bid they never saw. Updates of one user are processed one
after another (`runtime.PerUserUpdateProcessor`), so a double tap is two bids in
a row, and the second meets the first: "you are already the highest bidder"."""

from __future__ import annotations

import uuid

from telegram import CallbackQuery, Update
from telegram import User as TelegramUser
from telegram.ext import ContextTypes, ConversationHandler

from accounts.models import User
from auction_bot.errors import DomainError
from auctions.errors import BidRefused, BidTooLow
from auctions.models import Auction
from auctions.selectors import auction_get_public, auction_min_next_bid
from auctions.services import BidResult, auction_buy_now, bid_place
from payments.errors import InsufficientStars, InvalidAmount

from .. import auction_cards, callback_data, keyboards, texts
from ..i18n import language_for, number, render, use_language, user_language
from ..runtime import run_sync
from ..selectors import AuctionCard, auction_card_get, bid_target_get
from .auctions import card_refresh, card_send, pressed_auction
from .common import chat_id_of
from .payments import _amount_parse

# Conversation states: waiting for a typed bid, or a typed maximum.
ASK_BID = "auction:bid"
ASK_MAXIMUM = "auction:maximum"

# Between the question and the answer: which auction (kept in memory, like the
# conversation's state).
AUCTION_KEY = "auction_uuid"

# A maximum alone bids the least allowed; another bid may raise that minimum
# between reading it and bidding, so it is read again a few times.
MAXIMUM_ATTEMPTS = 3


# -- buttons ----------------------------------------------------------------------------


async def bid_button(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    """ "Bid N ⭐", "+2 increments", "Accept at N ⭐" and "Buy now N ⭐"."""
    query = update.callback_query
    telegram_user = update.effective_user
    assert query is not None and telegram_user is not None
    pressed = callback_data.callback_data_decode(query.data)
    assert pressed is not None
    auction_uuid, amount = pressed_auction(update)
    assert amount is not None
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
    # An Accept button is for a Dutch auction only, a Bid button for the others:
    # a forged mix would spend stars in a way no card offered.
    is_dutch = auction.type == Auction.Type.DUTCH
    if (pressed.button == callback_data.AUCTION_ACCEPT) != is_dutch:
        await query.answer(render(language, texts.STALE_BUTTON), show_alert=True)
        return
    buy_now = pressed.button == callback_data.AUCTION_BUY_NOW
    if buy_now and auction.buy_now_price_stars != amount:
        # The seller changed the price since the card was drawn.
        await query.answer(render(language, texts.PRICE_CHANGED), show_alert=True)
        await _refresh(query, context, auction_uuid, telegram_user, language)
        return
    try:
        if buy_now:
            result = await run_sync(auction_buy_now, auction=auction, buyer=user)
        else:
            # A Dutch price only falls: an accepted offer never pays more than N.
            result = await run_sync(
                bid_place, auction=auction, bidder=user, amount=amount
            )
    except BidTooLow:
        await query.answer(render(language, texts.PRICE_CHANGED), show_alert=True)
        await _refresh(query, context, auction_uuid, telegram_user, language)
        return
    except InsufficientStars as exc:
        await query.answer()
        await _offer_stars(context, chat_id_of(update), language, exc)
        return
    except DomainError as exc:
        await query.answer(_error_text(language, exc), show_alert=True)
        await _refresh(query, context, auction_uuid, telegram_user, language)
        return
    notice = _outcome(language, result, amount=amount)
    await query.answer(notice)
    await _refresh(query, context, auction_uuid, telegram_user, language, notice)


# -- typed amounts -------------------------------------------------------------------------


async def ask_bid(update: Update, context: ContextTypes.DEFAULT_TYPE) -> object:
    """ "Custom amount": the next text is the bid."""
    return await _ask(update, context, ASK_BID)


async def ask_maximum(update: Update, context: ContextTypes.DEFAULT_TYPE) -> object:
    """ "Set maximum": the next text is the most the user would pay."""
    return await _ask(update, context, ASK_MAXIMUM)


async def _ask(
    update: Update, context: ContextTypes.DEFAULT_TYPE, state: str
) -> object:
    query = update.callback_query
    telegram_user = update.effective_user
    assert query is not None and telegram_user is not None
    assert context.user_data is not None
    await query.answer()
    auction_uuid, _amount = pressed_auction(update)
    card = await run_sync(
        auction_card_get, auction_uuid=auction_uuid, telegram_id=telegram_user.id
    )
    problem = await _cannot_ask(card, telegram_user, state)
    if problem is not None:
        await context.bot.send_message(chat_id_of(update), problem)
        return ConversationHandler.END
    assert card is not None
    context.user_data[AUCTION_KEY] = auction_uuid.hex
    language = user_language(card.viewer, telegram_user)
    await context.bot.send_message(chat_id_of(update), _question(language, card, state))
    return state


async def bid_typed(update: Update, context: ContextTypes.DEFAULT_TYPE) -> object:
    return await _typed(update, context, ASK_BID)


async def maximum_typed(update: Update, context: ContextTypes.DEFAULT_TYPE) -> object:
    return await _typed(update, context, ASK_MAXIMUM)


async def _typed(
    update: Update, context: ContextTypes.DEFAULT_TYPE, state: str
) -> object:
    message = update.effective_message
    telegram_user = update.effective_user
    assert message is not None and telegram_user is not None
    assert context.user_data is not None
    chat_id = chat_id_of(update)
    key = context.user_data.get(AUCTION_KEY)
    if key is None:  # the bot restarted and lost the question's auction
        return ConversationHandler.END
    auction_uuid = uuid.UUID(hex=key)
    user, auction = await run_sync(
        bid_target_get, telegram_id=telegram_user.id, auction_uuid=auction_uuid
    )
    language = user_language(user, telegram_user)
    if user is None or auction is None:
        problem = texts.NO_ACCOUNT if user is None else texts.AUCTION_NOT_FOUND
        await context.bot.send_message(chat_id, render(language, problem))
        return ConversationHandler.END
    amount = _amount_parse(message.text or "")
    try:
        if amount is None:
            raise InvalidAmount(texts.AMOUNT_NOT_A_NUMBER)
        if state == ASK_MAXIMUM:
            result = await run_sync(
                _maximum_place, auction=auction, bidder=user, maximum=amount
            )
        else:
            result = await run_sync(
                bid_place, auction=auction, bidder=user, amount=amount
            )
    except InsufficientStars as exc:
        await _offer_stars(context, chat_id, language, exc)
        return _end(context)
    except (InvalidAmount, BidTooLow, BidRefused) as exc:
        # Most likely a number the rules do not take: ask again, unless the card
        # has changed so that there is nothing left to ask.
        card = await run_sync(
            auction_card_get, auction_uuid=auction_uuid, telegram_id=telegram_user.id
        )
        problem = await _cannot_ask(card, telegram_user, state)
        if problem is not None or card is None:
            await context.bot.send_message(
                chat_id, _error_text(language, exc) + "\n" + (problem or "")
            )
            return _end(context)
        await context.bot.send_message(
            chat_id,
            _error_text(language, exc) + "\n" + _question(language, card, state),
        )
        return state
    except DomainError as exc:
        await context.bot.send_message(chat_id, _error_text(language, exc))
        return _end(context)
    notice = _outcome(language, result, amount=amount, maximum=state == ASK_MAXIMUM)
    card = await run_sync(
        auction_card_get,
        auction_uuid=auction_uuid,
        telegram_id=telegram_user.id,
        photo=True,
    )
    if card is not None:
        await card_send(
            context, chat_id=chat_id, card=card, language=language, notice=notice
        )
    else:
        await context.bot.send_message(chat_id, notice)
    return _end(context)


def _maximum_place(*, auction: Auction, bidder: User, maximum: int) -> BidResult:
    """A proxy bid given only its maximum: the visible bid is the least allowed
    now, and the service bids on from there as needed."""
    for attempt in range(1, MAXIMUM_ATTEMPTS + 1):
        fresh = auction_get_public(uuid=auction.uuid) or auction
        try:
            return bid_place(
                auction=fresh,
                bidder=bidder,
                amount=auction_min_next_bid(fresh),
                max_amount=maximum,
            )
        except BidTooLow:
            if attempt == MAXIMUM_ATTEMPTS:
                raise
    raise AssertionError("unreachable")


async def _cannot_ask(
    card: AuctionCard | None, telegram_user: TelegramUser, state: str
) -> str | None:
    """Why there is no question to ask about this auction, or None."""
    if card is None:
        language = await language_for(telegram_user)
        return render(language, texts.AUCTION_NOT_FOUND)
    language = user_language(card.viewer, telegram_user)
    if card.viewer is None:
        return render(language, texts.NO_ACCOUNT)
    auction = card.auction
    no_question = (
        not auction_cards.card_can_bid(card)
        or auction.type == Auction.Type.DUTCH
        or (state == ASK_MAXIMUM and auction.type == Auction.Type.SEALED)
        or (
            state == ASK_BID
            and auction.type != Auction.Type.SEALED
            and auction.leader_id == card.viewer.pk
        )
    )
    if not no_question:
        return None
    with use_language(language):
        if auction.status == Auction.Status.CANCELLED:
            return str(texts.CARD_CANCELLED)
        if auction.status == Auction.Status.FINISHED or card.now >= auction.ends_at:
            return str(texts.AUCTION_ENDED)
        return str(texts.CANNOT_BID)


def _question(language: str, card: AuctionCard, state: str) -> str:
    auction = card.auction
    with use_language(language):
        if state == ASK_MAXIMUM and auction.leader_id == card.viewer.pk:
            return texts.ASK_HIGHER_MAXIMUM % {
                "title": auction.title,
                "maximum": number(auction.leader_max_stars or 0),
            }
        minimum = card.min_bid
        if auction.type == Auction.Type.SEALED and card.own_bid:
            minimum = max(minimum, card.own_bid + 1)
        question = texts.ASK_MAXIMUM if state == ASK_MAXIMUM else texts.ASK_BID
        return question % {"title": auction.title, "minimum": number(minimum)}


def _end(context: ContextTypes.DEFAULT_TYPE) -> object:
    if context.user_data is not None:
        context.user_data.pop(AUCTION_KEY, None)
    return ConversationHandler.END


# -- replies ------------------------------------------------------------------------------


def _outcome(
    language: str, result: BidResult, *, amount: int | None, maximum: bool = False
) -> str:
    auction = result.auction
    price = number(result.price_stars)
    with use_language(language):
        if result.finished:
            return texts.BOUGHT % {"title": auction.title, "price": price}
        if auction.type == Auction.Type.SEALED:
            return texts.BID_SEALED % {"amount": number(amount or 0)}
        if not result.leading:
            return texts.BID_OUTBID % {"price": price}
        if maximum:
            return texts.MAXIMUM_LEADING % {
                "maximum": number(auction.leader_max_stars or 0),
                "price": price,
            }
        return texts.BID_LEADING % {"price": price}


async def _offer_stars(
    context: ContextTypes.DEFAULT_TYPE, chat_id: int, language: str, exc: DomainError
) -> None:
    with use_language(language):
        text, markup = str(exc), keyboards.buy_stars_button()
    await context.bot.send_message(chat_id, text, reply_markup=markup)


async def _refresh(
    query: CallbackQuery,
    context: ContextTypes.DEFAULT_TYPE,
    auction_uuid: uuid.UUID,
    telegram_user: TelegramUser,
    language: str,
    notice: str = "",
) -> None:
    card = await run_sync(
        auction_card_get, auction_uuid=auction_uuid, telegram_id=telegram_user.id
    )
    if card is not None:
        await card_refresh(query, context, card=card, language=language, notice=notice)


def _error_text(language: str, error: DomainError) -> str:
    with use_language(language):
        return str(error)
