"""What bids and closes tell people, written to the outbox inside the same
transaction (`accounts.services.notify`), each with an event key so a retried
event is told once. The texts are the `auction_*` kinds in
`accounts/notifications.py`; payloads carry the auction's uuid, from which the
text builds the web link."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from accounts.models import User
from accounts.services import notify
from auctions.models import Auction, Bid, Watch
from auctions.rules import min_next_bid


def _base(auction: Auction) -> dict[str, Any]:
    return {"auction": str(auction.uuid), "title": auction.title}


def _users(ids: Iterable[int]) -> list[User]:
    return list(User.objects.filter(pk__in=set(ids)).order_by("pk"))


def bidder_ids(auction: Auction) -> set[int]:
    return set(Bid.objects.filter(auction=auction).values_list("bidder_id", flat=True))


def watcher_ids(auction: Auction) -> set[int]:
    return set(
        Watch.objects.filter(auction=auction)
        .order_by()
        .values_list("user_id", flat=True)
    )


def notify_new_bid(*, auction: Auction, bid: Bid) -> None:
    """To the seller. Sealed bids are counted, not priced."""
    payload = _base(auction) | {"bids": auction.bid_count}
    if auction.type != Auction.Type.SEALED:
        payload["price"] = auction.current_price_stars
    notify(
        recipient=auction.seller,
        kind="auction_new_bid",
        payload=payload,
        event_key=f"auction:{auction.pk}:bid:{bid.pk}",
    )


def notify_outbid(*, auction: Auction, previous_leader: User, bid: Bid) -> None:
    """To the bidder who just lost the lead, with the price to beat."""
    next_bid = min_next_bid(
        price=auction.current_price_stars,
        has_bids=True,
        starting_price=auction.starting_price_stars,
        min_increment=auction.min_increment_stars,
    )
    notify(
        recipient=previous_leader,
        kind="auction_outbid",
        payload=_base(auction)
        | {"price": auction.current_price_stars, "next_bid": next_bid},
        event_key=f"auction:{auction.pk}:bid:{bid.pk}",
    )


def notify_extended(*, auction: Auction) -> None:
    """To every bidder and watcher (soft close moved the end)."""
    payload = _base(auction) | {
        "ends_at": auction.ends_at.isoformat(),
        "extensions_left": auction.max_extensions - auction.extensions_used,
        "max_extensions": auction.max_extensions,
    }
    for user in _users(bidder_ids(auction) | watcher_ids(auction)):
        notify(
            recipient=user,
            kind="auction_extended",
            payload=payload,
            event_key=f"auction:{auction.pk}:extension:{auction.extensions_used}",
        )


def notify_closed(*, auction: Auction, fee: int = 0) -> None:
    """Winner, seller, the other bidders and the watchers each hear how it ended."""
    key = f"auction:{auction.pk}:close"
    base = _base(auction)
    bidders = bidder_ids(auction)
    told = {auction.seller_id, *bidders}
    outcome = auction.close_outcome
    price = auction.final_price_stars
    users = {user.pk: user for user in _users(told | watcher_ids(auction))}

    def tell(user_id: int, kind: str, **extra: Any) -> None:
        notify(
            recipient=users[user_id],
            kind=kind,
            payload=base | extra,
            event_key=key,
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
    for user_id in sorted(set(users) - told):
        if outcome == Auction.Outcome.SOLD:
            tell(user_id, "auction_ended", sold=True, price=price)
        else:
            tell(user_id, "auction_ended", sold=False)
