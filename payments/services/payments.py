"""Buying stars: an invoice (a pending Payment), Telegram's pre-checkout question,
and the successful charge, credited exactly once.

Locks are always taken payment row first, then user rows (in `_ledger_post`), in
every service that takes both; the same order everywhere rules out deadlocks.
"""

from __future__ import annotations

import logging
import secrets
from dataclasses import dataclass

from django.conf import settings
from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from accounts.models import User
from payments.errors import InvalidAmount, PaymentRejected, PaymentUnmatched
from payments.models import Account, LedgerTransaction, Payment, UnmatchedPayment

from .ledger import Leg, _ledger_post

logger = logging.getLogger(__name__)

PURCHASE_MIN_STARS = 1
PURCHASE_MAX_STARS = 10_000
# The packages offered with one click, on the site as in the bot.
STAR_PACKAGES = (50, 100, 250, 500, 1000)
STARS_CURRENCY = "XTR"


@dataclass(frozen=True)
class PaymentResult:
    payment: Payment
    credited: bool  # False when this charge had already been recorded
    balance: int  # the user's available stars afterwards


def payment_create_pending(
    *, user: User, amount_stars: int, method: str = Payment.Method.STARS
) -> Payment:
    """An invoice for `amount_stars`, identified by a random payload that only our
    database can map back to it: it cannot be guessed, and once paid it is spent."""
    if type(amount_stars) is not int:
        raise InvalidAmount(_("Enter a whole number of stars."))
    if not PURCHASE_MIN_STARS <= amount_stars <= PURCHASE_MAX_STARS:
        raise InvalidAmount(
            _("You can buy from %(min)s to %(max)s stars at a time."),
            min=PURCHASE_MIN_STARS,
            max=PURCHASE_MAX_STARS,
        )
    if user.is_suspended:
        raise PaymentRejected(_("Your account is suspended, so you cannot buy stars."))
    if method == Payment.Method.STARS:
        currency, price = STARS_CURRENCY, amount_stars
    elif method == Payment.Method.PROVIDER:
        if not settings.PROVIDER_TOKEN:
            raise PaymentRejected(_("Paying with a card is not available."))
        currency = getattr(settings, "PROVIDER_CURRENCY", "USD")
        price = amount_stars * getattr(settings, "PROVIDER_PRICE_PER_STAR", 2)
    else:
        raise PaymentRejected(_("This payment method is not available."))
    payment = Payment.objects.create(
        user=user,
        amount_stars=amount_stars,
        currency=currency,
        price_amount=price,
        method=method,
        # 24 random bytes: 32 URL-safe characters, well under Telegram's 128 bytes.
        invoice_payload=secrets.token_urlsafe(24),
    )
    logger.info(
        "payment created",
        extra={
            "payment_id": payment.pk,
            "user_id": user.pk,
            "amount_stars": amount_stars,
            "currency": currency,
            "price_amount": price,
            "method": method,
        },
    )
    return payment


def payment_validate_pre_checkout(
    *, payload: str, telegram_user_id: int, currency: str, total_amount: int
) -> Payment:
    """Telegram asks whether to take the money. Raises PaymentRejected with the
    reason to show the user; returns the payment when the answer is yes."""
    payment = (
        Payment.objects.select_related("user").filter(invoice_payload=payload).first()
        if payload
        else None
    )
    reason = None
    if payment is None:
        reason = _("This invoice is not valid. Please start a new purchase.")
    elif payment.user.telegram_id != telegram_user_id:
        reason = _("This invoice belongs to another account.")
    elif payment.status != Payment.Status.PENDING:
        reason = _("This invoice has already been used. Please start a new purchase.")
    elif currency != payment.currency or total_amount != payment.price_amount:
        reason = _("The amount or currency does not match the invoice.")
    elif payment.user.is_suspended or not payment.user.is_active:
        reason = _("Your account is suspended, so you cannot buy stars.")
    logger.info(
        "payment pre-checkout",
        extra={
            "payment_id": payment.pk if payment else None,
            "telegram_user_id": telegram_user_id,
            "currency": currency,
            "total_amount": total_amount,
            "ok": reason is None,
            "refusal": str(reason) if reason else None,
        },
    )
    if reason is not None:
        raise PaymentRejected(reason)
    return payment


def stars_credit_purchase(*, payment: Payment) -> LedgerTransaction | None:
    """Credit a paid invoice: stars come in from outside to the user's available
    balance and the payment becomes successful. A payment that is no longer pending
    is left alone, so crediting twice credits once."""
    with transaction.atomic():
        # The payment row lock serialises two deliveries of the same charge: the
        # second waits here and then sees the payment is no longer pending.
        locked = Payment.objects.select_for_update().get(pk=payment.pk)
        if locked.status != Payment.Status.PENDING:
            logger.info(
                "payment credit skipped",
                extra={"payment_id": locked.pk, "status": locked.status},
            )
            return None
        txn, _created = _ledger_post(
            kind=LedgerTransaction.Kind.PURCHASE,
            legs=[
                Leg(Account.OUTSIDE, -locked.amount_stars),
                # The caller's user object, so it sees its new balance.
                Leg(Account.AVAILABLE, locked.amount_stars, payment.user),
            ],
            payment=locked,
            idempotency_key=f"payment:{locked.pk}:purchase",
        )
        locked.status = Payment.Status.SUCCESSFUL
        locked.paid_at = locked.paid_at or timezone.now()
        locked.save(update_fields=["status", "paid_at", "updated_at"])
    payment.status, payment.paid_at = locked.status, locked.paid_at
    return txn


