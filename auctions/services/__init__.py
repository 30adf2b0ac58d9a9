"""Writes to auctions: the only code that changes an auction, its bids or the
stars held for it. Import from here."""

from __future__ import annotations

from .bidding import bid_place
from .closing import CloseResult, auction_close, auction_close_early
from .creation import (
    AuctionNotEditable,
    SellingNotAllowed,
    SubscriptionRequired,
    auction_cancel,
    auction_create,
    auction_update,
)
from .instant import auction_buy_now, dutch_accept, dutch_price_at
from .results import BidResult
from .terms import AuctionInvalid
from .watch import unwatch, watch

__all__ = [
    "AuctionInvalid",
    "AuctionNotEditable",
    "BidResult",
    "CloseResult",
    "SellingNotAllowed",
    "SubscriptionRequired",
    "auction_buy_now",
    "auction_cancel",
    "auction_close",
    "auction_close_early",
    "auction_create",
    "bid_place",
    "dutch_accept",
    "dutch_price_at",
    "auction_update",
    "unwatch",
    "watch",
]
