"""The star ledger: `_ledger_post` is the only code that changes a balance; the
`stars_*` services are the moves the rest of the project may make with it.

Every service here opens `transaction.atomic()` (not durable), so it works on its
own and equally inside a caller's transaction (an auction settling a bid).
"""

from __future__ import annotations

import logging
from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass

from django.db import transaction
from django.utils.translation import gettext_lazy as _

from accounts.models import User
from payments.errors import AdjustmentRefused, InsufficientStars, InvalidAmount
from payments.models import (
    USER_ACCOUNTS,
    Account,
    LedgerEntry,
    LedgerTransaction,
    Payment,
)

logger = logging.getLogger(__name__)

Kind = LedgerTransaction.Kind

# Far above anything real, and far below BIGINT: sums of many such amounts cannot
# overflow, and a typo of a few extra digits is refused rather than booked.
MAX_STARS = 10**12


@dataclass(frozen=True)
class Leg:
    """One entry to post: `amount` is what `account` gains (negative: loses)."""

    account: str
    amount: int
    user: User | None = None


def stars_validate(value: object, *, allow_negative: bool = False) -> int:
    """A whole, non-zero number of stars within MAX_STARS, or InvalidAmount.

    `bool` is refused although it is an `int` subclass (True is not one star), and
    so are floats, Decimals and strings: parsing user input is the caller's job."""
    if type(value) is not int:
        raise InvalidAmount(_("The amount must be a whole number of stars."))
    if value == 0 or (value < 0 and not allow_negative):
        raise InvalidAmount(_("The amount must be a positive number of stars."))
    if abs(value) > MAX_STARS:
        raise InvalidAmount(_("The amount is too large."))
    return value


def _ledger_post(
    *,
    kind: str,
    legs: Sequence[Leg],
    reason: str = "",
    created_by: User | None = None,
    payment: Payment | None = None,
    auction_id: int | None = None,
    idempotency_key: str | None = None,
) -> tuple[LedgerTransaction, bool]:
    """Write one balanced transaction and move the cached balances with it.

    Returns (transaction, created); created is False when `idempotency_key` was
    already posted, in which case nothing changes. Raises InsufficientStars before
    the database's CHECK would refuse a negative balance. The `user` objects in
    `legs` are updated in place with their new balances."""
    if sum(leg.amount for leg in legs) != 0:
        raise ValueError(f"unbalanced ledger transaction: {legs!r}")
    for leg in legs:
        if type(leg.amount) is not int or leg.amount == 0:
            raise ValueError(f"bad ledger amount: {leg!r}")
        if (leg.account in USER_ACCOUNTS) != (leg.user is not None):
            raise ValueError(f"user accounts need a user, others none: {leg!r}")

    with transaction.atomic():
        # Lock every user involved, always in primary-key order: two transfers
        # between the same two users in opposite directions would otherwise each
        # lock one row and wait forever for the other (a deadlock PostgreSQL breaks
        # by failing one of them). The lock also makes the read-check-write of the
        # balances below atomic against every other posting.
        user_ids = sorted({leg.user.pk for leg in legs if leg.user is not None})
        locked = {
            user.pk: user
            for user in User.objects.select_for_update()
            .filter(pk__in=user_ids)
            .order_by("pk")
            .only("pk", "stars_balance", "stars_held")
        }
        if idempotency_key:
            # Checked under the user locks, so a concurrent twin has committed by
            # now and is seen here; the unique index backs this up regardless.
            existing = LedgerTransaction.objects.filter(
                idempotency_key=idempotency_key
            ).first()
            if existing is not None:
                logger.info(
                    "ledger transaction replayed",
                    extra={
                        "ledger_txn_id": existing.pk,
                        "ledger_kind": existing.kind,
                        "idempotency_key": idempotency_key,
                    },
                )
                return existing, False

        deltas: dict[tuple[int, str], int] = defaultdict(int)
        for leg in legs:
            if leg.user is not None:
                deltas[(leg.user.pk, leg.account)] += leg.amount
        balances: dict[int, tuple[int, int]] = {}
        for user_id in user_ids:
            user = locked[user_id]
            available = user.stars_balance + deltas[(user_id, Account.AVAILABLE)]
            held = user.stars_held + deltas[(user_id, Account.HELD)]
            if available < 0:
                raise InsufficientStars(
                    _("Not enough stars: %(available)s available, %(needed)s needed."),
                    available=user.stars_balance,
                    needed=-deltas[(user_id, Account.AVAILABLE)],
                )
            if held < 0:
                raise InsufficientStars(
                    _("Not enough held stars: %(held)s held, %(needed)s needed."),
                    held=user.stars_held,
                    needed=-deltas[(user_id, Account.HELD)],
                )
            balances[user_id] = (available, held)

        txn = LedgerTransaction.objects.create(
            kind=kind,
            reason=reason[:255],
            created_by=created_by,
            payment=payment,
            auction_id=auction_id,
            idempotency_key=idempotency_key or None,
        )
        LedgerEntry.objects.bulk_create(
            LedgerEntry(
                transaction=txn, account=leg.account, user=leg.user, amount=leg.amount
            )
            for leg in legs
        )
        for user_id, (available, held) in balances.items():
            User.objects.filter(pk=user_id).update(
                stars_balance=available, stars_held=held
            )

    for leg in legs:
        if leg.user is not None:
            leg.user.stars_balance, leg.user.stars_held = balances[leg.user.pk]
    logger.info(
        "ledger transaction posted",
        extra={
            "ledger_txn_id": txn.pk,
            "ledger_kind": kind,
            "entries": [
                [leg.account, leg.user and leg.user.pk, leg.amount] for leg in legs
            ],
            "payment_id": payment.pk if payment else None,
            "auction_id": auction_id,
            "created_by_id": created_by.pk if created_by else None,
            "reason": reason,
        },
    )
    return txn, True


