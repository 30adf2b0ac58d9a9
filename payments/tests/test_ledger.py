"""The ledger services: each move, the refusals, and the database's own guard."""

from __future__ import annotations

import logging
from decimal import Decimal

import pytest
from django.db import IntegrityError, transaction

from accounts.models import User
from accounts.tests.factories import StaffUserFactory, UserFactory
from payments.errors import AdjustmentRefused, InsufficientStars, InvalidAmount
from payments.models import Account, LedgerEntry, LedgerTransaction
from payments.selectors import ledger_account_totals, ledger_discrepancies
from payments.services import (
    MAX_STARS,
    stars_adjust,
    stars_hold,
    stars_release,
    stars_spend,
    stars_transfer,
)
from payments.tests.factories import funded_user

pytestmark = pytest.mark.django_db

Kind = LedgerTransaction.Kind


def balances(user: User) -> tuple[int, int]:
    user.refresh_from_db()
    return user.stars_balance, user.stars_held


def entries(txn: LedgerTransaction) -> set[tuple[str, int | None, int]]:
    return {(e.account, e.user_id, e.amount) for e in txn.entries.all()}


def test_a_purchase_credits_the_available_balance_from_outside():
    user = funded_user(300)

    assert balances(user) == (300, 0)
    assert ledger_account_totals()[Account.OUTSIDE] == -300
    assert ledger_discrepancies() == []


def test_a_hold_moves_stars_from_available_to_held():
    user = funded_user(300)

    txn = stars_hold(user=user, amount=120, auction_id=7)

    assert balances(user) == (180, 120)
    assert txn.kind == Kind.HOLD and txn.auction_id == 7
    assert entries(txn) == {
        (Account.AVAILABLE, user.pk, -120),
        (Account.HELD, user.pk, 120),
    }
    assert ledger_discrepancies() == []


def test_the_callers_user_object_sees_its_new_balance():
    user = funded_user(300)

    stars_hold(user=user, amount=100)

    assert (user.stars_balance, user.stars_held) == (200, 100)


def test_a_release_gives_held_stars_back():
    user = funded_user(300)
    stars_hold(user=user, amount=120)

    stars_release(user=user, amount=20)

    assert balances(user) == (200, 100)


def test_a_settlement_pays_the_seller_minus_the_fee_to_the_platform():
    winner, seller = funded_user(500), UserFactory()
    stars_hold(user=winner, amount=200, auction_id=3)

    txn = stars_transfer(
        from_user=winner, to_user=seller, amount=200, fee=10, auction_id=3
    )

    assert balances(winner) == (300, 0)
    assert balances(seller) == (190, 0)
    assert entries(txn) == {
        (Account.HELD, winner.pk, -200),
        (Account.AVAILABLE, seller.pk, 190),
        (Account.PLATFORM, None, 10),
    }
    assert ledger_discrepancies() == []


def test_a_settlement_without_a_fee_writes_no_platform_entry():
    winner, seller = funded_user(50), UserFactory()
    stars_hold(user=winner, amount=50)

    txn = stars_transfer(from_user=winner, to_user=seller, amount=50, fee=0)

    assert {e.account for e in txn.entries.all()} == {Account.HELD, Account.AVAILABLE}


@pytest.mark.parametrize("fee", [-1, 201, 1.5, "5", None])
def test_a_settlement_with_an_impossible_fee_is_refused(fee):
    winner, seller = funded_user(500), UserFactory()
    stars_hold(user=winner, amount=200)

    with pytest.raises(InvalidAmount):
        stars_transfer(from_user=winner, to_user=seller, amount=200, fee=fee)

    assert balances(winner) == (300, 200)
    assert balances(seller) == (0, 0)


def test_spending_pays_the_platform():
    user = funded_user(300)

    stars_spend(user=user, amount=100, kind=Kind.SUBSCRIPTION, reason="month")

    assert balances(user) == (200, 0)
    assert ledger_account_totals()[Account.PLATFORM] == 100


def test_spending_more_than_is_available_is_refused_and_changes_nothing():
    user = funded_user(300)
    stars_hold(user=user, amount=250)
    count = LedgerTransaction.objects.count()

    with pytest.raises(InsufficientStars) as caught:
        stars_spend(user=user, amount=51, kind=Kind.FEE)

    assert "50 available" in str(caught.value) and "51 needed" in str(caught.value)
    assert balances(user) == (50, 250)
    assert LedgerTransaction.objects.count() == count


def test_holding_more_than_is_available_is_refused():
    user = funded_user(10)

    with pytest.raises(InsufficientStars):
        stars_hold(user=user, amount=11)

    assert balances(user) == (10, 0)


def test_releasing_more_than_is_held_is_refused():
    user = funded_user(100)
    stars_hold(user=user, amount=30)

    with pytest.raises(InsufficientStars):
        stars_release(user=user, amount=31)

    assert balances(user) == (70, 30)


def test_settling_more_than_the_winner_holds_is_refused():
    winner, seller = funded_user(100), UserFactory()
    stars_hold(user=winner, amount=30)

    with pytest.raises(InsufficientStars):
        stars_transfer(from_user=winner, to_user=seller, amount=31, fee=1)

    assert balances(winner) == (70, 30)
    assert balances(seller) == (0, 0)


BAD_AMOUNTS = [
    0,
    -1,
    -500,
    1.0,
    2.5,
    "10",
    True,
    None,
    Decimal(5),
    MAX_STARS + 1,
    10**30,
]


