"""Writes to payments: the only code that moves stars. Import from here."""

from __future__ import annotations

from .ledger import (
    MAX_STARS,
    stars_adjust,
    stars_hold,
    stars_release,
    stars_spend,
    stars_transfer,
    stars_validate,
)
from .payments import (
    PURCHASE_MAX_STARS,
    PURCHASE_MIN_STARS,
    STAR_PACKAGES,
    PaymentResult,
    payment_create_pending,
    payment_record_success,
    payment_validate_pre_checkout,
    stars_credit_purchase,
)
from .refunds import (
    payment_refund,
    stars_refund,
    unmatched_payment_refund,
    unmatched_payment_resolve,
)
from .subscriptions import (
    subscription_purchase,
    subscriptions_expire_due,
    subscriptions_warn_expiring,
)

__all__ = [
    "MAX_STARS",
    "PURCHASE_MAX_STARS",
    "PURCHASE_MIN_STARS",
    "STAR_PACKAGES",
    "PaymentResult",
    "payment_create_pending",
    "payment_record_success",
    "payment_refund",
    "payment_validate_pre_checkout",
    "stars_adjust",
    "stars_credit_purchase",
    "stars_hold",
    "stars_refund",
    "stars_release",
    "stars_spend",
    "stars_transfer",
    "stars_validate",
    "subscription_purchase",
    "subscriptions_expire_due",
    "subscriptions_warn_expiring",
    "unmatched_payment_refund",
    "unmatched_payment_resolve",
]
