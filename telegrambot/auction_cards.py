"""An auction as the bot shows it: the card (text and buttons), the /auctions list,
and the buttons under an outbid notification. Render inside `i18n.use_language`.

Every spending button carries the amount its label shows; the handler bids exactly
that, so a card that went stale cannot spend more than the user saw."""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Any

from django.conf import settings
from django.utils.timesince import timeuntil
from telegram import InlineKeyboardButton, InlineKeyboardMarkup, Message

from auctions.models import Auction
from auctions.rules import increment_for

from . import callback_data, texts
from .i18n import number
from .keyboards import is_public_https
from .selectors import AuctionCard, AuctionsPage

Status = Auction.Status
Type = Auction.Type

# Telegram's limits: a message's text, a photo's caption.
TEXT_LIMIT = 4096
CAPTION_LIMIT = 1024
DESCRIPTION_CHARS = 300
LIST_TITLE_CHARS = 40


def card_text(card: AuctionCard, *, notice: str = "", limit: int = TEXT_LIMIT) -> str:
    auction = card.auction
    lines = [f"🔨 {auction.title}"]
    if auction.description:
        lines.append(_shorten(auction.description, DESCRIPTION_CHARS))
    lines.append("")
    lines.append(texts.CARD_TYPE % {"type": auction.get_type_display()})
    lines.append(texts.CARD_SELLER % {"name": auction.seller.display_name})
    lines += _price_lines(card)
    lines += _time_lines(card)
    lines += _viewer_lines(card)
    if notice:
        lines = [notice, "", *lines]
    text = "\n".join(lines)
    return _shorten(text, limit)


def card_caption(card: AuctionCard, *, notice: str = "") -> str:
    return card_text(card, notice=notice, limit=CAPTION_LIMIT)


def _price_lines(card: AuctionCard) -> list[str]:
    auction = card.auction
    lines: list[str] = []
    if auction.status == Status.FINISHED:
        if auction.close_outcome == Auction.Outcome.SOLD:
            price = number(auction.final_price_stars or auction.current_price_stars)
            lines.append(texts.CARD_ENDED_SOLD % {"price": price})
        else:
            lines.append(str(texts.CARD_ENDED_UNSOLD))
        return lines
    if auction.status == Status.CANCELLED:
        return [str(texts.CARD_CANCELLED)]
    if auction.type == Type.DUTCH:
        lines.append(texts.CARD_PRICE_DUTCH % {"price": number(card.price)})
        lines.append(
            texts.CARD_DUTCH_STEPS
            % {
                "step": number(auction.dutch_step_stars or 0),
                "minutes": number(auction.dutch_interval_minutes or 0),
                "floor": number(auction.dutch_floor_stars or 0),
            }
        )
        return lines
    if auction.type == Type.SEALED:
        lines.append(texts.CARD_PRICE_SEALED % {"price": number(card.min_bid)})
    elif auction.leader_id is None:
        lines.append(texts.CARD_PRICE_START % {"price": number(card.price)})
    else:
        lines.append(texts.CARD_PRICE % {"price": number(card.price)})
        lines.append(texts.CARD_NEXT_BID % {"amount": number(card.min_bid)})
    if _buy_now_offered(auction):
        lines.append(
            texts.CARD_BUY_NOW % {"price": number(auction.buy_now_price_stars or 0)}
        )
    lines.append(
        texts.CARD_BIDS
        % {"count": auction.bid_count, "shown": number(auction.bid_count)}
    )
    if card.reserve_met is True:
        lines.append(str(texts.CARD_RESERVE_MET))
    elif card.reserve_met is False:
        lines.append(str(texts.CARD_RESERVE_NOT_MET))
    return lines


def _time_lines(card: AuctionCard) -> list[str]:
    auction = card.auction
    if auction.status in (Status.FINISHED, Status.CANCELLED):
        return []
    if card.now < auction.starts_at:
        return [texts.CARD_STARTS_IN % {"left": time_left(auction.starts_at, card.now)}]
    left = time_left(auction.ends_at, card.now)
    if auction.type == Type.PERPETUAL:
        lines = [texts.CARD_ENDS_IN_PERPETUAL % {"left": left}]
    else:
        lines = [texts.CARD_ENDS_IN % {"left": left}]
    if auction.type == Type.ENGLISH:
        lines.append(
            texts.CARD_EXTENSIONS
            % {"left": card.extensions_left, "max": auction.max_extensions}
        )
    return lines


