"""Refunds. Telegram refunds one whole charge (`refundStarPayment`), and only while
the user still has the stars that charge brought: the platform cannot give back
stars it has already let the user spend.

Telegram is never called inside a transaction. A staff refund runs in three
steps: (1) reserve — lock the payment, move its stars from available to held and
mark it "refunding", commit; (2) ask Telegram; (3) finalise (held → outside,
"refunded") or, when Telegram refused, cancel (held → available, "successful").
If Telegram's answer is lost (a timeout, a 5xx) the reservation stays: the stars
cannot be spent meanwhile, and trying again either refunds or hears
CHARGE_ALREADY_REFUNDED, which finalises.
"""

from __future__ import annotations

import logging

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from accounts.models import User
from accounts.services import notify
from payments.errors import InsufficientStars, RefundFailed, RefundRefused
from payments.models import Account, LedgerTransaction, Payment, UnmatchedPayment
from telegrambot.botapi import BotAPIError, BotAPIRetryAfter, bot_api_call

from .ledger import Leg, _ledger_post

logger = logging.getLogger(__name__)

Kind = LedgerTransaction.Kind
ALREADY_REFUNDED = "CHARGE_ALREADY_REFUNDED"


def _refusal(payment: Payment) -> str | None:
    if payment.status == Payment.Status.REFUNDED:
        return _("This payment has already been refunded.")
    if payment.status == Payment.Status.REFUNDING:
        return _("A refund of this payment is already in progress.")
    if payment.status != Payment.Status.SUCCESSFUL:
        return _("Only a successful payment can be refunded.")
    if (
        payment.method != Payment.Method.STARS
        or payment.currency != "XTR"
        or not payment.telegram_payment_charge_id
        or not payment.user.telegram_id
    ):
        return _("Only payments in Telegram Stars can be refunded here.")
    return None


def _spent_refusal(payment: Payment, exc: InsufficientStars) -> RefundRefused:
    return RefundRefused(
        _(
            "The user has %(available)s stars available, fewer than the %(amount)s "
            "this payment brought: they have been spent."
        ),
        available=exc.params.get("available", 0),
        amount=payment.amount_stars,
    )


def _refunded(payment: Payment, staff: User | None) -> None:
    payment.status = Payment.Status.REFUNDED
    payment.refunded_at = timezone.now()
    payment.save(update_fields=["status", "refunded_at", "updated_at"])
    notify(
        recipient=payment.user,
        kind="refund",
        payload={"payment_id": payment.pk, "amount_stars": payment.amount_stars},
        event_key=f"payment:{payment.pk}:refund",
    )
    logger.info(
        "payment refunded",
        extra={
            "payment_id": payment.pk,
            "user_id": payment.user_id,
            "amount_stars": payment.amount_stars,
            "staff_id": staff.pk if staff else None,
        },
    )


def stars_refund(*, payment: Payment, staff: User | None = None) -> LedgerTransaction:
    """Book a refund Telegram has made (or makes without us, e.g. through its own
    support): the stars go from the user's available balance back outside, and the
    payment is marked refunded. Staff use `payment_refund`, which calls Telegram."""
    with transaction.atomic():
        locked = Payment.objects.select_for_update().get(pk=payment.pk)
        refusal = _refusal(locked)
        if refusal is not None:
            raise RefundRefused(refusal)
        try:
            txn, _created = _ledger_post(
                kind=Kind.REFUND,
                legs=[
                    Leg(Account.AVAILABLE, -locked.amount_stars, locked.user),
                    Leg(Account.OUTSIDE, locked.amount_stars),
                ],
                payment=locked,
                created_by=staff,
                # One refund per payment, whichever path books it.
                idempotency_key=f"payment:{locked.pk}:refund",
            )
        except InsufficientStars as exc:
            raise _spent_refusal(locked, exc) from exc
        _refunded(locked, staff)
    payment.status, payment.refunded_at = locked.status, locked.refunded_at
    return txn


def payment_refund(*, payment: Payment, staff: User) -> Payment:
    """Refund a star payment through Telegram (see the module docstring). Raises
    RefundRefused when it may not be refunded, RefundFailed when Telegram refused
    (nothing changed) or did not answer (the stars stay reserved; try again)."""
    if staff is None or not staff.is_staff:
        raise RefundRefused(_("Only staff can refund payments."))
    locked = _refund_reserve(payment=payment, staff=staff)
    try:
        bot_api_call(
            "refundStarPayment",
            user_id=locked.user.telegram_id,
            telegram_payment_charge_id=locked.telegram_payment_charge_id,
        )
    except BotAPIError as exc:
        if ALREADY_REFUNDED not in exc.description:
            definite = not exc.retriable or isinstance(exc, BotAPIRetryAfter)
            logger.warning(
                "payment refund failed",
                extra={
                    "payment_id": locked.pk,
                    "error": exc.description,
                    "reservation_kept": not definite,
                },
            )
            if not definite:
                raise RefundFailed(
                    _(
                        "Telegram did not confirm the refund (%(error)s). The stars "
                        "stay reserved; try the refund again later."
                    ),
                    error=exc.description,
                ) from exc
            _refund_cancel(payment=locked, staff=staff)
            raise RefundFailed(
                _("Telegram refused the refund: %(error)s"), error=exc.description
            ) from exc
    _refund_finalize(payment=locked, staff=staff)
    payment.refresh_from_db()
    return payment