SPEND_KINDS = (Kind.SUBSCRIPTION, Kind.FEE)


def stars_spend(
    *,
    user: User,
    amount: int,
    kind: str,
    reason: str = "",
    idempotency_key: str | None = None,
) -> LedgerTransaction:
    """The user pays the platform (a subscription, a fee)."""
    amount = stars_validate(amount)
    if kind not in SPEND_KINDS:
        raise ValueError(f"stars_spend cannot post {kind!r}")
    txn, _created = _ledger_post(
        kind=kind,
        legs=[Leg(Account.AVAILABLE, -amount, user), Leg(Account.PLATFORM, amount)],
        reason=reason,
        idempotency_key=idempotency_key,
    )
    return txn


def stars_hold(
    *,
    user: User,
    amount: int,
    auction_id: int | None = None,
    reason: str = "",
    idempotency_key: str | None = None,
) -> LedgerTransaction:
    """Set stars aside (a bid): they leave the available balance but stay the
    user's until released or paid over."""
    amount = stars_validate(amount)
    txn, _created = _ledger_post(
        kind=Kind.HOLD,
        legs=[Leg(Account.AVAILABLE, -amount, user), Leg(Account.HELD, amount, user)],
        reason=reason,
        auction_id=auction_id,
        idempotency_key=idempotency_key,
    )
    return txn


def stars_release(
    *,
    user: User,
    amount: int,
    auction_id: int | None = None,
    reason: str = "",
    idempotency_key: str | None = None,
) -> LedgerTransaction:
    """Give held stars back to the available balance (outbid, auction over)."""
    amount = stars_validate(amount)
    txn, _created = _ledger_post(
        kind=Kind.RELEASE,
        legs=[Leg(Account.HELD, -amount, user), Leg(Account.AVAILABLE, amount, user)],
        reason=reason,
        auction_id=auction_id,
        idempotency_key=idempotency_key,
    )
    return txn


def stars_transfer(
    *,
    from_user: User,
    to_user: User,
    amount: int,
    fee: int,
    auction_id: int | None = None,
    reason: str = "",
    idempotency_key: str | None = None,
) -> LedgerTransaction:
    """Settle an auction: `amount` leaves the winner's held stars; the seller gets
    it minus `fee`, which goes to the platform — one transaction, so a settlement
    is never half done."""
    amount = stars_validate(amount)
    if type(fee) is not int or not 0 <= fee <= amount:
        raise InvalidAmount(
            _("The fee must be a whole number of stars, at most the amount.")
        )
    if from_user.pk == to_user.pk:
        raise ValueError("a user cannot pay themselves")
    legs = [Leg(Account.HELD, -amount, from_user)]
    if amount - fee:
        legs.append(Leg(Account.AVAILABLE, amount - fee, to_user))
    if fee:
        legs.append(Leg(Account.PLATFORM, fee))
    txn, _created = _ledger_post(
        kind=Kind.SETTLEMENT,
        legs=legs,
        reason=reason,
        auction_id=auction_id,
        idempotency_key=idempotency_key,
    )
    return txn


def stars_adjust(
    *, user: User, amount: int, reason: str, staff: User
) -> LedgerTransaction:
    """A staff correction: `amount` > 0 credits the user from the platform, < 0
    debits them to it. The reason and the staff member are kept on the
    transaction (and in the log line) for audit."""
    amount = stars_validate(amount, allow_negative=True)
    reason = (reason or "").strip()
    if staff is None or not staff.is_staff or not staff.is_active:
        raise AdjustmentRefused(_("Only staff can adjust balances."))
    if not reason:
        raise AdjustmentRefused(_("Give a reason for the adjustment."))
    if len(reason) > 255:
        raise AdjustmentRefused(_("Keep the reason under 255 characters."))
    txn, _created = _ledger_post(
        kind=Kind.ADJUSTMENT,
        legs=[Leg(Account.AVAILABLE, amount, user), Leg(Account.PLATFORM, -amount)],
        reason=reason,
        created_by=staff,
    )
    return txn
