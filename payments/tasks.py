"""Payments' periodic work. Thin: each task calls services and is harmless when
run twice (the services compare-and-swap and notify once per event)."""

from __future__ import annotations

import logging

from celery import shared_task

from .services import subscriptions_expire_due, subscriptions_warn_expiring

logger = logging.getLogger(__name__)


@shared_task(
    name="payments.tasks.subscriptions_sweep",
    ignore_result=True,
    soft_time_limit=90,
    time_limit=120,
)
def subscriptions_sweep() -> None:
    """Warn subscribers whose period ends within three days; expire ended ones."""
    warned = subscriptions_warn_expiring()
    expired = subscriptions_expire_due()
    logger.info("subscriptions swept", extra={"warned": warned, "expired": expired})
