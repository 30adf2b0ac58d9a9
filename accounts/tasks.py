"""Celery tasks for accounts: delivery of the notification outbox.

Every task here is thin and harmless when run twice: every rule lives in
`accounts.services_notifications`.
"""

from __future__ import annotations

import logging
import time

from celery import shared_task

from .selectors import notifications_due_ids
from .services_notifications import notification_deliver_one

logger = logging.getLogger(__name__)

# A retry further away than this is left to the beat sweep: a task held for a long
# countdown sits in a worker's memory, and Redis redelivers it after its visibility
# timeout (an hour) anyway.
MAX_COUNTDOWN_SECONDS = 10 * 60


# The hard limit must stay below CLAIM_LEASE (services_notifications): a claim
# outlives the worker that holds it. Time limits need the prefork pool.
@shared_task(
    name="accounts.tasks.notification_deliver",
    ignore_result=True,
    soft_time_limit=30,
    time_limit=45,
)
def notification_deliver(notification_id: int) -> str:
    result = notification_deliver_one(notification_id=notification_id)
    if result.retry_in is not None and result.retry_in <= MAX_COUNTDOWN_SECONDS:
        notification_deliver.apply_async((notification_id,), countdown=result.retry_in)
    return result.outcome


# Past this, a batch hands what is left to single tasks: one more Bot API call
# (10 s at worst, plus 5 to connect) still ends inside the soft time limit.
BATCH_BUDGET_SECONDS = 10


@shared_task(
    name="accounts.tasks.notifications_deliver",
    ignore_result=True,
    soft_time_limit=30,
    time_limit=45,
)
def notifications_deliver(notification_ids: list[int]) -> int:
    """The notifications one event wrote (`notify_many` queues one message per
    transaction, not one per recipient), delivered one after another. Returns
    how many were attempted here."""
    deadline = time.monotonic() + BATCH_BUDGET_SECONDS
    for index, notification_id in enumerate(notification_ids):
        if time.monotonic() >= deadline:
            for rest in notification_ids[index:]:
                notification_deliver.delay(rest)
            return index
        notification_deliver(notification_id)
    return len(notification_ids)


@shared_task(
    name="accounts.tasks.notifications_requeue_stuck",
    ignore_result=True,
    soft_time_limit=45,
    time_limit=55,
)
def notifications_requeue_stuck() -> int:
    """Beat, every minute: queue every pending notification that nobody is
    delivering (a due retry, a dead worker's claim, a task lost before the broker)."""
    ids = notifications_due_ids()
    for notification_id in ids:
        notification_deliver.delay(notification_id)
    if ids:
        logger.info("notifications requeued", extra={"count": len(ids)})
    return len(ids)