def _refund_reserve(*, payment: Payment, staff: User) -> Payment:
    # durable: the reservation must be committed before Telegram is called, and no
    # caller's transaction may keep the row locks through that call.
    with transaction.atomic(durable=True):
        locked = Payment.objects.select_for_update().get(pk=payment.pk)
        if locked.status == Payment.Status.REFUNDING:
            # An earlier attempt Telegram did not confirm: ask Telegram again.
            return locked
        refusal = _refusal(locked)
        if refusal is not None:
            raise RefundRefused(refusal)
        try:
            _ledger_post(
                kind=Kind.HOLD,
                legs=[
                    Leg(Account.AVAILABLE, -locked.amount_stars, locked.user),
                    Leg(Account.HELD, locked.amount_stars, locked.user),
                ],
                payment=locked,
                created_by=staff,
            )
        except InsufficientStars as exc:
            raise _spent_refusal(locked, exc) from exc
        locked.status = Payment.Status.REFUNDING
        locked.save(update_fields=["status", "updated_at"])
    return locked


def _refund_finalize(*, payment: Payment, staff: User) -> None:
    with transaction.atomic(durable=True):
        locked = Payment.objects.select_for_update().get(pk=payment.pk)
        if locked.status != Payment.Status.REFUNDING:
            return  # a concurrent attempt finished it
        _ledger_post(
            kind=Kind.REFUND,
            legs=[
                Leg(Account.HELD, -locked.amount_stars, locked.user),
                Leg(Account.OUTSIDE, locked.amount_stars),
            ],
            payment=locked,
            created_by=staff,
            idempotency_key=f"payment:{locked.pk}:refund",
        )
        _refunded(locked, staff)


def _refund_cancel(*, payment: Payment, staff: User) -> None:
    with transaction.atomic(durable=True):
        locked = Payment.objects.select_for_update().get(pk=payment.pk)
        if locked.status != Payment.Status.REFUNDING:
            return
        _ledger_post(
            kind=Kind.RELEASE,
            legs=[
                Leg(Account.HELD, -locked.amount_stars, locked.user),
                Leg(Account.AVAILABLE, locked.amount_stars, locked.user),
            ],
            payment=locked,
            created_by=staff,
        )
        locked.status = Payment.Status.SUCCESSFUL
        locked.save(update_fields=["status", "updated_at"])


def unmatched_payment_refund(*, unmatched: UnmatchedPayment, staff: User) -> None:
    """Give an unmatched charge back through Telegram. It was never credited, so
    the ledger does not move."""
    if staff is None or not staff.is_staff:
        raise RefundRefused(_("Only staff can refund payments."))
    unmatched.refresh_from_db()
    if unmatched.status != UnmatchedPayment.Status.OPEN:
        raise RefundRefused(_("This charge has already been settled."))
    if unmatched.currency != "XTR":
        raise RefundRefused(_("Only payments in Telegram Stars can be refunded here."))
    try:
        bot_api_call(
            "refundStarPayment",
            user_id=unmatched.telegram_user_id,
            telegram_payment_charge_id=unmatched.telegram_payment_charge_id,
        )
    except BotAPIError as exc:
        if ALREADY_REFUNDED not in exc.description:
            raise RefundFailed(
                _("Telegram refused the refund: %(error)s"), error=exc.description
            ) from exc
    UnmatchedPayment.objects.filter(
        pk=unmatched.pk, status=UnmatchedPayment.Status.OPEN
    ).update(
        status=UnmatchedPayment.Status.REFUNDED,
        resolved_by=staff,
        updated_at=timezone.now(),
    )
    logger.info(
        "unmatched payment refunded",
        extra={"unmatched_id": unmatched.pk, "staff_id": staff.pk},
    )
    unmatched.refresh_from_db()


def unmatched_payment_resolve(*, unmatched: UnmatchedPayment, staff: User) -> None:
    """Close an unmatched charge that staff settled another way (for instance by
    crediting the stars with `stars_adjust`)."""
    if staff is None or not staff.is_staff:
        raise RefundRefused(_("Only staff can resolve payments."))
    changed = UnmatchedPayment.objects.filter(
        pk=unmatched.pk, status=UnmatchedPayment.Status.OPEN
    ).update(
        status=UnmatchedPayment.Status.RESOLVED,
        resolved_by=staff,
        updated_at=timezone.now(),
    )
    if not changed:
        raise RefundRefused(_("This charge has already been settled."))
    logger.info(
        "unmatched payment resolved",
        extra={"unmatched_id": unmatched.pk, "staff_id": staff.pk},
    )
    unmatched.refresh_from_db()
