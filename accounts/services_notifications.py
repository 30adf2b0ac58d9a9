"""Delivery of the notification outbox (`accounts.models.Notification`).

`accounts.services.notify()` writes a row inside the event's transaction and queues
`notification_deliver` on commit; the services here send it, and the beat sweep
re-queues whatever a lost task or a dead worker left pending.

The race. Several callers can try to deliver one row at the same moment: the task
queued on commit, a redelivery of that task (tasks are acknowledged late, so a
worker killed after sending gets its task redelivered), the beat sweep, a retry
from the admin. Holding a row lock across the Bot API call would serialise them,
but would keep a transaction and a connection open for the whole HTTP timeout.
Instead a delivery *claims* the row in a short transaction: it locks the pending,
due row (`skip_locked`: a busy row is someone else's), counts the attempt and
pushes `next_attempt_at` one lease ahead, and commits. Only then does it call
Telegram, and it records the outcome with a compare-and-swap on
(status=pending, attempts=<its attempt>). A second caller finds the row locked or
not yet due and does nothing. A worker that dies mid-send leaves a pending row
whose lease runs out, and the sweep re-queues it: nothing is lost.

The one window left is a worker that dies after Telegram accepted the message but
before the outcome is recorded: the message goes out again when the lease ends.
That is at-least-once, the best an outbox can do against an API without
idempotency keys. The lease is longer than the task's hard time limit (and the
Bot API client's timeouts), so a slow worker that is still alive is never
overtaken by a second one.
"""

from __future__ import annotations

import logging
import random
from dataclasses import dataclass
from datetime import datetime, timedelta
from enum import StrEnum

from django.conf import settings
from django.core.cache import cache
from django.db import transaction
from django.db.models import F, Q, QuerySet
from django.utils import timezone

from telegrambot.botapi import BotAPIError, BotAPIRetryAfter, bot_api_call

from .models import Notification
from .notifications import (
    NotificationRenderError,
    UnknownNotificationKind,
    notification_render,
)

logger = logging.getLogger(__name__)

# Longer than notification_deliver's hard time limit (accounts/tasks.py).
CLAIM_LEASE = timedelta(minutes=2)
BACKOFF_BASE_SECONDS = 15
BACKOFF_MAX_SECONDS = 60 * 60
SEND_COUNTER_KEY = "telegram-sends"


class Outcome(StrEnum):
    SENT = "sent"
    RETRY = "retry"  # a retriable error; next_attempt_at is set
    DEFERRED = "deferred"  # our own rate limit; not counted as an attempt
    FAILED = "failed"
    SKIPPED = "skipped"  # already sent or failed, claimed by another worker, or not due


@dataclass(frozen=True)
class DeliveryResult:
    outcome: Outcome
    # Seconds until the notification is due again (RETRY and DEFERRED).
    retry_in: float | None = None


def notification_deliver_one(*, notification_id: int) -> DeliveryResult:
    """Send one notification if it is pending and due; safe to call any number of
    times, from any number of workers at once."""
    now = timezone.now()
    notification = _notification_claim(notification_id=notification_id, now=now)
    if notification is None:
        return DeliveryResult(Outcome.SKIPPED)
    if notification.status == Notification.Status.FAILED:
        return DeliveryResult(Outcome.FAILED)

    recipient = notification.recipient
    if notification.channel != Notification.Channel.TELEGRAM:
        return _record_failure(
            notification, f"channel {notification.channel!r} has no sender", now=now
        )
    if recipient.telegram_id is None:
        return _record_failure(
            notification,
            "the recipient has no Telegram id (never started the bot)",
            now=now,
        )
    try:
        message = notification_render(
            kind=notification.kind, payload=notification.payload, recipient=recipient
        )
    except (UnknownNotificationKind, NotificationRenderError) as exc:
        logger.error(
            "notification cannot be rendered",
            extra={"notification_id": notification.pk, "error": str(exc)},
        )
        return _record_failure(notification, str(exc), now=now)

    wait = _telegram_send_slot_wait()
    if wait:
        return _release_claim(notification, wait=wait)

    try:
        bot_api_call(
            "sendMessage",
            chat_id=recipient.telegram_id,
            text=message.text,
            reply_markup=message.reply_markup,
        )
    except BotAPIError as exc:
        return _record_error(notification, exc)
    return _record_sent(notification)


def notifications_retry(*, notification_ids: list[int]) -> int:
    """Give failed notifications a fresh set of attempts (staff, from the admin).
    Returns how many were re-queued."""
    from .tasks import notification_deliver

    with transaction.atomic(durable=True):
        # Locked so that two staff pressing "retry" at once queue each row once.
        ids = list(
            Notification.objects.select_for_update()
            .filter(pk__in=notification_ids, status=Notification.Status.FAILED)
            .values_list("pk", flat=True)
        )
        Notification.objects.filter(pk__in=ids).update(
            status=Notification.Status.PENDING,
            attempts=0,
            next_attempt_at=timezone.now(),
            updated_at=timezone.now(),
        )
        for pk in ids:
            transaction.on_commit(
                lambda pk=pk: notification_deliver.delay(pk), robust=True
            )
    return len(ids)


