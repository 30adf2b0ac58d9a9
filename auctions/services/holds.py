"""Stars held for an auction: one `AuctionHold` row per (auction, user) mirrors
what the ledger holds for it, so a user's rows always sum to `user.stars_held`.

These helpers run inside the caller's transaction, after the caller has locked
the auction row and the users involved (`users_lock`)."""

from __future__ import annotations

from collections.abc import Iterable

from accounts.models import User
from auctions.models import Auction, AuctionHold
from payments.services import stars_hold, stars_release


def users_lock(user_ids: Iterable[int]) -> dict[int, User]:
    """Lock the users an auction operation will move stars for, all at once and in
    primary-key order, right after the auction row. The ledger locks each user
    again when it posts (a no-op by then); taking them here first keeps two
    operations on different auctions that touch the same two users (A outbids B
    here while B outbids A there) from each holding one user and waiting for the
    other. Returns fresh rows with their current balances."""
    ids = sorted(set(user_ids))
    return {
        user.pk: user
        for user in User.objects.select_for_update().filter(pk__in=ids).order_by("pk")
    }


def hold_set(*, auction: Auction, user: User, amount: int, reason: str = "") -> int:
    """Make the stars held from `user` for `auction` exactly `amount` (0 releases
    everything), moving only the difference through the ledger. Returns the
    change (+ held more, − released)."""
    hold = AuctionHold.objects.filter(auction=auction, user=user).first()
    current = hold.amount_stars if hold else 0
    delta = amount - current
    if delta > 0:
        stars_hold(user=user, amount=delta, auction_id=auction.pk, reason=reason)
    elif delta < 0:
        stars_release(user=user, amount=-delta, auction_id=auction.pk, reason=reason)
    if amount == 0:
        if hold is not None:
            hold.delete()
    elif hold is None:
        AuctionHold.objects.create(auction=auction, user=user, amount_stars=amount)
    elif delta:
        hold.amount_stars = amount
        hold.save(update_fields=["amount_stars", "updated_at"])
    return delta


def holds_release_all(
    *, auction: Auction, users: dict[int, User] | None = None, reason: str = ""
) -> int:
    """Give back every star still held for `auction` (a cancel, the end of a
    close). `users` are the rows the caller already locked; any other holder is
    locked here. Returns the number of stars released."""
    holds = list(AuctionHold.objects.filter(auction=auction).order_by("user_id"))
    users = dict(users or {})
    missing = [hold.user_id for hold in holds if hold.user_id not in users]
    if missing:
        users.update(users_lock(missing))
    released = 0
    for hold in holds:
        stars_release(
            user=users[hold.user_id],
            amount=hold.amount_stars,
            auction_id=auction.pk,
            reason=reason,
        )
        released += hold.amount_stars
    AuctionHold.objects.filter(pk__in=[hold.pk for hold in holds]).delete()
    return released
