"""Broken auction rules. Each carries a translatable message for the bidder or
seller; views and bot handlers show it as it is. Money problems (not enough stars,
a malformed amount) are `payments.errors.InsufficientStars` / `InvalidAmount`."""

from __future__ import annotations

from auction_bot.errors import DomainError


class AuctionNotOpen(DomainError):
    """Not started yet, already ended, or cancelled."""


class BidTooLow(DomainError):
    """Below the minimum next bid (the message says the minimum)."""


class BidRefused(DomainError):
    """Any other refused bid: own auction, suspended bidder, a sealed bid that
    does not raise, a maximum below the bid, already leading."""


class DutchAlreadyAccepted(DomainError):
    """Someone else accepted the Dutch price first."""


class BuyNowUnavailable(DomainError):
    """No buy-it-now price, or the first bid already took it away."""


class CloseRefused(DomainError):
    """The seller may not close this auction early."""
