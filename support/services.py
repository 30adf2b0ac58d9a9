"""Writes to support: opening a ticket with its first message."""

from __future__ import annotations

import logging

from django.db import transaction
from django.utils.translation import gettext_lazy as _

from accounts.models import User
from payments.models import Payment

from .errors import TicketRefused
from .models import Ticket, TicketMessage

logger = logging.getLogger(__name__)

# A Telegram message holds at most 4096 characters; the web form uses the same cap.
BODY_MAX_CHARS = 4000
SUBJECT_MAX_CHARS = Ticket._meta.get_field("subject").max_length


def ticket_open(
    *,
    user: User,
    category: str,
    body: str,
    subject: str = "",
    payment: Payment | None = None,
) -> Ticket:
    """Open a ticket with the user's first message. A blank `subject` becomes the
    first line of the message. A ticket about a payment goes up the staff queue:
    money a user believes is missing is the first thing to look at."""
    body = (body or "").strip()
    if not body:
        raise TicketRefused(_("Please describe the problem in a few words."))
    if len(body) > BODY_MAX_CHARS:
        raise TicketRefused(
            _("Please keep the message under %(max)s characters."),
            max=BODY_MAX_CHARS,
        )
    if category not in Ticket.Category.values:
        raise ValueError(f"unknown ticket category {category!r}")
    if payment is not None and payment.user_id != user.pk:
        raise TicketRefused(_("This payment is not yours."))
    subject = _subject(subject or body.splitlines()[0])
    priority = Ticket.Priority.HIGH if payment is not None else Ticket.Priority.NORMAL
    with transaction.atomic(durable=True):
        ticket = Ticket.objects.create(
            user=user,
            subject=subject,
            category=category,
            priority=priority,
            payment=payment,
        )
        TicketMessage.objects.create(ticket=ticket, author=user, body=body)
    logger.info(
        "ticket opened",
        extra={
            "ticket_id": ticket.pk,
            "user_id": user.pk,
            "category": category,
            "payment_id": payment.pk if payment else None,
        },
    )
    return ticket


def _subject(text: str) -> str:
    text = " ".join(text.split())
    if len(text) <= SUBJECT_MAX_CHARS:
        return text
    return text[: SUBJECT_MAX_CHARS - 1].rstrip() + "…"
