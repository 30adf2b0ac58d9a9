"""The auction lifecycle, driven by beat sweeps (`auctions/tasks.py`): scheduled
auctions open at their start, due auctions close, and bidders and watchers hear
"ending soon" before the end. (The Dutch price is a function of time: no sweep
lowers it.)

Every sweep is safe to run twice, from several workers at once and after a
crash: each change is a compare-and-swap or happens under a row lock that the
other sweeps skip, in a short transaction of its own."""

from __future__ import annotations

import logging
import time
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

from celery.exceptions import SoftTimeLimitExceeded
from django.conf import settings
from django.db import transaction
from django.utils import timezone

from accounts.models import User
from accounts.services import notify
from auctions.models import Auction

from . import notices
from .closing import CloseResult, close_locked

logger = logging.getLogger(__name__)

Status = Auction.Status
Type = Auction.Type

# Stays well inside the close task's soft time limit (auctions/tasks.py): a sweep
# stops picking new auctions after this long and leaves the rest to the next one.
CLOSE_SWEEP_BUDGET_SECONDS = 45.0
REMINDER_BATCH = 200


# -- opening --------------------------------------------------------------------


def auctions_open_due(*, now: datetime | None = None) -> int:
    """Open every scheduled auction whose start has come. Returns how many."""
    now = now or timezone.now()
    # Compare-and-swap in one statement: a row the seller cancelled (or another
    # sweep opened) since is no longer "scheduled" and is left alone.
    opened = Auction.objects.filter(status=Status.SCHEDULED, starts_at__lte=now).update(
        status=Status.ACTIVE, updated_at=now
    )
    if opened:
        logger.info("auctions opened", extra={"count": opened})
    return opened


# -- closing ----------------------------------------------------------------------


@dataclass
class CloseSweep:
    closed: int = 0
    # Auctions whose close raised; they stay active and due for the next sweep.
    failed: list[int] = field(default_factory=list)
    # False when the time budget ran out before the due auctions did.
    finished: bool = True


def auctions_close_due(
    *,
    now: datetime | None = None,
    budget_seconds: float = CLOSE_SWEEP_BUDGET_SECONDS,
) -> CloseSweep:
    """Close due auctions one by one until none is left or the time budget is
    spent. `now`: a fixed clock (tests); by default each pick reads the time, so
    auctions that end while the sweep runs are closed by it too.

    Several sweeps may run at once (beat's, and the helpers a backlog calls in):
    each picks the longest-overdue auction *that no one else has locked*, so they
    share a backlog instead of queueing behind each other. A close that raises is
    logged and skipped; its transaction rolled back, so the auction is still
    active and due, and the next sweep tries it again."""
    sweep = CloseSweep()
    deadline = time.monotonic() + budget_seconds
    while True:
        if time.monotonic() >= deadline:
            sweep.finished = False
            break
        picked, result = _close_next_due(now=now or timezone.now(), skip=sweep.failed)
        if picked is None:
            break
        if result is None:
            sweep.failed.append(picked)
        elif result.closed:
            sweep.closed += 1
    if sweep.closed or sweep.failed:
        logger.info(
            "auctions close sweep",
            extra={
                "closed": sweep.closed,
                "failed": sweep.failed,
                "finished": sweep.finished,
            },
        )
    return sweep


def auctions_close_backlog(*, now: datetime | None = None, limit: int = 10_000) -> int:
    """How many auctions are due now (counted up to `limit`): tells the sweep task
    whether helpers would drain the backlog sooner."""
    now = now or timezone.now()
    due = Auction.objects.filter(status=Status.ACTIVE, ends_at__lte=now)
    return due.order_by().values("pk")[:limit].count()


def _close_next_due(
    *, now: datetime, skip: list[int]
) -> tuple[int | None, CloseResult | None]:
    """Close the longest-overdue auction nobody else holds. Returns (its id, the
    result), (its id, None) when the close raised, or (None, None) when nothing
    is due."""
    picked: int | None = None
    try:
        with transaction.atomic(durable=True):
            # skip_locked: a row another sweep is closing (or a bid holds for a
            # moment) is passed over rather than waited for; the same CAS
            # condition as auction_close keeps a closed auction from being
            # picked again. On SQLite the IMMEDIATE transaction serialises the
            # sweeps instead. Ordered by the end alone, which the (status,
            # ends_at) index gives as it is: a tie-break on pk would sort every
            # due row on each pick (10,000 auctions ending in the same second
            # made each pick read all of them).
            auction = (
                Auction.objects.select_for_update(skip_locked=True)
                .filter(status=Status.ACTIVE, ends_at__lte=now)
                .exclude(pk__in=skip)
                .order_by("ends_at")
                .first()
            )
            if auction is None:
                return None, None
            picked = auction.pk
            return picked, close_locked(auction=auction, now=now)
    except SoftTimeLimitExceeded:
        raise
    except Exception:
        if picked is None:
            raise
        logger.exception("auction close failed", extra={"auction_id": picked})
        return picked, None


