"""Bids: English and perpetual auctions with proxy bidding and soft close, sealed
bids, and (through `bid_place`) accepting a Dutch price.

The order inside every entry point is fixed: lock the auction row, lock the
users whose stars move (in primary-key order), check, then write the bids, the
holds (through the ledger) and the auction, and write the notifications to the
outbox — all in one transaction, so a refused or failed bid leaves no trace."""

from __future__ import annotations

import logging
from datetime import datetime, timedelta

from django.db import transaction
from django.db.models import Max
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from accounts.models import User
from auctions.errors import BidRefused, BidTooLow
from auctions.models import Auction, Bid
from auctions.rules import min_next_bid, proxy_resolve, reserve_lift
from payments.services import stars_validate

from . import notices
from .guards import auction_lock, check_bidder, check_funds, check_open
from .holds import holds_set, users_lock
from .instant import dutch_accept_locked
from .results import BidResult

logger = logging.getLogger(__name__)

Type = Auction.Type


def bid_place(
    *, auction: Auction, bidder: User, amount: int, max_amount: int | None = None
) -> BidResult:
    """Bid `amount` stars on `auction`, with an optional proxy maximum.

    English / perpetual: `amount` must reach `auction_min_next_bid`; with
    `max_amount` the system then bids for the bidder the least needed to lead, up
    to it. The leader can only raise their maximum (`amount` is then ignored).
    Sealed: one hidden bid per bidder, which may only be raised; no maximum.
    Dutch: accepts the current price if `amount` covers it (see `dutch_accept`)."""
    amount = stars_validate(amount)
    if max_amount is not None:
        max_amount = stars_validate(max_amount)
    with transaction.atomic(durable=True):
        auction = auction_lock(auction.pk)
        now = timezone.now()
        check_open(auction, now)
        check_bidder(auction, bidder)
        if auction.type == Type.DUTCH:
            return dutch_accept_locked(
                auction=auction, buyer=bidder, now=now, offered=amount
            )
        if auction.type == Type.SEALED:
            return _sealed_bid(
                auction=auction,
                bidder=bidder,
                amount=amount,
                max_amount=max_amount,
                now=now,
            )
        return _proxy_bid(
            auction=auction,
            bidder=bidder,
            amount=amount,
            max_amount=max_amount,
            now=now,
        )


def _proxy_bid(
    *,
    auction: Auction,
    bidder: User,
    amount: int,
    max_amount: int | None,
    now: datetime,
) -> BidResult:
    previous_leader_id = auction.leader_id
    users = users_lock(
        [bidder.pk, *([previous_leader_id] if previous_leader_id else [])]
    )
    me = users[bidder.pk]
    check_bidder(auction, me)
    if previous_leader_id == me.pk:
        return _leader_raise(auction=auction, me=me, max_amount=max_amount, now=now)

    minimum = auction_min_next_bid_locked(auction)
    if amount < minimum:
        raise BidTooLow(_("The minimum bid is %(minimum)s stars."), minimum=minimum)
    commitment = amount if max_amount is None else max_amount
    if commitment < amount:
        raise BidRefused(
            _("Your maximum must be at least your bid of %(amount)s stars."),
            amount=amount,
        )
    check_funds(me, commitment)

    reason = f"bid on auction {auction.pk}"
    if previous_leader_id is None:
        price = reserve_lift(
            price=amount, leader_max=commitment, reserve=auction.reserve_price_stars
        )
        steps = [(me, amount, False, max_amount)]
        if price > amount:
            steps.append((me, price, True, max_amount))
        leading = True
    else:
        resolution = proxy_resolve(
            leader_max=auction.leader_max_stars,
            amount=amount,
            challenger_max=commitment,
            min_increment=auction.min_increment_stars,
            reserve=auction.reserve_price_stars,
        )
        leader = users[previous_leader_id]
        steps = [
            (me, step.amount, step.automatic, max_amount)
            if step.who == "challenger"
            else (leader, step.amount, step.automatic, auction.leader_max_stars)
            for step in resolution.steps
        ]
        price = resolution.price
        leading = resolution.challenger_leads

    rows = _record(auction, steps, now)
    if leading:
        amounts = {}
        if previous_leader_id is not None:
            # Outbid beyond their maximum: their stars are theirs again at once.
            amounts[previous_leader_id] = 0
        amounts[me.pk] = commitment
        holds_set(auction=auction, users=users, amounts=amounts, reason=reason)
        auction.leader = me
        auction.leader_max_stars = commitment
    auction.current_price_stars = price
    outbid = previous_leader_id if leading else None
    extended = _after_bid(auction, rows, now, outbid=outbid)
    own = next(
        (row for row in rows if row.bidder_id == me.pk and not row.is_automatic), None
    )
    return BidResult(
        auction=auction,
        bid=own,
        bids=tuple(rows),
        leading=leading,
        price_stars=price,
        extended=extended,
    )


