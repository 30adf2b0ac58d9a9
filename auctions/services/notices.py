"""What bids and closes tell people, written to the outbox inside the same
transaction (`accounts.services.notify_many`: one statement per event), each
with an event key so a retried event is told once. The texts are the
`auction_*` kinds in `accounts/notifications.py`; payloads carry the auction's
uuid, from which the text builds the web link."""

from __future__ import annotations

from typing import Any

from django.db.models import BooleanField, Value

from accounts.models import Notification
from accounts.services import notify_many
from auctions.models import Auction, Bid, Watch
from auctions.rules import min_next_bid


def _base(auction: Auction) -> dict[str, Any]:
    return {"auction": str(auction.uuid), "title": auction.title}


def bidder_ids(auction: Auction) -> set[int]:
    return set(
        Bid.objects.filter(auction=auction)
        .order_by()
        .values_list("bidder_id", flat=True)
        .distinct()
    )


def watcher_ids(auction: Auction) -> set[int]:
    return set(
        Watch.objects.filter(auction=auction)
        .order_by()
        .values_list("user_id", flat=True)
    )


def audience(auction: Auction) -> tuple[set[int], set[int]]:
    """(bidder ids, watcher ids) in one query."""
    bidding = (
        Bid.objects.filter(auction=auction)
        .order_by()
        .values_list("bidder_id", Value(True, output_field=BooleanField()))
    )
    watching = (
        Watch.objects.filter(auction=auction)
        .order_by()
        .values_list("user_id", Value(False, output_field=BooleanField()))
    )
    bidders: set[int] = set()
    watchers: set[int] = set()
    for user_id, is_bidder in bidding.union(watching):
        (bidders if is_bidder else watchers).add(user_id)
    return bidders, watchers


def notify_bid(
    *, auction: Auction, bid: Bid, outbid: int | None = None, extended: bool = False
) -> None:
    """After a bid: the seller hears of it (sealed bids counted, not priced), the
    bidder `outbid` (who just lost the lead) gets the price to beat, and when
    soft close moved the end every bidder and watcher hears of it."""
    payload = _base(auction) | {"bids": auction.bid_count}
    if auction.type != Auction.Type.SEALED:
        payload["price"] = auction.current_price_stars
    key = f"auction:{auction.pk}:bid:{bid.pk}"
    rows = [
        Notification(
            recipient_id=auction.seller_id,
            kind="auction_new_bid",
            payload=payload,
            event_key=key,
        )
    ]
    if extended:
        rows += _extended(auction)
    if outbid is not None:
        next_bid = min_next_bid(
            price=auction.current_price_stars,
            has_bids=True,
            starting_price=auction.starting_price_stars,
            min_increment=auction.min_increment_stars,
        )
        rows.append(
            Notification(
                recipient_id=outbid,
                kind="auction_outbid",
                payload=_base(auction)
                | {"price": auction.current_price_stars, "next_bid": next_bid},
                event_key=key,
            )
        )
    notify_many(notifications=rows)


def _extended(auction: Auction) -> list[Notification]:
    """To every bidder and watcher (soft close moved the end)."""
    payload = _base(auction) | {
        "ends_at": auction.ends_at.isoformat(),
        "extensions_left": auction.max_extensions - auction.extensions_used,
        "max_extensions": auction.max_extensions,
    }
    bidders, watchers = audience(auction)
    key = f"auction:{auction.pk}:extension:{auction.extensions_used}"
    return [
        Notification(
            recipient_id=user_id,
            kind="auction_extended",
            payload=payload,
            event_key=key,
        )
        for user_id in sorted(bidders | watchers)
    ]


def notify_closed(*, auction: Auction, fee: int = 0) -> None:
    """Winner, seller, the other bidders and the watchers each hear how it ended."""
    key = f"auction:{auction.pk}:close"
    base = _base(auction)
    bidders, watchers = audience(auction)
    told = {auction.seller_id, *bidders}
    outcome = auction.close_outcome
    price = auction.final_price_stars
    rows: list[Notification] = []

    def tell(user_id: int, kind: str, **extra: Any) -> None:
        rows.append(
            Notification(
                recipient_id=user_id, kind=kind, payload=base | extra, event_key=key
            )
        )

    if outcome == Auction.Outcome.SOLD:
        tell(auction.winner_id, "auction_won", price=price)
        tell(auction.seller_id, "auction_sold", price=price, proceeds=price - fee)
        for user_id in sorted(bidders - {auction.winner_id}):
            tell(user_id, "auction_lost", price=price)
    elif outcome == Auction.Outcome.RESERVE_NOT_MET:
        tell(auction.seller_id, "auction_reserve_not_met", role="seller")
        for user_id in sorted(bidders):
            tell(user_id, "auction_reserve_not_met", role="bidder")
    else:
        tell(auction.seller_id, "auction_no_winner")
    for user_id in sorted(watchers - told):
        if outcome == Auction.Outcome.SOLD:
            tell(user_id, "auction_ended", sold=True, price=price)
        else:
            tell(user_id, "auction_ended", sold=False)
    notify_many(notifications=rows)
