"""What the bid-like services return."""

from __future__ import annotations

from dataclasses import dataclass

from auctions.models import Auction, Bid


@dataclass(frozen=True)
class BidResult:
    auction: Auction  # the auction as it is after the bid
    # The bidder's own bid as recorded; None when it only raised their maximum or
    # merely equalled an earlier maximum (which then shows instead).
    bid: Bid | None
    bids: tuple[Bid, ...]  # every row this call recorded, automatic ones included
    # Whether the bidder leads now (always False for sealed bids: hidden).
    leading: bool
    price_stars: int  # the auction's visible price afterwards
    extended: bool = False  # soft close moved the end
    finished: bool = False  # a Dutch accept or buy-it-now ended the auction
