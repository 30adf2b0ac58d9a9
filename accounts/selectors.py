"""Reads for accounts."""

from __future__ import annotations

from datetime import timedelta

from django.db.models import Q
from django.utils import timezone

from .models import Notification

# A fresh row is delivered by the task queued on its commit; the sweep leaves it
# alone for this long so that it does not queue every new row a second time.
NOTIFICATION_FRESH_GRACE = timedelta(minutes=1)


def notifications_due_ids(*, limit: int = 500) -> list[int]:
    """Pending notifications that nobody is delivering: a retry that has come due,
    a claim whose lease ran out (its worker died), or a fresh row whose on-commit
    task never ran (the broker was down, the process exited)."""
    now = timezone.now()
    return list(
        Notification.objects.filter(status=Notification.Status.PENDING)
        .filter(
            Q(next_attempt_at__lte=now)
            | Q(
                next_attempt_at__isnull=True,
                created_at__lte=now - NOTIFICATION_FRESH_GRACE,
            )
        )
        .order_by("pk")
        .values_list("pk", flat=True)[:limit]
    )
