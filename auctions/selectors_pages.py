"""Reads for the web pages: the list of running auctions, the live state of an
auction page, what the viewer has at stake on it, and /my_auctions. Each page
makes a fixed number of queries, whatever the number of auctions or bids. The
hiding rules (reserve, proxy maxima, sealed bids) stay in `auctions.selectors`."""

from __future__ import annotations

import hashlib
import uuid as uuid_lib
from dataclasses import dataclass
from datetime import datetime

from django.db.models import F, Max, OuterRef, Prefetch, QuerySet, Subquery
from django.utils import timezone

from accounts.models import User
from auctions.models import Auction, AuctionHold, AuctionImage, Bid
from auctions.selectors import PUBLIC_STATUSES, auction_hold_for, auction_price_now

Status = Auction.Status
Type = Auction.Type

# The columns that decide what the live part of an auction page shows.
LIVE_FIELDS = (
    "pk",
    "uuid",
    "type",
    "status",
    "starts_at",
    "ends_at",
    "updated_at",
    "bid_count",
    "current_price_stars",
    "starting_price_stars",
    "dutch_step_stars",
    "dutch_interval_minutes",
    "dutch_floor_stars",
)


class Phase:
    """Where an auction is in its life as a bidder sees it at this moment (the
    status can lag the clock by a few seconds, until the sweep runs)."""

    SCHEDULED = "scheduled"
    OPEN = "open"
    CLOSING = "closing"  # the end passed; the sweep is about to settle it
    FINISHED = "finished"
    CANCELLED = "cancelled"


def auction_phase(auction: Auction, now: datetime) -> str:
    if auction.status == Status.CANCELLED:
        return Phase.CANCELLED
    if auction.status == Status.FINISHED:
        return Phase.FINISHED
    if auction.status != Status.ACTIVE or now < auction.starts_at:
        return Phase.SCHEDULED
    if now >= auction.ends_at:
        return Phase.CLOSING
    return Phase.OPEN


def auction_live_version(auction: Auction, now: datetime) -> str:
    """A short tag that changes whenever anything the live part of the page shows
    changes: every bid, raise, extension and close saves the row (updated_at);
    the phase and the Dutch price move with the clock alone. Nothing hidden goes
    into it, so it cannot leak a maximum."""
    parts = (
        auction.updated_at.isoformat(),
        auction.status,
        auction_phase(auction, now),
        auction.ends_at.isoformat(),
        str(auction.bid_count),
        str(auction_price_now(auction, now)),
    )
    return hashlib.blake2b("|".join(parts).encode(), digest_size=8).hexdigest()


def auction_live_marker(*, uuid: uuid_lib.UUID | str) -> Auction | None:
    """Just enough of a public auction to compute its live version: one small
    query, for the poll that usually finds nothing new."""
    try:
        key = uuid if isinstance(uuid, uuid_lib.UUID) else uuid_lib.UUID(str(uuid))
    except ValueError:
        return None
    return (
        Auction.objects.only(*LIVE_FIELDS)
        .filter(uuid=key, status__in=PUBLIC_STATUSES)
        .first()
    )


@dataclass(frozen=True)
class Stake:
    """What the viewer has riding on one auction. `max_amount` is their own
    proxy maximum — shown to them only."""

    top_bid: int | None = None
    max_amount: int | None = None
    hold: int = 0

    @property
    def has_bid(self) -> bool:
        return self.top_bid is not None


def auction_stake(*, auction: Auction, user: User | None) -> Stake:
    """The viewer's highest bid, highest maximum and held stars (two queries at
    most)."""
    if user is None or not user.is_authenticated:
        return Stake()
    mine = Bid.objects.filter(auction=auction, bidder=user).aggregate(
        top=Max("amount"), top_max=Max("max_amount")
    )
    if mine["top"] is None:
        return Stake()
    return Stake(
        top_bid=mine["top"],
        max_amount=mine["top_max"],
        hold=auction_hold_for(auction=auction, user=user),
    )


def _with_first_image(queryset: QuerySet[Auction]) -> QuerySet[Auction]:
    """Cards need one picture each: all of them come in one more query."""
    return queryset.prefetch_related(
        Prefetch(
            "images",
            queryset=AuctionImage.objects.order_by("position", "pk"),
            to_attr="ordered_images",
        )
    )


def auctions_active(*, now: datetime | None = None) -> QuerySet[Auction]:
    """Running auctions for the front page, the soonest to end first."""
    now = now or timezone.now()
    return _with_first_image(
        Auction.objects.filter(
            status=Status.ACTIVE, starts_at__lte=now, ends_at__gt=now
        ).order_by("ends_at", "pk")
    )


def watchlist_page(*, user: User) -> QuerySet[Auction]:
    return _with_first_image(
        Auction.objects.filter(watches__user=user, status__in=PUBLIC_STATUSES)
        .annotate(watched_at=Max("watches__created_at"))
        .order_by("-watched_at", "-pk")
    )


def my_selling(*, user: User) -> QuerySet[Auction]:
    return _with_first_image(
        Auction.objects.filter(seller=user)
        .select_related("winner")
        .order_by("-created_at", "-pk")
    )


def my_bidding(*, user: User) -> QuerySet[Auction]:
    """Auctions the user has bid on and not won, running ones first, each with
    the user's highest bid, highest maximum and held stars; the ones that ended
    most recently come next."""
    mine = Bid.objects.filter(auction=OuterRef("pk"), bidder=user)
    return _with_first_image(
        Auction.objects.filter(
            pk__in=Bid.objects.filter(bidder=user).values("auction_id"),
            status__in=PUBLIC_STATUSES,
        )
        .exclude(winner=user)
        .annotate(
            my_top_bid=Subquery(mine.order_by("-amount").values("amount")[:1]),
            my_max=Subquery(
                mine.filter(max_amount__isnull=False)
                .order_by("-max_amount")
                .values("max_amount")[:1]
            ),
            my_hold=Subquery(
                AuctionHold.objects.filter(auction=OuterRef("pk"), user=user).values(
                    "amount_stars"
                )[:1]
            ),
        )
        .order_by(F("closed_at").desc(nulls_first=True), "ends_at", "pk")
    )


def my_won(*, user: User) -> QuerySet[Auction]:
    return _with_first_image(
        Auction.objects.filter(winner=user, status=Status.FINISHED)
        .select_related("seller")
        .order_by("-closed_at", "-pk")
    )
