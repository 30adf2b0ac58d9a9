"""Reads for auctions: what a page, the bot or a sweep may see. Hidden things
stay hidden here (the reserve, proxy maxima, sealed bids before the end), so no
caller can leak them by accident."""

from __future__ import annotations

import uuid as uuid_lib
from dataclasses import dataclass
from datetime import datetime

from django.db.models import QuerySet
from django.utils import timezone

from accounts.models import User
from auctions.models import Auction, AuctionHold, Bid, Watch
from auctions.rules import min_next_bid
from auctions.services.instant import dutch_price_at

Status = Auction.Status
Type = Auction.Type

PUBLIC_STATUSES = (Status.SCHEDULED, Status.ACTIVE, Status.FINISHED, Status.CANCELLED)


def auction_get_public(*, uuid: uuid_lib.UUID | str) -> Auction | None:
    """An auction anyone may open by its link (drafts are the seller's only)."""
    try:
        key = uuid if isinstance(uuid, uuid_lib.UUID) else uuid_lib.UUID(str(uuid))
    except ValueError:
        return None
    return (
        Auction.objects.select_related("seller", "category", "leader", "winner")
        .prefetch_related("images")
        .filter(uuid=key, status__in=PUBLIC_STATUSES)
        .first()
    )


@dataclass(frozen=True)
class BidView:
    """One line of the public bid history."""

    amount: int
    bidder: User
    is_automatic: bool
    created_at: datetime
    is_own: bool  # the viewer's own bid
    # The viewer's own proxy maximum on their own rows; None for everyone else's.
    own_max_amount: int | None = None


def auction_bid_history(
    *, auction: Auction, viewer: User | None, limit: int = 50
) -> list[BidView]:
    """Newest first. Sealed bids are hidden until the end, from everyone but the
    bidder who made them (the seller included); proxy maxima are never shown
    except to their owner; automatic steps are marked."""
    viewer_id = viewer.pk if viewer is not None and viewer.is_authenticated else None
    bids = Bid.objects.filter(auction=auction).select_related("bidder")
    if auction.type == Type.SEALED and auction.status != Status.FINISHED:
        if viewer_id is None:
            return []
        bids = bids.filter(bidder_id=viewer_id)
    return [
        BidView(
            amount=bid.amount,
            bidder=bid.bidder,
            is_automatic=bid.is_automatic,
            created_at=bid.created_at,
            is_own=bid.bidder_id == viewer_id,
            own_max_amount=bid.max_amount if bid.bidder_id == viewer_id else None,
        )
        for bid in bids.order_by("-created_at", "-id")[:limit]
    ]


def auction_price_now(auction: Auction, now: datetime | None = None) -> int:
    """The price to show: the Dutch price of this moment, else the current one."""
    if auction.type == Type.DUTCH and auction.status == Status.ACTIVE:
        return dutch_price_at(auction, now or timezone.now())
    return auction.current_price_stars


def auction_min_next_bid(auction: Auction) -> int:
    """The least a new bid may be (for the leader, who can only raise their
    maximum, it is the figure others must reach). Sealed: the starting price.
    Dutch: the price now."""
    if auction.type == Type.DUTCH:
        return auction_price_now(auction)
    if auction.type == Type.SEALED:
        return auction.starting_price_stars
    return min_next_bid(
        price=auction.current_price_stars,
        has_bids=auction.leader_id is not None,
        starting_price=auction.starting_price_stars,
        min_increment=auction.min_increment_stars,
    )


def auctions_due_for_close(
    *, now: datetime | None = None, limit: int = 100
) -> list[int]:
    """Ids of active auctions whose end has passed, the longest overdue first
    (served by the (status, ends_at) index)."""
    now = now or timezone.now()
    return list(
        Auction.objects.filter(status=Status.ACTIVE, ends_at__lte=now)
        .order_by("ends_at", "pk")
        .values_list("pk", flat=True)[:limit]
    )


def auction_extensions_left(auction: Auction) -> int:
    """For "extensions left k of K" (English auctions; 0 for the others)."""
    if auction.type != Type.ENGLISH:
        return 0
    return max(auction.max_extensions - auction.extensions_used, 0)


def reserve_met(auction: Auction) -> bool | None:
    """Whether the hidden reserve is met: None when there is no reserve (or, for a
    running sealed auction, when saying so would reveal the bids)."""
    reserve = auction.reserve_price_stars
    if reserve is None or auction.type == Type.DUTCH:
        return None
    if auction.status == Status.FINISHED:
        return auction.close_outcome == Auction.Outcome.SOLD
    if auction.type == Type.SEALED:
        return None
    return auction.leader_id is not None and auction.current_price_stars >= reserve


def auction_hold_for(*, auction: Auction, user: User) -> int:
    """The stars held from `user` for `auction` (0 if none)."""
    if user is None or not user.is_authenticated:
        return 0
    return (
        AuctionHold.objects.filter(auction=auction, user=user)
        .values_list("amount_stars", flat=True)
        .first()
        or 0
    )


def auction_is_watched(*, auction: Auction, user: User | None) -> bool:
    if user is None or not user.is_authenticated:
        return False
    return Watch.objects.filter(auction=auction, user=user).exists()


def watchlist_for_user(*, user: User) -> QuerySet[Auction]:
    return (
        Auction.objects.filter(watches__user=user)
        .select_related("category")
        .prefetch_related("images")
        .order_by("-watches__created_at")
    )
