"""Sales that end an auction at once: accepting a Dutch price, and buy-it-now on
an English auction before its first bid."""

from __future__ import annotations

from datetime import datetime

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from accounts.models import User
from auctions.errors import BidRefused, BidTooLow, BuyNowUnavailable
from auctions.models import Auction, Bid
from auctions.rules import dutch_price_at as _dutch_price_at

from .closing import close_locked
from .guards import auction_lock, check_bidder, check_funds, check_open
from .holds import hold_set, users_lock
from .results import BidResult

Type = Auction.Type


def dutch_price_at(auction: Auction, when: datetime) -> int:
    """The Dutch price at `when`: a function of time, so no job lowers it."""
    return _dutch_price_at(
        starting_price=auction.starting_price_stars,
        step=auction.dutch_step_stars,
        interval_minutes=auction.dutch_interval_minutes,
        floor=auction.dutch_floor_stars,
        starts_at=auction.starts_at,
        when=when,
    )


def dutch_accept(*, auction: Auction, buyer: User) -> BidResult:
    """Buy a Dutch auction at its current price; the first to accept wins and the
    auction is settled at once."""
    with transaction.atomic(durable=True):
        auction = auction_lock(auction.pk)
        now = timezone.now()
        check_open(auction, now)
        check_bidder(auction, buyer)
        return dutch_accept_locked(auction=auction, buyer=buyer, now=now)


def dutch_accept_locked(
    *, auction: Auction, buyer: User, now: datetime, offered: int | None = None
) -> BidResult:
    """`offered`: what the buyer agreed to pay (a bid); the price may have dropped
    since they saw it, never risen, so any offer that covers it is accepted at
    the current price."""
    if auction.type != Type.DUTCH:
        raise BidRefused(_("Only a Dutch auction has a price to accept."))
    price = dutch_price_at(auction, now)
    if offered is not None and offered < price:
        raise BidTooLow(_("The price is now %(minimum)s stars."), minimum=price)
    return _sell_now(auction=auction, buyer=buyer, price=price, now=now)


def auction_buy_now(*, auction: Auction, buyer: User) -> BidResult:
    """Buy an English auction at its buy-it-now price, offered until the first
    bid; the auction ends and is settled at once."""
    with transaction.atomic(durable=True):
        auction = auction_lock(auction.pk)
        now = timezone.now()
        check_open(auction, now)
        check_bidder(auction, buyer)
        if auction.type != Type.ENGLISH or auction.buy_now_price_stars is None:
            raise BuyNowUnavailable(_("This auction has no buy-it-now price."))
        if auction.bid_count or auction.leader_id:
            raise BuyNowUnavailable(
                _("Buy-it-now is no longer offered: the auction already has bids.")
            )
        return _sell_now(
            auction=auction, buyer=buyer, price=auction.buy_now_price_stars, now=now
        )


def _sell_now(*, auction: Auction, buyer: User, price: int, now: datetime) -> BidResult:
    users = users_lock([buyer.pk, auction.seller_id])
    me = users[buyer.pk]
    check_bidder(auction, me)
    check_funds(me, price)
    hold_set(auction=auction, user=me, amount=price, reason=f"bought {auction.pk}")
    bid = Bid.objects.create(auction=auction, bidder=me, amount=price, created_at=now)
    auction.bid_count += 1
    auction.current_price_stars = price
    auction.leader = me
    auction.leader_max_stars = price
    close_locked(auction=auction, now=now, users=users, end_now=True)
    return BidResult(
        auction=auction,
        bid=bid,
        bids=(bid,),
        leading=True,
        price_stars=price,
        finished=True,
    )