def payment_record_success(
    *,
    payload: str,
    telegram_user_id: int,
    currency: str,
    total_amount: int,
    telegram_payment_charge_id: str,
    provider_payment_charge_id: str = "",
) -> PaymentResult:
    """Telegram took the money: credit it once per charge id. A repeated update
    returns the first result and credits nothing. A charge that cannot be matched
    to its pending invoice is recorded for staff and raises PaymentUnmatched."""
    if not telegram_payment_charge_id:
        raise ValueError("a successful payment always has a charge id")
    with transaction.atomic(durable=True):
        payment = (
            Payment.objects.select_for_update().filter(invoice_payload=payload).first()
            if payload
            else None
        )
        # Checked after the payment lock: a concurrent twin has committed by now.
        done = Payment.objects.filter(
            telegram_payment_charge_id=telegram_payment_charge_id
        )
        duplicate = done.select_related("user").first()
        if duplicate is not None:
            logger.info(
                "payment duplicate",
                extra={
                    "payment_id": duplicate.pk,
                    "charge_id": telegram_payment_charge_id,
                },
            )
            return PaymentResult(duplicate, False, duplicate.user.stars_balance)
        reason = _mismatch(payment, telegram_user_id, currency, total_amount)
        if reason is None:
            payment.telegram_payment_charge_id = telegram_payment_charge_id
            payment.provider_payment_charge_id = provider_payment_charge_id[:255]
            payment.paid_at = timezone.now()
            payment.save(
                update_fields=[
                    "telegram_payment_charge_id",
                    "provider_payment_charge_id",
                    "paid_at",
                    "updated_at",
                ]
            )
            stars_credit_purchase(payment=payment)
            logger.info(
                "payment successful",
                extra={
                    "payment_id": payment.pk,
                    "user_id": payment.user_id,
                    "amount_stars": payment.amount_stars,
                    "charge_id": telegram_payment_charge_id,
                },
            )
            return PaymentResult(payment, True, payment.user.stars_balance)
        unmatched = _unmatched_record(
            payment=payment,
            reason=reason,
            payload=payload,
            telegram_user_id=telegram_user_id,
            currency=currency,
            total_amount=total_amount,
            telegram_payment_charge_id=telegram_payment_charge_id,
            provider_payment_charge_id=provider_payment_charge_id,
        )
    # Raised after the commit: the record for staff must survive the refusal.
    raise PaymentUnmatched(
        _(
            "We received your payment but could not match it to an order. It is "
            "recorded and our staff will sort it out; you can also write to "
            "/paysupport (reference %(reference)s)."
        ),
        reference=unmatched.pk,
    )


def _mismatch(
    payment: Payment | None, telegram_user_id: int, currency: str, total_amount: int
) -> str | None:
    """Why this charge cannot credit `payment` (for staff, not translated)."""
    if payment is None:
        return "unknown invoice payload"
    if payment.user.telegram_id != telegram_user_id:
        return f"invoice of user {payment.user_id} paid by Telegram user {telegram_user_id}"
    if payment.status != Payment.Status.PENDING:
        return f"invoice already {payment.status}"
    if currency != payment.currency or total_amount != payment.price_amount:
        return (
            f"paid {total_amount} {currency}, invoice is "
            f"{payment.price_amount} {payment.currency}"
        )
    return None


def _unmatched_record(
    *,
    payment: Payment | None,
    reason: str,
    payload: str,
    telegram_user_id: int,
    currency: str,
    total_amount: int,
    telegram_payment_charge_id: str,
    provider_payment_charge_id: str,
) -> UnmatchedPayment:
    try:
        # A savepoint: a twin delivery may have inserted the same charge meanwhile.
        with transaction.atomic():
            unmatched, created = UnmatchedPayment.objects.get_or_create(
                telegram_payment_charge_id=telegram_payment_charge_id,
                defaults={
                    "telegram_user_id": telegram_user_id,
                    "user": User.objects.filter(telegram_id=telegram_user_id).first(),
                    "payment": payment,
                    "invoice_payload": (payload or "")[:255],
                    "currency": (currency or "")[:3],
                    "total_amount": total_amount,
                    "provider_payment_charge_id": provider_payment_charge_id[:255],
                    "reason": reason[:255],
                },
            )
    except IntegrityError:
        unmatched = UnmatchedPayment.objects.get(
            telegram_payment_charge_id=telegram_payment_charge_id
        )
        created = False
    logger.warning(
        "payment unmatched",
        extra={
            "unmatched_id": unmatched.pk,
            "payment_id": payment.pk if payment else None,
            "telegram_user_id": telegram_user_id,
            "charge_id": telegram_payment_charge_id,
            "currency": currency,
            "total_amount": total_amount,
            "reason": reason,
            "first_time": created,
        },
    )
    return unmatched