def _leader_raise(
    *, auction: Auction, me: User, max_amount: int | None, now: datetime
) -> BidResult:
    """The leader bids again: only a higher maximum makes sense (bidding against
    oneself would only raise one's own price), and it stays hidden; the price
    moves only if the new maximum reaches the reserve."""
    current_max = auction.leader_max_stars
    if max_amount is None:
        raise BidRefused(
            _("You are already the highest bidder. To bid more, set a higher maximum.")
        )
    if max_amount <= current_max:
        raise BidRefused(
            _("Your maximum is already %(maximum)s stars; a new one must be higher."),
            maximum=current_max,
        )
    check_funds(me, max_amount - current_max)
    holds_set(
        auction=auction,
        users={me.pk: me},
        amounts={me.pk: max_amount},
        reason=f"maximum raised on auction {auction.pk}",
    )
    auction.leader_max_stars = max_amount
    price = reserve_lift(
        price=auction.current_price_stars,
        leader_max=max_amount,
        reserve=auction.reserve_price_stars,
    )
    rows: list[Bid] = []
    extended = False
    if price > auction.current_price_stars:
        rows = _record(auction, [(me, price, True, max_amount)], now)
        auction.current_price_stars = price
        extended = _after_bid(auction, rows, now)
    else:
        auction.save(update_fields=["leader_max_stars", "updated_at"])
    return BidResult(
        auction=auction,
        bid=None,
        bids=tuple(rows),
        leading=True,
        price_stars=auction.current_price_stars,
        extended=extended,
    )


def _sealed_bid(
    *,
    auction: Auction,
    bidder: User,
    amount: int,
    max_amount: int | None,
    now: datetime,
) -> BidResult:
    """One hidden bid per bidder, raised by bidding again; the whole bid is held
    until the end."""
    me = users_lock([bidder.pk])[bidder.pk]
    check_bidder(auction, me)
    if max_amount is not None:
        raise BidRefused(
            _("A sealed bid has no maximum: bid what you are willing to pay.")
        )
    if amount < auction.starting_price_stars:
        raise BidTooLow(
            _("The minimum bid is %(minimum)s stars."),
            minimum=auction.starting_price_stars,
        )
    previous = (
        Bid.objects.filter(auction=auction, bidder=me).aggregate(top=Max("amount"))[
            "top"
        ]
        or 0
    )
    if amount <= previous:
        raise BidRefused(
            _(
                "A sealed bid can only be raised: your bid is %(previous)s stars, "
                "bid more than that."
            ),
            previous=previous,
        )
    check_funds(me, amount - previous)
    holds_set(
        auction=auction,
        users={me.pk: me},
        amounts={me.pk: amount},
        reason=f"sealed bid on {auction.pk}",
    )
    rows = _record(auction, [(me, amount, False, None)], now)
    _after_bid(auction, rows, now)
    return BidResult(
        auction=auction,
        bid=rows[0],
        bids=tuple(rows),
        leading=False,
        price_stars=auction.current_price_stars,
    )


def _record(
    auction: Auction, steps: list[tuple[User, int, bool, int | None]], now: datetime
) -> list[Bid]:
    """Write the rows of one bid: (bidder, amount, automatic, their maximum), in
    one statement; the ids come back in this order, which the history keeps."""
    return Bid.objects.bulk_create(
        [
            Bid(
                auction=auction,
                bidder=user,
                amount=amount,
                max_amount=maximum,
                is_automatic=automatic,
                created_at=now,
            )
            for user, amount, automatic, maximum in steps
        ]
    )


# What a bid may change on the auction row: saved alone, so that a write that
# does not take the row lock (the reminder counter) is never undone by a bid.
BID_FIELDS = [
    "current_price_stars",
    "leader",
    "leader_max_stars",
    "bid_count",
    "ends_at",
    "extensions_used",
    "updated_at",
]


def _after_bid(
    auction: Auction, rows: list[Bid], now: datetime, *, outbid: int | None = None
) -> bool:
    """Count the bids, move the end (perpetual countdown, English soft close),
    save, and tell the seller, the bidder `outbid` if any, and everyone involved
    of an extension — all in one write to the outbox. Returns whether the end was
    extended."""
    auction.bid_count += len(rows)
    extended = False
    if auction.type == Type.PERPETUAL:
        auction.ends_at = now + timedelta(minutes=auction.inactivity_minutes)
    elif (
        auction.type == Type.ENGLISH
        and auction.ends_at - now <= timedelta(minutes=auction.soft_close_minutes)
        and auction.extensions_used < auction.max_extensions
    ):
        auction.ends_at += timedelta(minutes=auction.extension_minutes)
        auction.extensions_used += 1
        extended = True
    auction.save(update_fields=BID_FIELDS)
    notices.notify_bid(auction=auction, bid=rows[-1], outbid=outbid, extended=extended)
    logger.info(
        "bid placed",
        extra={
            "auction_id": auction.pk,
            "bid_ids": [row.pk for row in rows],
            "price": auction.current_price_stars,
            "extended": extended,
        },
    )
    return extended


def auction_min_next_bid_locked(auction: Auction) -> int:
    return min_next_bid(
        price=auction.current_price_stars,
        has_bids=auction.leader_id is not None,
        starting_price=auction.starting_price_stars,
        min_increment=auction.min_increment_stars,
    )
