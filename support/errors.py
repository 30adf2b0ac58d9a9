from __future__ import annotations

from auction_bot.errors import DomainError


class TicketRefused(DomainError):
    """A ticket that cannot be opened as asked (no text, someone else's payment)."""
