"""Stars held for an auction: one `AuctionHold` row per (auction, user) mirrors
what the ledger holds for it, so a user's rows always sum to `user.stars_held`.

These helpers run inside the caller's transaction, after the caller has locked
the auction row and the users involved (`users_lock`). They write every ledger
move of one call in one batch (`ledger_post_many`), so their cost does not grow
with the number of users."""

from __future__ import annotations

from collections.abc import Iterable, Mapping

from accounts.models import User
from auctions.models import Auction, AuctionHold
from payments.services.ledger import (
    Posting,
    hold_posting,
    ledger_post_many,
    release_posting,
)


def users_lock(user_ids: Iterable[int]) -> dict[int, User]:
    """Lock the users an auction operation will move stars for, all at once and in
    primary-key order, right after the auction row. The ledger takes these rows
    as they are (`locked=`) instead of locking them again; taking them here first
    keeps two operations on different auctions that touch the same two users (A
    outbids B here while B outbids A there) from each holding one user and
    waiting for the other. Returns fresh rows with their current balances."""
    ids = sorted(set(user_ids))
    if not ids:
        return {}
    return {
        user.pk: user
        for user in User.objects.select_for_update().filter(pk__in=ids).order_by("pk")
    }


def holds_set(
    *,
    auction: Auction,
    users: Mapping[int, User],
    amounts: Mapping[int, int],
    reason: str = "",
) -> dict[int, int]:
    """Make the stars held for `auction` from each user in `amounts` exactly that
    amount (0 releases everything), moving only the differences through the
    ledger, in the order given. `users`: the locked rows. Returns the change per
    user (+ held more, − released)."""
    holds = {
        hold.user_id: hold
        for hold in AuctionHold.objects.filter(auction=auction, user_id__in=amounts)
    }
    changes: dict[int, int] = {}
    postings: list[Posting] = []
    for user_id, amount in amounts.items():
        current = holds[user_id].amount_stars if user_id in holds else 0
        delta = changes[user_id] = amount - current
        move = hold_posting if delta > 0 else release_posting
        if delta:
            postings.append(
                move(
                    user=users[user_id],
                    amount=abs(delta),
                    auction_id=auction.pk,
                    reason=reason,
                )
            )
    if postings:
        ledger_post_many(postings=postings, locked=users)
    gone = [
        holds[user_id].pk
        for user_id, amount in amounts.items()
        if amount == 0 and user_id in holds
    ]
    if gone:
        AuctionHold.objects.filter(pk__in=gone).delete()
    kept = [
        AuctionHold(auction=auction, user_id=user_id, amount_stars=amount)
        for user_id, amount in amounts.items()
        if amount and changes[user_id]
    ]
    if kept:
        # One statement whether the row is new or raised.
        AuctionHold.objects.bulk_create(
            kept,
            update_conflicts=True,
            unique_fields=["auction", "user"],
            update_fields=["amount_stars", "updated_at"],
        )
    return changes


def hold_set(*, auction: Auction, user: User, amount: int, reason: str = "") -> int:
    """`holds_set` for one user (a locked row)."""
    return holds_set(
        auction=auction, users={user.pk: user}, amounts={user.pk: amount}, reason=reason
    )[user.pk]


def holds_release_all(
    *, auction: Auction, users: dict[int, User] | None = None, reason: str = ""
) -> int:
    """Give back every star still held for `auction` (a cancel). `users` are the
    rows the caller already locked; any other holder is locked here. Returns the
    number of stars released."""
    holds = list(AuctionHold.objects.filter(auction=auction).order_by("user_id"))
    return holds_release(auction=auction, holds=holds, users=users, reason=reason)


def holds_release(
    *,
    auction: Auction,
    holds: list[AuctionHold],
    users: Mapping[int, User] | None = None,
    reason: str = "",
    before: Iterable[Posting] = (),
) -> int:
    """Release `holds` (rows of `auction` the caller read under its lock, by
    user id) in one ledger batch, after the postings `before` (a settlement),
    and delete them. Returns the number of stars released."""
    users = dict(users or {})
    missing = [hold.user_id for hold in holds if hold.user_id not in users]
    if missing:
        users.update(users_lock(missing))
    postings = [
        *before,
        *(
            release_posting(
                user=users[hold.user_id],
                amount=hold.amount_stars,
                auction_id=auction.pk,
                reason=reason,
            )
            for hold in holds
            if hold.amount_stars
        ),
    ]
    if postings:
        ledger_post_many(postings=postings, locked=users)
    if holds:
        AuctionHold.objects.filter(pk__in=[hold.pk for hold in holds]).delete()
    return sum(hold.amount_stars for hold in holds)
