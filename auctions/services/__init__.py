"""Writes to auctions: the only code that changes an auction, its bids or the
stars held for it. Import from here."""

from __future__ import annotations

from .bidding import BidResult, bid_place
from .closing import CloseResult, auction_close, auction_close_early
from .instant import auction_buy_now, dutch_accept, dutch_price_at
from .watch import unwatch, watch

__all__ = [
    "BidResult",
    "CloseResult",
    "auction_buy_now",
    "auction_close",
    "auction_close_early",
    "bid_place",
    "dutch_accept",
    "dutch_price_at",
    "unwatch",
    "watch",
]
