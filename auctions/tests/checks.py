"""Assertions shared by the auction tests: the money invariants."""

from __future__ import annotations

from django.db.models import Sum

from accounts.models import User
from auctions.models import Auction, AuctionHold
from payments.selectors import ledger_discrepancies


def holds_of(auction: Auction) -> dict[int, int]:
    """{user id: stars held for this auction}."""
    return dict(
        AuctionHold.objects.filter(auction=auction).values_list(
            "user_id", "amount_stars"
        )
    )


def assert_money_sound(*users: User) -> None:
    """The ledger balances, and each user's held stars are exactly their auction
    holds."""
    assert ledger_discrepancies() == []
    for user in users:
        user.refresh_from_db()
        held = (
            AuctionHold.objects.filter(user=user).aggregate(total=Sum("amount_stars"))[
                "total"
            ]
            or 0
        )
        assert user.stars_held == held, user
