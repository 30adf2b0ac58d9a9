"""Closing an auction: the winner and the price by type, settlement from the
winner's held stars to the seller (minus the platform fee), every other star
released, and everyone told.

Exactly once. The whole close is one transaction that starts by locking the
auction row *only if it is still active and due*: a second worker (or a re-run,
or the sweep after a crash) either skips the row while the first holds it or,
once the first has committed, no longer finds it active. A worker killed in the
middle rolls everything back, leaving the auction active and due, so the next
sweep closes it; nothing is ever half settled."""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import datetime

from django.conf import settings
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from accounts.models import User
from auctions.errors import AuctionNotOpen, CloseRefused
from auctions.models import Auction, AuctionHold, Bid
from payments.services.ledger import Posting, transfer_posting

from . import notices
from .guards import auction_lock
from .holds import holds_release, users_lock

logger = logging.getLogger(__name__)

Type = Auction.Type
Outcome = Auction.Outcome


@dataclass(frozen=True)
class CloseResult:
    # False: not due, already closed, or being closed or bid on by another worker
    # right now (the next sweep will look again).
    closed: bool
    outcome: str = ""
    winner_id: int | None = None
    final_price_stars: int | None = None
    fee_stars: int = 0


def auction_close(*, auction_id: int, now: datetime | None = None) -> CloseResult:
    """Close `auction_id` if it is active and its end has passed; harmless to call
    any number of times from any number of workers."""
    now = now or timezone.now()
    with transaction.atomic(durable=True):
        # skip_locked: a locked row is being bid on or closed right now; waiting
        # would queue a sweep behind it, and the status check below would then
        # find it closed anyway. The next sweep takes a skipped row.
        auction = (
            Auction.objects.select_for_update(skip_locked=True)
            .filter(pk=auction_id, status=Auction.Status.ACTIVE, ends_at__lte=now)
            .first()
        )
        if auction is None:
            return CloseResult(closed=False)
        return close_locked(auction=auction, now=now)


def auction_close_early(*, auction: Auction, seller: User) -> CloseResult:
    """The seller ends a perpetual auction now, selling to the current leader."""
    with transaction.atomic(durable=True):
        auction = auction_lock(auction.pk)
        now = timezone.now()
        if auction.seller_id != seller.pk:
            raise CloseRefused(_("Only the seller can close this auction."))
        if auction.type != Type.PERPETUAL:
            raise CloseRefused(_("Only a perpetual auction can be closed early."))
        if auction.status != Auction.Status.ACTIVE or now >= auction.ends_at:
            raise AuctionNotOpen(_("This auction is not running."))
        if auction.leader_id is None:
            raise CloseRefused(
                _("A perpetual auction can be closed early once it has a bid.")
            )
        reserve = auction.reserve_price_stars
        if reserve is not None and auction.current_price_stars < reserve:
            raise CloseRefused(
                _("The reserve price is not met yet, so closing now would not sell.")
            )
        return close_locked(auction=auction, now=now, end_now=True)


# What a close may change on the auction row (a buy-it-now or a Dutch accept
# also sets the bid fields just before): saved alone, so that a write that does
# not take the row lock (the reminder counter) is never undone by a close.
CLOSE_FIELDS = [
    "status",
    "close_outcome",
    "winner",
    "final_price_stars",
    "current_price_stars",
    "closed_at",
    "ends_at",
    "leader",
    "leader_max_stars",
    "bid_count",
    "updated_at",
]


