"""The star ledger: `_ledger_post` is the only code that changes a balance; the
`stars_*` services are the moves the rest of the project may make with it.

Every service here works on its own (in a transaction of its own) and equally
inside a caller's transaction (an auction settling a bid), where it adds no
savepoint: its checks refuse before it writes anything. `ledger_post_many` writes
several transactions in a fixed number of statements.
"""

from __future__ import annotations

import logging
from collections import defaultdict
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from django.db import transaction
from django.db.models import BigIntegerField, Case, F, Value, When
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


@dataclass(frozen=True)
class Posting:
    """One ledger transaction to write: its legs and what is kept with it."""

    kind: str
    legs: Sequence[Leg]
    reason: str = ""
    created_by: User | None = None
    payment: Payment | None = None
    auction_id: int | None = None
    idempotency_key: str | None = None


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
    [result] = ledger_post_many(
        postings=[
            Posting(
                kind=kind,
                legs=legs,
                reason=reason,
                created_by=created_by,
                payment=payment,
                auction_id=auction_id,
                idempotency_key=idempotency_key,
            )
        ]
    )
    return result


def ledger_post_many(
    *, postings: Sequence[Posting], locked: Mapping[int, User] | None = None
) -> list[tuple[LedgerTransaction, bool]]:
    """Write several transactions as if posted one after another, in a handful of
    statements whatever their number (a close releases every bidder's hold).

    Each posting is checked against the balances the ones before it leave, and
    one refused refuses them all: nothing is written unless every one passes.
    Returns (transaction, created) per posting, as `_ledger_post` does.

    `locked`: users the caller already locked in its transaction
    (`select_for_update`) whose `stars_balance` and `stars_held` are current
    (only the ledger changed them since, in place); they are not read again.
    The balances are written relative to the row, so a stale object could only
    make the friendly check wrong, never a balance: the CHECK stays the last word.
    """
    for posting in postings:
        _check_legs(posting.legs)
    if locked and not transaction.get_connection().in_atomic_block:
        raise ValueError("locked users only make sense inside a transaction")
    if transaction.get_connection().in_atomic_block:
        # Inside the caller's transaction: no savepoint. The checks below raise
        # before anything is written, so a refusal leaves the caller's
        # transaction usable, as a rolled-back savepoint would.
        return _post_all(postings, locked or {})
    with transaction.atomic():
        return _post_all(postings, locked or {})


def _check_legs(legs: Sequence[Leg]) -> None:
    if sum(leg.amount for leg in legs) != 0:
        raise ValueError(f"unbalanced ledger transaction: {legs!r}")
    for leg in legs:
        if type(leg.amount) is not int or leg.amount == 0:
            raise ValueError(f"bad ledger amount: {leg!r}")
        if (leg.account in USER_ACCOUNTS) != (leg.user is not None):
            raise ValueError(f"user accounts need a user, others none: {leg!r}")


def _post_all(
    postings: Sequence[Posting], locked: Mapping[int, User]
) -> list[tuple[LedgerTransaction, bool]]:
    # Lock every user involved, always in primary-key order: two transfers
    # between the same two users in opposite directions would otherwise each
    # lock one row and wait forever for the other (a deadlock PostgreSQL breaks
    # by failing one of them). The lock also makes the read-check-write of the
    # balances below atomic against every other posting. Users the caller
    # locked already (in the same order) are taken as they are.
    user_ids = sorted(
        {leg.user.pk for posting in postings for leg in posting.legs if leg.user}
    )
    rows = {pk: locked[pk] for pk in user_ids if pk in locked}
    if missing := [pk for pk in user_ids if pk not in rows]:
        rows.update(
            (user.pk, user)
            for user in User.objects.select_for_update()
            .filter(pk__in=missing)
            .order_by("pk")
            .only("pk", "stars_balance", "stars_held")
        )
    keys = [posting.idempotency_key for posting in postings if posting.idempotency_key]
    # Checked under the user locks, so a concurrent twin has committed by now
    # and is seen here; the unique index backs this up regardless.
    seen: dict[str, LedgerTransaction] = (
        {
            txn.idempotency_key: txn
            for txn in LedgerTransaction.objects.filter(idempotency_key__in=keys)
        }
        if keys
        else {}
    )
    start = {pk: (rows[pk].stars_balance, rows[pk].stars_held) for pk in user_ids}
    balances = dict(start)
    results: list[tuple[LedgerTransaction, bool]] = []
    new: list[tuple[Posting, LedgerTransaction]] = []
    for posting in postings:
        key = posting.idempotency_key
        if key and key in seen:
            existing = seen[key]
            logger.info(
                "ledger transaction replayed",
                extra={
                    "ledger_txn_id": existing.pk,
                    "ledger_kind": existing.kind,
                    "idempotency_key": key,
                },
            )
            results.append((existing, False))
            continue
        balances.update(_apply(posting.legs, balances))
        txn = LedgerTransaction(
            kind=posting.kind,
            reason=posting.reason[:255],
            created_by=posting.created_by,
            payment=posting.payment,
            auction_id=posting.auction_id,
            idempotency_key=key or None,
        )
        if key:
            seen[key] = txn
        new.append((posting, txn))
        results.append((txn, True))
    if not new:
        return results

    # savepoint=False: inside a caller's transaction a failed write must doom it
    # (it is rolled back whole), and no savepoint costs two round trips.
    with transaction.atomic(savepoint=False):
        LedgerTransaction.objects.bulk_create([txn for _posting, txn in new])
        LedgerEntry.objects.bulk_create(
            LedgerEntry(
                transaction=txn, account=leg.account, user=leg.user, amount=leg.amount
            )
            for posting, txn in new
            for leg in posting.legs
        )
        _balances_write(
            {
                pk: (balances[pk][0] - start[pk][0], balances[pk][1] - start[pk][1])
                for pk in user_ids
                if balances[pk] != start[pk]
            }
        )

    for user in [*rows.values()] + [
        leg.user for posting, _txn in new for leg in posting.legs if leg.user
    ]:
        user.stars_balance, user.stars_held = balances[user.pk]
    for posting, txn in new:
        logger.info(
            "ledger transaction posted",
            extra={
                "ledger_txn_id": txn.pk,
                "ledger_kind": posting.kind,
                "entries": [
                    [leg.account, leg.user and leg.user.pk, leg.amount]
                    for leg in posting.legs
                ],
                "payment_id": posting.payment.pk if posting.payment else None,
                "auction_id": posting.auction_id,
                "created_by_id": posting.created_by.pk if posting.created_by else None,
                "reason": posting.reason,
            },
        )
    return results