def _viewer_lines(card: AuctionCard) -> list[str]:
    auction, viewer = card.auction, card.viewer
    if viewer is None:
        return []
    lines: list[str] = []
    if viewer.pk == auction.seller_id:
        lines.append(str(texts.CARD_YOURS))
    elif auction.status == Status.FINISHED and auction.winner_id == viewer.pk:
        price = number(auction.final_price_stars or auction.current_price_stars)
        lines.append(texts.CARD_YOU_WON % {"price": price})
    elif auction.status == Status.ACTIVE:
        if auction.type == Type.SEALED and card.own_bid:
            lines.append(texts.CARD_SEALED_OWN % {"amount": number(card.own_bid)})
        elif auction.leader_id == viewer.pk and auction.type != Type.DUTCH:
            maximum = auction.leader_max_stars or auction.current_price_stars
            lines.append(texts.CARD_LEADING % {"maximum": number(maximum)})
        elif card.own_bid and auction.type != Type.DUTCH:
            lines.append(str(texts.CARD_OUTBID))
    if card.held:
        lines.append(texts.CARD_HELD % {"amount": number(card.held)})
    return ["", *lines] if lines else []


def time_left(moment: datetime, now: datetime) -> str:
    if (moment - now).total_seconds() < 60:
        return str(texts.CARD_LESS_THAN_A_MINUTE)
    return timeuntil(moment, now, depth=2)


def card_keyboard(card: AuctionCard) -> InlineKeyboardMarkup:
    auction = card.auction
    key = auction.uuid.hex
    rows: list[list[InlineKeyboardButton]] = []
    if card_can_bid(card):
        rows += _bid_rows(card)
    bottom = [_button(texts.BUTTON_REFRESH, callback_data.AUCTION_REFRESH, key)]
    open_ = auction.status in (Status.SCHEDULED, Status.ACTIVE)
    is_seller = card.viewer is not None and card.viewer.pk == auction.seller_id
    if open_ and not is_seller:
        if card.watched:
            watch = _button(texts.BUTTON_UNWATCH, callback_data.AUCTION_UNWATCH, key)
        else:
            watch = _button(texts.BUTTON_WATCH, callback_data.AUCTION_WATCH, key)
        bottom.insert(0, watch)
    rows.append(bottom)
    web = _web_button(auction.uuid)
    if web is not None:
        rows.append([web])
    return InlineKeyboardMarkup(rows)


def card_can_bid(card: AuctionCard) -> bool:
    """Whether the card offers bidding: a running auction, not the viewer's own.
    (The services decide; this only keeps pointless buttons off the card.)"""
    auction, viewer = card.auction, card.viewer
    return (
        auction.status == Status.ACTIVE
        and auction.starts_at <= card.now < auction.ends_at
        and (viewer is None or viewer.pk != auction.seller_id)
    )


def _bid_rows(card: AuctionCard) -> list[list[InlineKeyboardButton]]:
    auction = card.auction
    key = auction.uuid.hex
    viewer_leads = card.viewer is not None and auction.leader_id == card.viewer.pk
    if auction.type == Type.DUTCH:
        label = texts.BUTTON_ACCEPT % {"amount": number(card.price)}
        return [[_button(label, callback_data.AUCTION_ACCEPT, f"{key}:{card.price}")]]
    custom = _button(texts.BUTTON_CUSTOM_AMOUNT, callback_data.AUCTION_CUSTOM, key)
    if auction.type == Type.SEALED:
        rows = []
        if not card.own_bid:
            label = texts.BUTTON_BID % {"amount": number(card.min_bid)}
            rows.append(
                [_button(label, callback_data.AUCTION_BID, f"{key}:{card.min_bid}")]
            )
        return [*rows, [custom]]
    if viewer_leads:
        # The leader can only raise their maximum (a bid against oneself would
        # only raise one's own price).
        label = texts.BUTTON_RAISE_MAXIMUM
        return [[_button(label, callback_data.AUCTION_MAXIMUM, key)]]
    one = card.min_bid
    two = one + increment_for(one, auction.min_increment_stars)
    rows = [
        [
            _button(
                texts.BUTTON_BID % {"amount": number(one)},
                callback_data.AUCTION_BID,
                f"{key}:{one}",
            ),
            _button(
                texts.BUTTON_BID_TWO_STEPS % {"amount": number(two)},
                callback_data.AUCTION_BID,
                f"{key}:{two}",
            ),
        ],
        [custom, _button(texts.BUTTON_SET_MAXIMUM, callback_data.AUCTION_MAXIMUM, key)],
    ]
    if _buy_now_offered(auction):
        price = auction.buy_now_price_stars
        label = texts.BUTTON_BUY_NOW % {"amount": number(price or 0)}
        rows.append([_button(label, callback_data.AUCTION_BUY_NOW, f"{key}:{price}")])
    return rows


