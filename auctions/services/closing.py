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
from collections import defaultdict
from dataclasses import dataclass
from datetime import datetime

from django.conf import settings
from django.db import connection, transaction
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from accounts.models import Notification, User
from auctions.errors import AuctionNotOpen, CloseRefused
from auctions.models import Auction, AuctionHold, Bid
from payments.services.ledger import (
    Posting,
    ledger_post_many,
    release_posting,
    transfer_posting,
)

from . import notices
from .guards import auction_lock
from .holds import users_lock

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
    batch: CloseBatch | None = None,
) -> CloseResult:
    """Close an auction whose row the caller has locked (and checked). `users`:
    rows the caller already locked; the rest are locked here, in pk order.
    `batch`: the `CloseBatch` of several locked auctions this one is closed
    with (the sweep); it writes when flushed. Without one, this close writes
    at once."""
    if batch is not None:
        return batch.close(auction, now=now, end_now=end_now)
    batch = CloseBatch(auctions=[auction], users=users)
    result = batch.close(auction, now=now, end_now=end_now)
    batch.flush()
    return result


class CloseBatch:
    """Closing several auctions whose rows the caller has locked, in one
    transaction, for about the queries of one: what they need is read once for
    all of them (holds, sealed bids, bidders and watchers; the users whose
    stars move are locked in one statement, in pk order, after the auctions),
    `close` decides each one, and `flush` writes them all (one ledger batch, one
    DELETE of holds, one UPDATE of auctions, one INSERT of notifications).
    Nothing is written before `flush`, and all of it commits or rolls back
    together."""

    def __init__(
        self, *, auctions: list[Auction], users: dict[int, User] | None = None
    ) -> None:
        ids = [auction.pk for auction in auctions]
        # Read under the auction locks: every writer of holds and bids takes
        # the auction lock first, so these stay true until the commit.
        self.holds: dict[int, list[AuctionHold]] = {pk: [] for pk in ids}
        for hold in AuctionHold.objects.filter(auction_id__in=ids).order_by(
            "auction_id", "user_id"
        ):
            self.holds[hold.auction_id].append(hold)
        self.sealed = _sealed_rankings(
            [auction.pk for auction in auctions if auction.type == Type.SEALED]
        )
        wanted = {hold.user_id for holds in self.holds.values() for hold in holds}
        wanted |= {auction.seller_id for auction in auctions}
        self.users = dict(users or {})
        self.users.update(users_lock(wanted - set(self.users)))
        self.audiences = notices.audiences(ids)
        self.postings: list[Posting] = []
        self.closed: list[Auction] = []
        self.notifications: list[Notification] = []

    def close(self, auction: Auction, *, now: datetime, end_now: bool) -> CloseResult:
        if auction.pk not in self.holds:
            raise ValueError(f"auction {auction.pk} is not in this batch")
        winner_id, price, outcome = _outcome(auction, self.sealed.get(auction.pk))
        holds = self.holds[auction.pk]
        fee = 0
        if winner_id is not None:
            fee = price * settings.PLATFORM_FEE_PERCENT // 100
            # The winner pays from their held stars; whatever they held beyond
            # the price is released with every other hold.
            self.postings.append(
                _settlement(auction, holds, self.users, winner_id, price, fee)
            )
        self.postings.extend(
            release_posting(
                user=self.users[hold.user_id],
                amount=hold.amount_stars,
                auction_id=auction.pk,
                reason=f"auction {auction.pk} over",
            )
            for hold in holds
            if hold.amount_stars
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
        self.closed.append(auction)
        bidders, watchers = self.audiences.get(auction.pk, (set(), set()))
        self.notifications += notices.closed_notifications(
            auction=auction, fee=fee, bidders=bidders, watchers=watchers
        )
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

    def flush(self) -> None:
        if self.postings:
            ledger_post_many(postings=self.postings, locked=self.users)
        holds = [hold.pk for auction in self.closed for hold in self.holds[auction.pk]]
        if holds:
            AuctionHold.objects.filter(pk__in=holds).delete()
        if len(self.closed) == 1:
            self.closed[0].save(update_fields=CLOSE_FIELDS)
        elif self.closed:
            _auctions_save(self.closed, CLOSE_FIELDS)
        notices.notify_closed(notifications=self.notifications)


def _auctions_save(auctions: list[Auction], field_names: list[str]) -> None:
    """`save(update_fields=…)` for many rows in one statement sent once
    (`executemany`: pipelined by psycopg, native on SQLite). bulk_update's CASE
    expressions cost more Python than the round trips they save."""
    now = timezone.now()
    for auction in auctions:
        auction.updated_at = now
    meta = Auction._meta
    fields = [meta.get_field(name) for name in field_names]
    qn = connection.ops.quote_name
    assignments = ", ".join(f"{qn(field.column)} = %s" for field in fields)
    with connection.cursor() as cursor:
        cursor.executemany(
            f"UPDATE {qn(meta.db_table)} SET {assignments} "
            f"WHERE {qn(meta.pk.column)} = %s",
            [
                [
                    field.get_db_prep_save(getattr(auction, field.attname), connection)
                    for field in fields
                ]
                + [auction.pk]
                for auction in auctions
            ],
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
    winner's hold (in `holds`) shrinks by the price, and what is left of it is
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


def _outcome(
    auction: Auction, ranking: list[tuple[int, int]] | None
) -> tuple[int | None, int | None, str]:
    """(winner id, price, outcome) by the auction's type. `ranking`: a sealed
    auction's bidders with their best bids, best first."""
    reserve = auction.reserve_price_stars
    if auction.type == Type.SEALED:
        return _sealed_outcome(auction, ranking or [])
    # English and perpetual: the leader. (An accepted Dutch auction closes in
    # `dutch_accept`; one that reaches its end has no leader: nobody took it.)
    if auction.leader_id is None:
        return None, None, Outcome.NO_BIDS
    if reserve is not None and auction.current_price_stars < reserve:
        return None, None, Outcome.RESERVE_NOT_MET
    return auction.leader_id, auction.current_price_stars, Outcome.SOLD


def _sealed_rankings(auction_ids: list[int]) -> dict[int, list[tuple[int, int]]]:
    """Per sealed auction, each bidder's best bid, best first: the highest bid,
    the earlier on a tie."""
    if not auction_ids:
        return {}
    best: dict[int, dict[int, int]] = defaultdict(dict)
    for auction_id, bidder_id, amount in (
        Bid.objects.filter(auction_id__in=auction_ids)
        .order_by("auction_id", "-amount", "created_at", "id")
        .values_list("auction_id", "bidder_id", "amount")
    ):
        best[auction_id].setdefault(bidder_id, amount)
    # dict order is the query's: best first.
    return {auction_id: list(bids.items()) for auction_id, bids in best.items()}


def _sealed_outcome(
    auction: Auction, ranking: list[tuple[int, int]]
) -> tuple[int | None, int | None, str]:
    """The highest bid wins, the earlier on a tie. First price: the winner pays
    their bid. Second price (Vickrey): the next bidder's best bid, or the starting
    price if alone — at least the reserve, never more than their own bid."""
    if not ranking:
        return None, None, Outcome.NO_BIDS
    winner_id, top = ranking[0]
    reserve = auction.reserve_price_stars
    if reserve is not None and top < reserve:
        return None, None, Outcome.RESERVE_NOT_MET
    if auction.sealed_pricing == Auction.SealedPricing.FIRST_PRICE:
        return winner_id, top, Outcome.SOLD
    second = ranking[1][1] if len(ranking) > 1 else auction.starting_price_stars
    price = min(top, max(second, reserve or 0))
    return winner_id, price, Outcome.SOLD
