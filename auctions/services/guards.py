"""Checks every bid-like service makes, under the auction row lock."""

from __future__ import annotations

from datetime import datetime

from django.utils.translation import gettext_lazy as _

from accounts.models import User
from auctions.errors import AuctionNotOpen, BidRefused, DutchAlreadyAccepted
from auctions.models import Auction
from payments.errors import InsufficientStars

Status = Auction.Status


def auction_lock(pk: int) -> Auction:
    """The auction row, locked until the transaction ends. Every service that
    reads the price, the leader or the status and then writes them takes this
    lock first: it queues concurrent bids on one auction, so each sees the one
    before it (no two bids at the same price, no lost update), and a close cannot
    slip in between a bid's check and its write. Users are locked after it."""
    # of=("self",): the seller comes along for the notifications, unlocked.
    return (
        Auction.objects.select_for_update(of=("self",))
        .select_related("seller")
        .get(pk=pk)
    )


def check_open(auction: Auction, now: datetime) -> None:
    if auction.status == Status.CANCELLED:
        raise AuctionNotOpen(_("This auction was cancelled."))
    if auction.status == Status.FINISHED:
        if auction.type == Auction.Type.DUTCH and auction.winner_id:
            raise DutchAlreadyAccepted(
                _("Someone else accepted the price first; this auction has ended.")
            )
        raise AuctionNotOpen(_("This auction has ended."))
    if auction.status != Status.ACTIVE or now < auction.starts_at:
        raise AuctionNotOpen(_("This auction has not started yet."))
    if now >= auction.ends_at:
        raise AuctionNotOpen(_("This auction has ended."))


def check_bidder(auction: Auction, bidder: User) -> None:
    if bidder.pk == auction.seller_id:
        raise BidRefused(_("You cannot bid on your own auction."))
    if bidder.is_suspended or not bidder.is_active:
        raise BidRefused(_("Your account is suspended, so you cannot bid."))


def check_funds(user: User, needed: int) -> None:
    """`user` is the locked, fresh row; the ledger would refuse too, but only for
    a bid that leads, and a bid must be backed whether it leads or not."""
    if user.stars_balance < needed:
        raise InsufficientStars(
            _("Not enough stars: %(available)s available, %(needed)s needed."),
            available=user.stars_balance,
            needed=needed,
        )
