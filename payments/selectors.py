"""Reads from payments: subscription state, a user's ledger history and payments,
and the ledger's own consistency check."""

from __future__ import annotations

from django.db.models import Count, F, Q, QuerySet, Sum, Value
from django.db.models.functions import Coalesce
from django.utils import timezone

from accounts.models import User

from .models import (
    USER_ACCOUNTS,
    Account,
    LedgerEntry,
    LedgerTransaction,
    Payment,
    Subscription,
)


def subscription_is_active(user: User) -> bool:
    """What auction creation checks. Time decides, not the sweep's status flag, so
    a subscription stops the moment it ends even if the sweep has not yet run."""
    if user is None or not user.is_authenticated:
        return False
    return Subscription.objects.filter(user=user, ends_at__gt=timezone.now()).exists()


def subscription_get_for_user(*, user: User) -> Subscription | None:
    return Subscription.objects.filter(user=user).first()


def ledger_entries_for_user(*, user: User) -> QuerySet[LedgerEntry]:
    """The user's own entries (available and held), newest first, with what each
    belongs to (the transaction, its payment) loaded for the history page."""
    return (
        LedgerEntry.objects.filter(user=user, account__in=USER_ACCOUNTS)
        .select_related("transaction", "transaction__payment")
        .order_by("-transaction__created_at", "-id")
    )


def payment_get_for_user(*, user: User, payment_id: int) -> Payment | None:
    """A payment only its owner may see (the web page polls this)."""
    return Payment.objects.filter(pk=payment_id, user=user).first()


def ledger_discrepancies(*, limit: int = 20) -> list[str]:
    """Everything wrong with the ledger, at most `limit` lines; empty when sound:
    each user's cached balances equal the sums of their entries, each transaction
    sums to zero (with at least two entries), and all accounts together sum to
    zero."""
    problems: list[str] = []
    zero = Value(0)
    grand_total = LedgerEntry.objects.aggregate(total=Coalesce(Sum("amount"), zero))[
        "total"
    ]
    if grand_total != 0:
        problems.append(f"all accounts sum to {grand_total}, not 0")
    users = (
        User.objects.annotate(
            entries_available=Coalesce(
                Sum(
                    "ledger_entries__amount",
                    filter=Q(ledger_entries__account=Account.AVAILABLE),
                ),
                zero,
            ),
            entries_held=Coalesce(
                Sum(
                    "ledger_entries__amount",
                    filter=Q(ledger_entries__account=Account.HELD),
                ),
                zero,
            ),
        )
        .exclude(stars_balance=F("entries_available"), stars_held=F("entries_held"))
        .order_by("pk")
        .values_list(
            "pk", "stars_balance", "entries_available", "stars_held", "entries_held"
        )
    )
    for pk, balance, available, cached_held, held in users[: limit - len(problems)]:
        problems.append(
            f"user {pk}: cached available {balance} != entries {available}, "
            f"cached held {cached_held} != entries {held}"
        )
    transactions = (
        LedgerTransaction.objects.annotate(
            total=Coalesce(Sum("entries__amount"), zero), legs=Count("entries")
        )
        .filter(~Q(total=0) | Q(legs__lt=2))
        .order_by("pk")
        .values_list("pk", "kind", "total", "legs")
    )
    for pk, kind, total, legs in transactions[: max(limit - len(problems), 0)]:
        problems.append(f"transaction {pk} ({kind}): {legs} entries summing to {total}")
    return problems


def ledger_account_totals() -> dict[str, int]:
    """The sum of each kind of account (all users' available together, ...)."""
    rows = LedgerEntry.objects.values("account").annotate(total=Sum("amount"))
    totals = {account: 0 for account in Account.values}
    totals.update({row["account"]: row["total"] for row in rows})
    return totals
