"""Subscriptions: bought with stars, SUBSCRIPTION_DAYS at a time, extending the
current period when it is still running; a beat sweep warns and expires."""

from __future__ import annotations

import logging
from datetime import datetime, timedelta

from django.conf import settings
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from accounts.models import User
from accounts.services import notify
from payments.errors import InsufficientStars
from payments.models import LedgerTransaction, Subscription

from .ledger import stars_spend

logger = logging.getLogger(__name__)

EXPIRY_WARNING = timedelta(days=3)


def subscription_purchase(
    *, user: User, idempotency_key: str | None = None
) -> Subscription:
    """Spend SUBSCRIPTION_PRICE_STARS for SUBSCRIPTION_DAYS more.

    Pass an `idempotency_key` that names the click (a form nonce, the callback
    query's message): two deliveries of the same click then charge once and extend
    once. Without a key, each call is a purchase of its own."""
    price = settings.SUBSCRIPTION_PRICE_STARS
    key = f"subscription:{user.pk}:{idempotency_key}" if idempotency_key else None
    with transaction.atomic(durable=True):
        # The user row lock (the same one every ledger posting takes) queues two
        # clicks at once: the second reads the first's new end and its key.
        User.objects.select_for_update().filter(pk=user.pk).first()
        subscription = Subscription.objects.filter(user=user).first()
        if key and LedgerTransaction.objects.filter(idempotency_key=key).exists():
            logger.info(
                "subscription purchase replayed",
                extra={"user_id": user.pk, "idempotency_key": key},
            )
            return subscription
        now = timezone.now()
        active = subscription is not None and subscription.ends_at > now
        start = subscription.ends_at if active else now
        ends_at = start + timedelta(days=settings.SUBSCRIPTION_DAYS)
        if price > 0:
            try:
                stars_spend(
                    user=user,
                    amount=price,
                    kind=LedgerTransaction.Kind.SUBSCRIPTION,
                    reason=f"until {ends_at:%Y-%m-%d %H:%M} UTC",
                    idempotency_key=key,
                )
            except InsufficientStars as exc:
                raise InsufficientStars(
                    _(
                        "A subscription costs %(price)s stars and you have "
                        "%(available)s. Buy stars first."
                    ),
                    price=price,
                    available=exc.params.get("available", 0),
                ) from exc
        if subscription is None:
            subscription = Subscription.objects.create(
                user=user, started_at=now, ends_at=ends_at
            )
        else:
            if not active:
                subscription.started_at = now
            subscription.ends_at = ends_at
            subscription.status = Subscription.Status.ACTIVE
            subscription.save(
                update_fields=["started_at", "ends_at", "status", "updated_at"]
            )
    logger.info(
        "subscription purchased",
        extra={
            "user_id": user.pk,
            "subscription_id": subscription.pk,
            "price_stars": price,
            "ends_at": ends_at.isoformat(),
            "extended": active,
        },
    )
    return subscription


def subscriptions_warn_expiring(*, now: datetime | None = None) -> int:
    """Tell each subscriber once, EXPIRY_WARNING before the end, that it is near.
    The event key names the end, so a renewed period gets its own warning."""
    now = now or timezone.now()
    due = Subscription.objects.filter(
        status=Subscription.Status.ACTIVE,
        ends_at__gt=now,
        ends_at__lte=now + EXPIRY_WARNING,
    ).select_related("user")
    warned = 0
    # Materialised: a handful of rows, each then written in its own transaction.
    for subscription in list(due):
        ends_at = subscription.ends_at.isoformat()
        with transaction.atomic():
            if notify(
                recipient=subscription.user,
                kind="subscription_expiring",
                payload={"ends_at": ends_at},
                event_key=f"subscription-expiring:{ends_at}",
            ):
                warned += 1
    if warned:
        logger.info("subscriptions warned", extra={"count": warned})
    return warned


def subscriptions_expire_due(*, now: datetime | None = None) -> int:
    """Mark ended subscriptions expired and tell their users, each once."""
    now = now or timezone.now()
    due = Subscription.objects.filter(
        status=Subscription.Status.ACTIVE, ends_at__lte=now
    ).select_related("user")
    expired = 0
    # Materialised: a handful of rows, each then written in its own transaction.
    for subscription in list(due):
        with transaction.atomic():
            # Compare-and-swap: a purchase may have extended it since it was read,
            # or another sweep expired it; then this changes no row.
            changed = Subscription.objects.filter(
                pk=subscription.pk,
                status=Subscription.Status.ACTIVE,
                ends_at__lte=now,
            ).update(status=Subscription.Status.EXPIRED, updated_at=now)
            if not changed:
                continue
            ends_at = subscription.ends_at.isoformat()
            notify(
                recipient=subscription.user,
                kind="subscription_expired",
                payload={"ends_at": ends_at},
                event_key=f"subscription-expired:{ends_at}",
            )
            expired += 1
    if expired:
        logger.info("subscriptions expired", extra={"count": expired})
    return expired
