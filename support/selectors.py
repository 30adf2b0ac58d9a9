"""Reads for support."""

from __future__ import annotations

from django.db.models import QuerySet

from accounts.models import User
from payments.models import Payment

from .models import Ticket

# Payments a user may open a ticket about: the ones Telegram charged.
PAID_STATUSES = (
    Payment.Status.SUCCESSFUL,
    Payment.Status.REFUNDING,
    Payment.Status.REFUNDED,
)


def ticket_payments_for_user(*, user: User, limit: int = 5) -> list[Payment]:
    """The user's most recent paid payments, to choose the one a ticket is about."""
    return list(
        Payment.objects.filter(user=user, status__in=PAID_STATUSES).order_by(
            "-paid_at", "-id"
        )[:limit]
    )


def ticket_payment_get_for_user(*, user: User, payment_id: int) -> Payment | None:
    """A paid payment of this user (a ticket cannot point at anyone else's)."""
    return Payment.objects.filter(
        pk=payment_id, user=user, status__in=PAID_STATUSES
    ).first()


def tickets_for_user(*, user: User) -> QuerySet[Ticket]:
    return Ticket.objects.filter(user=user).select_related("payment")