def _buy_now_offered(auction: Auction) -> bool:
    return (
        auction.type == Type.ENGLISH
        and auction.buy_now_price_stars is not None
        and not auction.bid_count
        and auction.leader_id is None
    )


def is_card(message: Message | None, auction_uuid: uuid.UUID) -> bool:
    """Whether `message` is this auction's card (it has the Refresh button), as
    opposed to, say, a notification with a Bid button: a card is refreshed in
    place, a notification is left as it is and answered with a new card."""
    if message is None or message.reply_markup is None:
        return False
    refresh = callback_data.callback_data_encode(
        callback_data.AUCTION_REFRESH, auction_uuid.hex
    )
    return any(
        button.callback_data == refresh
        for row in message.reply_markup.inline_keyboard
        for button in row
    )


def list_text(page: AuctionsPage) -> str:
    if not page.auctions:
        return str(texts.AUCTIONS_EMPTY)
    lines = [
        texts.AUCTIONS_HEADER % {"page": page.number, "pages": page.pages},
        "",
    ]
    for index, (auction, price) in enumerate(page.auctions, start=page.first):
        params = {
            "number": index,
            "title": _shorten(auction.title, LIST_TITLE_CHARS),
            "price": f"{number(price)} ⭐",
            "left": time_left(auction.ends_at, page.now),
        }
        if auction.type == Type.SEALED:
            lines.append(texts.AUCTIONS_LINE_SEALED % params)
        else:
            lines.append(texts.AUCTIONS_LINE % params)
    return "\n".join(lines)


def list_keyboard(page: AuctionsPage) -> InlineKeyboardMarkup | None:
    if not page.auctions:
        return None
    rows = [
        [
            _button(
                f"{index}. {_shorten(auction.title, LIST_TITLE_CHARS)}",
                callback_data.AUCTION_OPEN,
                auction.uuid.hex,
            )
        ]
        for index, (auction, _price) in enumerate(page.auctions, start=page.first)
    ]
    paging = []
    if page.number > 1:
        paging.append(
            _button(texts.BUTTON_PREVIOUS, callback_data.AUCTIONS_PAGE, page.number - 1)
        )
    if page.number < page.pages:
        paging.append(
            _button(texts.BUTTON_NEXT, callback_data.AUCTIONS_PAGE, page.number + 1)
        )
    if paging:
        rows.append(paging)
    return InlineKeyboardMarkup(rows)


def notice_reply_markup(
    *, auction_uuid: uuid.UUID, bid_amount: int | None = None
) -> dict[str, Any]:
    """The buttons under an auction notification, as the Bot API takes them: bid
    the amount the notification names (when it names one), open the card in the
    bot, and the web page when the site is public."""
    key = auction_uuid.hex
    first_row = []
    if bid_amount is not None:
        first_row.append(
            _button(
                texts.BUTTON_BID % {"amount": number(bid_amount)},
                callback_data.AUCTION_BID,
                f"{key}:{bid_amount}",
            )
        )
    first_row.append(
        _button(texts.BUTTON_AUCTION_CARD, callback_data.AUCTION_OPEN, key)
    )
    rows = [first_row]
    web = _web_button(auction_uuid)
    if web is not None:
        rows.append([web])
    return InlineKeyboardMarkup(rows).to_dict()


def _web_button(auction_uuid: uuid.UUID) -> InlineKeyboardButton | None:
    # Telegram refuses a URL button to a local address, and the whole message
    # with it.
    url = f"{settings.BASE_URL}/auction/{auction_uuid}"
    if not is_public_https(url):
        return None
    return InlineKeyboardButton(str(texts.BUTTON_AUCTION_WEB), url=url)


def _button(
    label: object, button: callback_data.Button, arg: str | int = ""
) -> InlineKeyboardButton:
    return InlineKeyboardButton(
        str(label), callback_data=callback_data.callback_data_encode(button, arg)
    )


def _shorten(text: str, limit: int) -> str:
    return text if len(text) <= limit else text[: limit - 1] + "…"