def close_locked(
    *,
    auction: Auction,
    now: datetime,
    users: dict[int, User] | None = None,
    end_now: bool = False,
) -> CloseResult:
    """Close an auction whose row the caller has locked (and checked). `users`:
    rows the caller already locked; the rest are locked here, in pk order."""
    winner_id, price, outcome = _outcome(auction)
    # Read under the auction lock: every writer of holds takes it first, so
    # these are all of them until the commit.
    holds = list(AuctionHold.objects.filter(auction=auction).order_by("user_id"))
    wanted = {hold.user_id for hold in holds} | {auction.seller_id}
    users = dict(users or {})
    users.update(users_lock(wanted - set(users)))

    fee = 0
    settlement = []
    if winner_id is not None:
        fee = price * settings.PLATFORM_FEE_PERCENT // 100
        settlement.append(_settlement(auction, holds, users, winner_id, price, fee))
    # The settlement and every release in one ledger batch: the winner pays from
    # their held stars, and whatever they held beyond the price is released with
    # every other hold.
    holds_release(
        auction=auction,
        holds=holds,
        users=users,
        reason=f"auction {auction.pk} over",
        before=settlement,
    )

    auction.status = Auction.Status.FINISHED
    auction.close_outcome = outcome
    auction.winner_id = winner_id
    auction.final_price_stars = price
    if price is not None:
        auction.current_price_stars = price
    auction.closed_at = now
    if end_now and now > auction.starts_at:
        auction.ends_at = now
    auction.save(update_fields=CLOSE_FIELDS)
    notices.notify_closed(auction=auction, fee=fee)
    logger.info(
        "auction closed",
        extra={
            "auction_id": auction.pk,
            "outcome": outcome,
            "winner_id": winner_id,
            "price": price,
            "fee": fee,
        },
    )
    return CloseResult(
        closed=True,
        outcome=outcome,
        winner_id=winner_id,
        final_price_stars=price,
        fee_stars=fee,
    )


def _settlement(
    auction: Auction,
    holds: list[AuctionHold],
    users: dict[int, User],
    winner_id: int,
    price: int,
    fee: int,
) -> Posting:
    """The posting that pays the seller from the winner's held stars; the
    winner's hold (in `holds`) shrinks by the price, what is left of it is
    released with the others."""
    hold = next((hold for hold in holds if hold.user_id == winner_id), None)
    if hold is None:
        raise AuctionHold.DoesNotExist(
            f"the winner of auction {auction.pk} holds no stars for it"
        )
    hold.amount_stars -= price
    return transfer_posting(
        from_user=users[winner_id],
        to_user=users[auction.seller_id],
        amount=price,
        fee=fee,
        auction_id=auction.pk,
        reason=f"auction {auction.pk} settled",
    )


def _outcome(auction: Auction) -> tuple[int | None, int | None, str]:
    """(winner id, price, outcome) by the auction's type."""
    reserve = auction.reserve_price_stars
    if auction.type == Type.SEALED:
        return _sealed_outcome(auction)
    # English and perpetual: the leader. (An accepted Dutch auction closes in
    # `dutch_accept`; one that reaches its end has no leader: nobody took it.)
    if auction.leader_id is None:
        return None, None, Outcome.NO_BIDS
    if reserve is not None and auction.current_price_stars < reserve:
        return None, None, Outcome.RESERVE_NOT_MET
    return auction.leader_id, auction.current_price_stars, Outcome.SOLD


def _sealed_outcome(auction: Auction) -> tuple[int | None, int | None, str]:
    """The highest bid wins, the earlier on a tie. First price: the winner pays
    their bid. Second price (Vickrey): the next bidder's best bid, or the starting
    price if alone — at least the reserve, never more than their own bid."""
    best: dict[int, int] = {}
    for bidder_id, amount in (
        Bid.objects.filter(auction=auction)
        .order_by("-amount", "created_at", "id")
        .values_list("bidder_id", "amount")
    ):
        best.setdefault(bidder_id, amount)
    if not best:
        return None, None, Outcome.NO_BIDS
    ranking = list(best.items())  # dict order is the query's: best first
    winner_id, top = ranking[0]
    reserve = auction.reserve_price_stars
    if reserve is not None and top < reserve:
        return None, None, Outcome.RESERVE_NOT_MET
    if auction.sealed_pricing == Auction.SealedPricing.FIRST_PRICE:
        return winner_id, top, Outcome.SOLD
    second = ranking[1][1] if len(ranking) > 1 else auction.starting_price_stars
    price = min(top, max(second, reserve or 0))
    return winner_id, price, Outcome.SOLD
