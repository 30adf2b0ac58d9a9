"""What staff may do to any auction from the admin: cancel it (even with bids,
giving every held star back) or close it now. Each action is audited: a line in
the admin history of the auction (with the reason) and a log line."""

from __future__ import annotations

import logging

from django.contrib.admin.models import CHANGE, LogEntry
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from accounts.models import User
from accounts.services import notify
from auction_bot.errors import DomainError
from auctions.errors import AuctionNotOpen
from auctions.models import Auction

from . import notices
from .closing import CloseResult, close_locked
from .creation import OPEN_STATUSES
from .guards import auction_lock
from .holds import holds_release_all

logger = logging.getLogger(__name__)

Status = Auction.Status
REASON_MAX_LENGTH = 500


class StaffActionRefused(DomainError):
    """Not staff, or a cancel without a reason."""


def auction_cancel_by_staff(*, auction: Auction, staff: User, reason: str) -> Auction:
    """Cancel an auction that has not ended, bids or not: every star held for it
    is released, and the seller, the bidders and the watchers are told why."""
    _staff_check(staff)
    reason = " ".join((reason or "").split())
    if not reason:
        raise StaffActionRefused(
            _("Give a reason: the seller and the bidders are told it.")
        )
    if len(reason) > REASON_MAX_LENGTH:
        raise StaffActionRefused(
            _("Keep the reason under %(max)s characters."), max=REASON_MAX_LENGTH
        )
    with transaction.atomic(durable=True):
        # The row lock orders the cancel against a bid or a close of the same
        # auction: whichever comes second sees the other's outcome.
        locked = auction_lock(auction.pk)
        _open_check(locked)
        released = holds_release_all(
            auction=locked,
            reason=f"auction {locked.pk} cancelled by staff: {reason}",
        )
        locked.status = Status.CANCELLED
        locked.close_outcome = Auction.Outcome.CANCELLED
        locked.closed_at = timezone.now()
        locked.save(
            update_fields=["status", "close_outcome", "closed_at", "updated_at"]
        )
        _audit(
            staff,
            locked,
            f"Cancelled by staff ({released} held stars released): {reason}",
        )
        _notify_cancelled(locked, reason)
    logger.info(
        "auction cancelled by staff",
        extra={
            "auction_id": locked.pk,
            "staff_id": staff.pk,
            "reason": reason,
            "released_stars": released,
        },
    )
    return locked


def auction_close_now(*, auction: Auction, staff: User) -> CloseResult:
    """End a running auction at this moment and close it as its end would: the
    leader (or the best sealed bid) wins if the reserve is met, and everyone is
    told."""
    _staff_check(staff)
    with transaction.atomic(durable=True):
        locked = auction_lock(auction.pk)
        now = timezone.now()
        _open_check(locked)
        if locked.status != Status.ACTIVE or now < locked.starts_at:
            raise AuctionNotOpen(
                _("This auction has not started yet; cancel it instead.")
            )
        # An auction already past its end keeps that end (the sweep had not
        # reached it yet); a running one ends now.
        result = close_locked(auction=locked, now=now, end_now=now < locked.ends_at)
        _audit(staff, locked, f"Closed now by staff: {result.outcome}")
    logger.info(
        "auction closed by staff",
        extra={
            "auction_id": locked.pk,
            "staff_id": staff.pk,
            "outcome": result.outcome,
            "winner_id": result.winner_id,
        },
    )
    return result


def _staff_check(staff: User) -> None:
    if not (staff.is_active and staff.is_staff):
        raise StaffActionRefused(_("Only staff can do this."))


def _open_check(auction: Auction) -> None:
    if auction.status == Status.CANCELLED:
        raise AuctionNotOpen(_("This auction was already cancelled."))
    if auction.status not in OPEN_STATUSES:
        raise AuctionNotOpen(_("This auction has already ended."))


def _audit(staff: User, auction: Auction, message: str) -> None:
    """A line in the auction's admin history, written in the action's own
    transaction so that an action and its record stand or fall together."""
    LogEntry.objects.log_actions(
        user_id=staff.pk,
        queryset=[auction],
        action_flag=CHANGE,
        change_message=message,
        single_object=True,
    )


def _notify_cancelled(auction: Auction, reason: str) -> None:
    bidders = notices.bidder_ids(auction)
    watchers = notices.watcher_ids(auction)
    roles = {user_id: "watcher" for user_id in watchers}
    roles.update({user_id: "bidder" for user_id in bidders})
    roles[auction.seller_id] = "seller"
    base = {"auction": str(auction.uuid), "title": auction.title, "reason": reason}
    for user in User.objects.filter(pk__in=roles).order_by("pk"):
        notify(
            recipient=user,
            kind="auction_cancelled_by_staff",
            payload=base | {"role": roles[user.pk]},
            event_key=f"auction:{auction.pk}:cancel",
        )
