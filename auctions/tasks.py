"""Celery tasks for the auction lifecycle, run by beat (the schedule is
settings.CELERY_BEAT_SCHEDULE). Thin and harmless when run twice or at once: the
rules, the locking and the once-only guarantees live in
`auctions.services.lifecycle`.

The hard time limits need the prefork pool. A worker killed in the middle of a
close rolls that close back; the next sweep closes the auction."""

from __future__ import annotations

import logging
import math

from celery import shared_task
from django.conf import settings

from .services import lifecycle

logger = logging.getLogger(__name__)

# Above this many due auctions the sweep calls in helpers (more sweeps, on other
# worker processes); each picks auctions the others have not locked.
HELPER_BACKLOG = 200


@shared_task(
    name="auctions.tasks.auctions_close_due",
    ignore_result=True,
    soft_time_limit=60,
    time_limit=75,
)
def auctions_close_due(helpers: bool = True) -> int:
    """Beat, every few seconds: close every auction whose end has passed."""
    if helpers:
        wanted = _helpers_wanted(lifecycle.auctions_close_backlog())
        for _ in range(wanted):
            auctions_close_due.delay(helpers=False)
        if wanted:
            logger.info("auction close helpers queued", extra={"count": wanted})
    return lifecycle.auctions_close_due().closed


@shared_task(
    name="auctions.tasks.auctions_open_scheduled",
    ignore_result=True,
    soft_time_limit=30,
    time_limit=45,
)
def auctions_open_scheduled() -> int:
    """Beat, every few seconds: open scheduled auctions whose start has come."""
    return lifecycle.auctions_open_due()


@shared_task(
    name="auctions.tasks.auctions_send_reminders",
    ignore_result=True,
    soft_time_limit=90,
    time_limit=110,
)
def auctions_send_reminders() -> int:
    """Beat, every half minute: "ending soon" to bidders and watchers."""
    return lifecycle.auctions_send_reminders()


def _helpers_wanted(backlog: int) -> int:
    if backlog <= HELPER_BACKLOG:
        return 0
    return min(
        max(settings.AUCTION_CLOSE_HELPERS, 0), math.ceil(backlog / HELPER_BACKLOG) - 1
    )
