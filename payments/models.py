"""The star ledger, payments from Telegram, and subscriptions.

Every movement of stars is one `LedgerTransaction` whose `LedgerEntry` rows sum to
zero across four kinds of account: a user's available stars, a user's held stars,
the platform's revenue and the outside world (Telegram). `User.stars_balance` and
`User.stars_held` cache the sums of the user's entries; `payments.services` writes
both in one database transaction, and `manage.py check_ledger` proves they agree.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _


class Account(models.TextChoices):
    AVAILABLE = "available", _("available")
    HELD = "held", _("held")
    PLATFORM = "platform", _("platform revenue")
    OUTSIDE = "outside", _("outside (Telegram)")


USER_ACCOUNTS = (Account.AVAILABLE, Account.HELD)


class LedgerTransaction(models.Model):
    class Kind(models.TextChoices):
        PURCHASE = "purchase", _("purchase")
        REFUND = "refund", _("refund")
        SUBSCRIPTION = "subscription", _("subscription")
        HOLD = "hold", _("hold")
        RELEASE = "release", _("release")
        SETTLEMENT = "settlement", _("settlement")
        FEE = "fee", _("fee")
        ADJUSTMENT = "adjustment", _("staff adjustment")

    kind = models.CharField(_("kind"), max_length=16, choices=Kind.choices)
    reason = models.CharField(_("reason"), max_length=255, blank=True)
    # PROTECT throughout: the ledger is append-only history, so nothing it refers
    # to may vanish from under it (staff and users are deactivated, not deleted).
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("created by"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
    )
    payment = models.ForeignKey(
        "payments.Payment",
        verbose_name=_("payment"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="ledger_transactions",
    )
    # Auctions arrive later; a later migration can turn this into a foreign key.
    auction_id = models.BigIntegerField(_("auction id"), null=True, blank=True)
    idempotency_key = models.CharField(
        _("idempotency key"), max_length=100, unique=True, null=True, blank=True
    )
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)

    class Meta:
        verbose_name = _("ledger transaction")
        verbose_name_plural = _("ledger transactions")
        ordering = ["-created_at", "-id"]
        indexes = [models.Index(fields=["auction_id"])]

    def __str__(self) -> str:
        return f"#{self.pk} {self.get_kind_display()}"


class LedgerEntry(models.Model):
    transaction = models.ForeignKey(
        LedgerTransaction,
        verbose_name=_("transaction"),
        on_delete=models.PROTECT,
        related_name="entries",
    )
    account = models.CharField(_("account"), max_length=16, choices=Account.choices)
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("user"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="ledger_entries",
    )
    # Signed: what the account gains (+) or loses (-) in this transaction.
    amount = models.BigIntegerField(_("amount"))

    class Meta:
        verbose_name = _("ledger entry")
        verbose_name_plural = _("ledger entries")
        ordering = ["id"]
        indexes = [models.Index(fields=["user", "account"])]
        constraints = [
            models.CheckConstraint(
                condition=~Q(amount=0), name="ledger_entry_amount_not_zero"
            ),
            # A user's accounts name the user; the platform and the outside world
            # are single accounts and name nobody.
            models.CheckConstraint(
                condition=(
                    Q(account__in=USER_ACCOUNTS, user__isnull=False)
                    | (~Q(account__in=USER_ACCOUNTS) & Q(user__isnull=True))
                ),
                name="ledger_entry_user_iff_user_account",
            ),
        ]

    def __str__(self) -> str:
        owner = f" {self.user_id}" if self.user_id else ""
        return f"{self.account}{owner} {self.amount:+d}"


class Payment(models.Model):
    """One invoice: created pending when the user picks an amount, made successful
    (and credited) exactly once when Telegram reports the charge."""

    class Method(models.TextChoices):
        STARS = "stars", _("Telegram Stars")
        PROVIDER = "provider", _("payment provider")

    class Status(models.TextChoices):
        PENDING = "pending", _("pending")
        SUCCESSFUL = "successful", _("successful")
        FAILED = "failed", _("failed")
        # The refunded stars are reserved (held) while Telegram is asked to refund.
        REFUNDING = "refunding", _("refund in progress")
        REFUNDED = "refunded", _("refunded")

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("user"),
        on_delete=models.PROTECT,
        related_name="payments",
    )
    amount_stars = models.BigIntegerField(_("stars"))
    currency = models.CharField(_("currency"), max_length=3, default="XTR")
    # In the currency's minor units; for XTR it equals the stars.
    price_amount = models.BigIntegerField(_("price paid"))
    method = models.CharField(
        _("method"), max_length=16, choices=Method.choices, default=Method.STARS
    )
    invoice_payload = models.CharField(
        _("invoice payload"), max_length=128, unique=True
    )
    status = models.CharField(
        _("status"),
        max_length=16,
        choices=Status.choices,
        default=Status.PENDING,
        db_index=True,
    )
    telegram_payment_charge_id = models.CharField(
        _("Telegram charge id"), max_length=255, unique=True, null=True, blank=True
    )
    provider_payment_charge_id = models.CharField(
        _("provider charge id"), max_length=255, blank=True
    )
    note = models.TextField(_("note"), blank=True)
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)
    updated_at = models.DateTimeField(_("updated at"), auto_now=True)
    paid_at = models.DateTimeField(_("paid at"), null=True, blank=True)
    refunded_at = models.DateTimeField(_("refunded at"), null=True, blank=True)

    class Meta:
        verbose_name = _("payment")
        verbose_name_plural = _("payments")
        ordering = ["-created_at", "-id"]
        constraints = [
            models.CheckConstraint(
                condition=Q(amount_stars__gt=0), name="payment_amount_stars_gt_0"
            ),
            models.CheckConstraint(
                condition=Q(price_amount__gt=0), name="payment_price_amount_gt_0"
            ),
        ]

    def __str__(self) -> str:
        return f"#{self.pk} {self.amount_stars}★ ({self.get_status_display()})"


class UnmatchedPayment(models.Model):
    """A charge Telegram reported that could not be credited: an unknown or forged
    payload, another user's invoice, a wrong amount or currency, an invoice already
    paid. Telegram took the money, so staff must see it and settle it by hand."""

    class Status(models.TextChoices):
        OPEN = "open", _("open")
        REFUNDED = "refunded", _("refunded through Telegram")
        RESOLVED = "resolved", _("resolved")

    telegram_user_id = models.BigIntegerField(_("Telegram user id"))
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("user"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
    )
    payment = models.ForeignKey(
        Payment,
        verbose_name=_("payment"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="unmatched_charges",
    )
    invoice_payload = models.CharField(_("invoice payload"), max_length=255)
    currency = models.CharField(_("currency"), max_length=3)
    total_amount = models.BigIntegerField(_("amount"))
    telegram_payment_charge_id = models.CharField(
        _("Telegram charge id"), max_length=255, unique=True
    )
    provider_payment_charge_id = models.CharField(
        _("provider charge id"), max_length=255, blank=True
    )
    reason = models.CharField(_("reason"), max_length=255)
    status = models.CharField(
        _("status"), max_length=16, choices=Status.choices, default=Status.OPEN
    )
    resolved_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("resolved by"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
    )
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)
    updated_at = models.DateTimeField(_("updated at"), auto_now=True)

    class Meta:
        verbose_name = _("unmatched payment")
        verbose_name_plural = _("unmatched payments")
        ordering = ["-created_at", "-id"]

    def __str__(self) -> str:
        return f"{self.telegram_payment_charge_id} ({self.reason})"


class Subscription(models.Model):
    """A user's subscription: one row per user holding the current period's end.
    Each purchase is a ledger transaction (kind "subscription") naming the new end,
    so the history lives in the ledger and this row answers "is it active?" with one
    indexed lookup."""

    class Status(models.TextChoices):
        ACTIVE = "active", _("active")
        EXPIRED = "expired", _("expired")

    user = models.OneToOneField(
        settings.AUTH_USER_MODEL,
        verbose_name=_("user"),
        on_delete=models.CASCADE,
        related_name="subscription",
    )
    status = models.CharField(
        _("status"), max_length=16, choices=Status.choices, default=Status.ACTIVE
    )
    started_at = models.DateTimeField(_("started at"))
    ends_at = models.DateTimeField(_("ends at"))
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)
    updated_at = models.DateTimeField(_("updated at"), auto_now=True)

    class Meta:
        verbose_name = _("subscription")
        verbose_name_plural = _("subscriptions")
        ordering = ["-ends_at"]
        indexes = [models.Index(fields=["status", "ends_at"])]

    def __str__(self) -> str:
        return f"{self.user} → {self.ends_at:%Y-%m-%d}"


class BalanceAdjustment(LedgerTransaction):
    """Staff adjustments, listed on their own in the admin, where staff also make
    new ones (through `stars_adjust`)."""

    class Meta:
        proxy = True
        verbose_name = _("balance adjustment")
        verbose_name_plural = _("balance adjustments")