@pytest.mark.parametrize("amount", BAD_AMOUNTS)
@pytest.mark.parametrize(
    "operation",
    [
        lambda user, amount: stars_spend(user=user, amount=amount, kind=Kind.FEE),
        lambda user, amount: stars_hold(user=user, amount=amount),
        lambda user, amount: stars_release(user=user, amount=amount),
        lambda user, amount: stars_transfer(
            from_user=user, to_user=UserFactory(), amount=amount, fee=0
        ),
    ],
    ids=["spend", "hold", "release", "transfer"],
)
def test_an_amount_that_is_not_a_positive_whole_number_is_refused(operation, amount):
    user = funded_user(100)
    count = LedgerTransaction.objects.count()

    with pytest.raises(InvalidAmount):
        operation(user, amount)

    assert LedgerTransaction.objects.count() == count
    assert balances(user) == (100, 0)


def test_spending_with_a_kind_that_is_not_a_spend_is_a_programming_error():
    user = funded_user(100)

    with pytest.raises(ValueError):
        stars_spend(user=user, amount=1, kind=Kind.PURCHASE)


def test_a_repeated_idempotency_key_posts_once():
    user = funded_user(100)

    first = stars_spend(user=user, amount=10, kind=Kind.FEE, idempotency_key="fee:1")
    second = stars_spend(user=user, amount=10, kind=Kind.FEE, idempotency_key="fee:1")

    assert first.pk == second.pk
    assert balances(user) == (90, 0)


def test_staff_can_credit_a_user_with_a_reason_kept_for_audit():
    user, staff = UserFactory(), StaffUserFactory()

    txn = stars_adjust(
        user=user, amount=25, reason="  compensation for outage  ", staff=staff
    )

    assert balances(user) == (25, 0)
    assert txn.kind == Kind.ADJUSTMENT
    assert txn.reason == "compensation for outage"
    assert txn.created_by == staff
    assert entries(txn) == {
        (Account.AVAILABLE, user.pk, 25),
        (Account.PLATFORM, None, -25),
    }
    assert ledger_discrepancies() == []


def test_staff_can_debit_a_user_but_not_below_zero():
    user, staff = funded_user(40), StaffUserFactory()

    stars_adjust(user=user, amount=-15, reason="chargeback", staff=staff)
    with pytest.raises(InsufficientStars):
        stars_adjust(user=user, amount=-26, reason="too much", staff=staff)

    assert balances(user) == (25, 0)


@pytest.mark.parametrize("reason", ["", "   ", None, "x" * 256])
def test_an_adjustment_without_a_proper_reason_is_refused(reason):
    user, staff = UserFactory(), StaffUserFactory()

    with pytest.raises(AdjustmentRefused):
        stars_adjust(user=user, amount=5, reason=reason, staff=staff)

    assert balances(user) == (0, 0)


def test_an_adjustment_by_someone_who_is_not_staff_is_refused():
    user, other = UserFactory(), UserFactory()

    with pytest.raises(AdjustmentRefused):
        stars_adjust(user=user, amount=5, reason="gift", staff=other)
    with pytest.raises(AdjustmentRefused):
        stars_adjust(user=user, amount=5, reason="gift", staff=None)

    assert balances(user) == (0, 0)


@pytest.mark.parametrize("amount", [0, 1.5, "3", True, MAX_STARS + 1])
def test_an_adjustment_of_a_bad_amount_is_refused(amount):
    user, staff = UserFactory(), StaffUserFactory()

    with pytest.raises(InvalidAmount):
        stars_adjust(user=user, amount=amount, reason="typo", staff=staff)


def test_a_ledger_move_inside_a_callers_transaction_rolls_back_with_it():
    user = funded_user(100)

    with pytest.raises(RuntimeError), transaction.atomic():
        stars_hold(user=user, amount=60, auction_id=1)
        raise RuntimeError("the auction service failed after holding")

    assert balances(user) == (100, 0)
    assert not LedgerTransaction.objects.filter(kind=Kind.HOLD).exists()


def test_the_database_refuses_a_negative_available_balance_even_bypassing_the_services():
    user = UserFactory()

    with pytest.raises(IntegrityError), transaction.atomic():
        User.objects.filter(pk=user.pk).update(stars_balance=-1)


def test_the_database_refuses_a_negative_held_balance_even_bypassing_the_services():
    user = UserFactory()

    with pytest.raises(IntegrityError), transaction.atomic():
        User.objects.filter(pk=user.pk).update(stars_held=-1)


def test_the_database_refuses_an_entry_of_zero_stars():
    txn = LedgerTransaction.objects.create(kind=Kind.ADJUSTMENT)

    with pytest.raises(IntegrityError), transaction.atomic():
        LedgerEntry.objects.create(transaction=txn, account=Account.PLATFORM, amount=0)


def test_the_database_refuses_a_user_account_entry_without_a_user_and_vice_versa():
    txn = LedgerTransaction.objects.create(kind=Kind.ADJUSTMENT)
    user = UserFactory()

    with pytest.raises(IntegrityError), transaction.atomic():
        LedgerEntry.objects.create(transaction=txn, account=Account.AVAILABLE, amount=5)
    with pytest.raises(IntegrityError), transaction.atomic():
        LedgerEntry.objects.create(
            transaction=txn, account=Account.PLATFORM, user=user, amount=5
        )


def test_each_ledger_move_logs_one_structured_line(caplog):
    user = funded_user(100)

    with caplog.at_level(logging.INFO, logger="payments"):
        txn = stars_hold(user=user, amount=5, auction_id=9)

    lines = [r for r in caplog.records if r.getMessage() == "ledger transaction posted"]
    assert len(lines) == 1
    assert lines[0].ledger_txn_id == txn.pk
    assert lines[0].ledger_kind == Kind.HOLD
    assert lines[0].auction_id == 9