# -- "ending soon" reminders ------------------------------------------------------


def reminder_leads() -> list[int]:
    """The configured lead times in minutes, longest first. `reminders_sent` on an
    auction counts how many of them are done (sent or skipped)."""
    return sorted({int(m) for m in settings.AUCTION_REMINDERS_MINUTES if int(m) > 0})[
        ::-1
    ]


def auctions_send_reminders(*, now: datetime | None = None) -> int:
    """Tell bidders and watchers (never the seller) that an auction ends soon,
    once per auction and lead time. Returns how many auctions were reminded.

    The latest due stage wins: an auction that was created (or is first seen)
    with 40 minutes left gets only the 10-minute reminder, and a stage whose
    moment fell before the auction started is skipped. An extension that moves
    the end back never repeats a stage: `reminders_sent` only grows, and the
    event key names the stage."""
    now = now or timezone.now()
    leads = reminder_leads()
    reminded = 0
    # The shortest lead first, so an auction already inside it skips the longer
    # ones; every auction a query returns leaves it (its counter passes `stage`).
    for stage in reversed(range(len(leads))):
        window = now + timedelta(minutes=leads[stage])
        failed: list[int] = []
        while True:
            ids = list(
                Auction.objects.filter(
                    status=Status.ACTIVE,
                    reminders_sent__lte=stage,
                    ends_at__gt=now,
                    ends_at__lte=window,
                )
                .exclude(pk__in=failed)
                .order_by("ends_at", "pk")
                .values_list("pk", flat=True)[:REMINDER_BATCH]
            )
            if not ids:
                break
            for pk in ids:
                try:
                    reminded += _remind(pk, stage=stage, leads=leads, now=now)
                except SoftTimeLimitExceeded:
                    raise
                except Exception:
                    logger.exception(
                        "auction reminder failed", extra={"auction_id": pk}
                    )
                    failed.append(pk)
    if reminded:
        logger.info("auctions reminded", extra={"count": reminded})
    return reminded


def _remind(pk: int, *, stage: int, leads: list[int], now: datetime) -> int:
    with transaction.atomic(durable=True):
        auction = Auction.objects.filter(pk=pk).first()
        if auction is None or auction.reminders_sent > stage:
            return 0
        # Compare-and-swap on the counter: of two sweeps (or a sweep run twice)
        # only one moves it, and only that one writes the notifications, in
        # the same transaction.
        if not Auction.objects.filter(
            pk=pk,
            status=Status.ACTIVE,
            reminders_sent=auction.reminders_sent,
            ends_at__gt=now,
        ).update(reminders_sent=stage + 1):
            return 0
        lead = timedelta(minutes=leads[stage])
        if auction.ends_at - lead < auction.starts_at:
            # The auction began after this stage's moment (it was created with
            # less time left): nothing to remind of.
            return 0
        told = _notify_ending_soon(auction, lead_minutes=leads[stage], now=now)
        return int(told)


def _notify_ending_soon(auction: Auction, *, lead_minutes: int, now: datetime) -> bool:
    ids = (notices.bidder_ids(auction) | notices.watcher_ids(auction)) - {
        auction.seller_id
    }
    if not ids:
        return False
    minutes = max(round((auction.ends_at - now).total_seconds() / 60), 1)
    base: dict[str, Any] = {
        "auction": str(auction.uuid),
        "title": auction.title,
        "minutes": minutes,
    }
    shows_price = auction.type in (Type.ENGLISH, Type.PERPETUAL)
    for user in User.objects.filter(pk__in=ids).order_by("pk"):
        payload = dict(base)
        if shows_price:
            payload["price"] = auction.current_price_stars
            payload["leading"] = user.pk == auction.leader_id
        notify(
            recipient=user,
            kind="auction_ending_soon",
            payload=payload,
            event_key=f"auction:{auction.pk}:reminder:{lead_minutes}",
        )
    return True
