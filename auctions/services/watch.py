"""The watchlist."""

from __future__ import annotations

from django.db import IntegrityError, transaction

from accounts.models import User
from auctions.models import Auction, Watch


def watch(*, user: User, auction: Auction) -> Watch:
    """Add `auction` to the user's watchlist; watching twice is watching once."""
    existing = Watch.objects.filter(user=user, auction=auction).first()
    if existing is not None:
        return existing
    try:
        with transaction.atomic():
            return Watch.objects.create(user=user, auction=auction)
    except IntegrityError:
        # A double tap: the other request created it a moment ago.
        return Watch.objects.get(user=user, auction=auction)


def unwatch(*, user: User, auction: Auction) -> bool:
    """Remove it; True if it was there."""
    deleted, _rows = Watch.objects.filter(user=user, auction=auction).delete()
    return bool(deleted)
