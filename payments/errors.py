"""Broken money rules. Each carries a translatable message for the user (or, for
refunds and adjustments, for the staff member who tried)."""

from __future__ import annotations

from auction_bot.errors import DomainError


class InvalidAmount(DomainError):
    """Not a whole, positive, sane number of stars."""


class InsufficientStars(DomainError):
    """The user's available (or held) stars do not cover the operation."""


class PaymentRejected(DomainError):
    """A pre-checkout or an invoice that must not go ahead; the message is the
    reason Telegram shows the user."""


class PaymentUnmatched(DomainError):
    """Telegram reported a charge that cannot be credited; it has been recorded for
    staff (an `UnmatchedPayment`)."""


class RefundRefused(DomainError):
    """The payment cannot be refunded (already refunded, stars spent, ...)."""


class RefundFailed(DomainError):
    """Telegram refused or did not confirm the refund."""


class AdjustmentRefused(DomainError):
    """A staff adjustment without a reason or by someone who is not staff."""