def _apply(
    legs: Sequence[Leg], balances: Mapping[int, tuple[int, int]]
) -> dict[int, tuple[int, int]]:
    """The (available, held) of each user in `legs` after them, or
    InsufficientStars when one would go below zero."""
    deltas: dict[tuple[int, str], int] = defaultdict(int)
    for leg in legs:
        if leg.user is not None:
            deltas[(leg.user.pk, leg.account)] += leg.amount
    after: dict[int, tuple[int, int]] = {}
    for user_id in sorted({user_id for user_id, _account in deltas}):
        balance, held_before = balances[user_id]
        available = balance + deltas[(user_id, Account.AVAILABLE)]
        held = held_before + deltas[(user_id, Account.HELD)]
        if available < 0:
            raise InsufficientStars(
                _("Not enough stars: %(available)s available, %(needed)s needed."),
                available=balance,
                needed=-deltas[(user_id, Account.AVAILABLE)],
            )
        if held < 0:
            raise InsufficientStars(
                _("Not enough held stars: %(held)s held, %(needed)s needed."),
                held=held_before,
                needed=-deltas[(user_id, Account.HELD)],
            )
        after[user_id] = (available, held)
    return after


def _balances_write(changes: Mapping[int, tuple[int, int]]) -> None:
    """Move the cached balances by (available, held) per user, in one UPDATE."""
    if not changes:
        return

    def by_user(index: int) -> Case:
        return Case(
            *(When(pk=pk, then=Value(delta[index])) for pk, delta in changes.items()),
            default=Value(0),
            output_field=BigIntegerField(),
        )

    User.objects.filter(pk__in=list(changes)).update(
        stars_balance=F("stars_balance") + by_user(0),
        stars_held=F("stars_held") + by_user(1),
    )


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
    return _post_one(
        hold_posting(
            user=user,
            amount=amount,
            auction_id=auction_id,
            reason=reason,
            idempotency_key=idempotency_key,
        )
    )


def stars_release(
    *,
    user: User,
    amount: int,
    auction_id: int | None = None,
    reason: str = "",
    idempotency_key: str | None = None,
) -> LedgerTransaction:
    """Give held stars back to the available balance (outbid, auction over)."""
    return _post_one(
        release_posting(
            user=user,
            amount=amount,
            auction_id=auction_id,
            reason=reason,
            idempotency_key=idempotency_key,
        )
    )


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
    return _post_one(
        transfer_posting(
            from_user=from_user,
            to_user=to_user,
            amount=amount,
            fee=fee,
            auction_id=auction_id,
            reason=reason,
            idempotency_key=idempotency_key,
        )
    )


def _post_one(posting: Posting) -> LedgerTransaction:
    [(txn, _created)] = ledger_post_many(postings=[posting])
    return txn


# The moves above as postings, for callers that write several at once
# (`ledger_post_many`); each validates its amount as its service does.
# `details`: auction_id, reason, idempotency_key (see `Posting`).


def hold_posting(*, user: User, amount: int, **details: Any) -> Posting:
    """Available → held, for one user."""
    return _own_move(Kind.HOLD, Account.AVAILABLE, Account.HELD, user, amount, details)


def release_posting(*, user: User, amount: int, **details: Any) -> Posting:
    """Held → available, for one user."""
    return _own_move(
        Kind.RELEASE, Account.HELD, Account.AVAILABLE, user, amount, details
    )


def _own_move(
    kind: str,
    source: str,
    target: str,
    user: User,
    amount: int,
    details: dict[str, Any],
) -> Posting:
    amount = stars_validate(amount)
    return Posting(
        kind=kind,
        legs=[Leg(source, -amount, user), Leg(target, amount, user)],
        **details,
    )


def transfer_posting(
    *, from_user: User, to_user: User, amount: int, fee: int, **details: Any
) -> Posting:
    """Held stars from one user to another's available balance, minus `fee` to
    the platform."""
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
    return Posting(kind=Kind.SETTLEMENT, legs=legs, **details)


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