def _notification_claim(*, notification_id: int, now: datetime) -> Notification | None:
    # On SQLite select_for_update is a no-op, but the project's IMMEDIATE
    # transactions take the database write lock at BEGIN, which serialises claims
    # just the same.
    with transaction.atomic(durable=True):
        notification = (
            Notification.objects.select_for_update(skip_locked=True, of=("self",))
            .select_related("recipient")
            .filter(pk=notification_id, status=Notification.Status.PENDING)
            .filter(Q(next_attempt_at__isnull=True) | Q(next_attempt_at__lte=now))
            .first()
        )
        if notification is None:
            return None
        if notification.attempts >= settings.NOTIFICATION_MAX_ATTEMPTS:
            # The last allowed attempt claimed the row and never reported back
            # (its worker died or hit the time limit).
            notification.status = Notification.Status.FAILED
            notification.last_error = (
                f"gave up after {notification.attempts} attempts; the last one "
                f"never finished. {notification.last_error}"
            ).strip()
            notification.next_attempt_at = None
            notification.save(
                update_fields=["status", "last_error", "next_attempt_at", "updated_at"]
            )
            logger.warning(
                "notification failed", extra={"notification_id": notification.pk}
            )
            return notification
        notification.attempts += 1
        notification.next_attempt_at = now + CLAIM_LEASE
        notification.save(update_fields=["attempts", "next_attempt_at", "updated_at"])
    return notification


def _claimed(notification: Notification) -> QuerySet[Notification]:
    """The row as long as it is still ours: pending, and no later claim counted."""
    return Notification.objects.filter(
        pk=notification.pk,
        status=Notification.Status.PENDING,
        attempts=notification.attempts,
    )


def _record_sent(notification: Notification) -> DeliveryResult:
    now = timezone.now()
    if not _claimed(notification).update(
        status=Notification.Status.SENT,
        sent_at=now,
        next_attempt_at=None,
        updated_at=now,
    ):
        # Only possible when the send outlived the lease; see the module docstring.
        logger.warning(
            "notification sent after its claim expired",
            extra={"notification_id": notification.pk},
        )
    logger.info("notification sent", extra={"notification_id": notification.pk})
    return DeliveryResult(Outcome.SENT)


def _record_failure(
    notification: Notification, error: str, *, now: datetime
) -> DeliveryResult:
    _claimed(notification).update(
        status=Notification.Status.FAILED,
        last_error=error,
        next_attempt_at=None,
        updated_at=now,
    )
    logger.warning(
        "notification failed",
        extra={"notification_id": notification.pk, "error": error},
    )
    return DeliveryResult(Outcome.FAILED)


def _record_error(notification: Notification, exc: BotAPIError) -> DeliveryResult:
    now = timezone.now()
    error = f"{exc.error_code or 'network'}: {exc.description}"
    if not exc.retriable:
        # 403 (the user blocked the bot) or a 400: trying again cannot help.
        return _record_failure(notification, error, now=now)
    attempt = notification.attempts
    if attempt >= settings.NOTIFICATION_MAX_ATTEMPTS:
        return _record_failure(
            notification, f"{error} (gave up after {attempt} attempts)", now=now
        )
    delay = _backoff_seconds(attempt)
    if isinstance(exc, BotAPIRetryAfter) and exc.retry_after:
        # Telegram says exactly when: any sooner would be refused again.
        delay = exc.retry_after + random.uniform(0, 1)
    _claimed(notification).update(
        last_error=error,
        next_attempt_at=now + timedelta(seconds=delay),
        updated_at=now,
    )
    logger.info(
        "notification will be retried",
        extra={"notification_id": notification.pk, "error": error, "delay": delay},
    )
    return DeliveryResult(Outcome.RETRY, retry_in=delay)


def _release_claim(notification: Notification, *, wait: float) -> DeliveryResult:
    now = timezone.now()
    _claimed(notification).update(
        attempts=F("attempts") - 1,
        next_attempt_at=now + timedelta(seconds=wait),
        updated_at=now,
    )
    return DeliveryResult(Outcome.DEFERRED, retry_in=wait)


def _backoff_seconds(attempt: int) -> float:
    """15 s, 30 s, 1 min, 2 min, … up to an hour, with jitter so that a burst of
    failures (a Telegram outage) does not come back as one burst."""
    delay = min(BACKOFF_BASE_SECONDS * 2 ** (attempt - 1), BACKOFF_MAX_SECONDS)
    return delay * random.uniform(1.0, 1.25)


def _telegram_send_slot_wait() -> float:
    """Seconds to wait for a slot under Telegram's bot-wide limit (about 30
    messages a second), counted per second in the cache. With Redis as the cache
    the count is shared by every worker; with the local-memory cache of a bare
    machine it is per process. The per-chat limit (about one a second) is left to
    Telegram's 429 and its retry_after."""
    limit = settings.TELEGRAM_MESSAGES_PER_SECOND
    if not limit:
        return 0.0
    moment = timezone.now().timestamp()
    key = f"{SEND_COUNTER_KEY}:{int(moment)}"
    cache.add(key, 0, timeout=10)
    try:
        count = cache.incr(key)
    except ValueError:  # the key expired between add and incr
        cache.add(key, 1, timeout=10)
        count = 1
    if count <= limit:
        return 0.0
    return int(moment) + 1 - moment + random.uniform(0, 0.5)
