"""`manage.py check_ledger` passes on a sound ledger and fails loudly, naming the
problem, on each kind of damage."""

from __future__ import annotations

from io import StringIO

import pytest
from django.core.management import CommandError, call_command

from accounts.models import User
from accounts.tests.factories import StaffUserFactory, UserFactory
from payments.models import Account, LedgerEntry, LedgerTransaction
from payments.services import stars_adjust, stars_hold, stars_transfer
from payments.tests.factories import funded_user

pytestmark = pytest.mark.django_db


def check_ledger(*args: str) -> str:
    out, err = StringIO(), StringIO()
    try:
        call_command("check_ledger", *args, stdout=out, stderr=err)
    except CommandError as exc:
        raise CommandError(f"{exc}\n{err.getvalue()}") from exc
    return out.getvalue()


def some_history() -> tuple[User, User]:
    winner, seller = funded_user(500), funded_user(20)
    stars_hold(user=winner, amount=200, auction_id=1)
    stars_transfer(from_user=winner, to_user=seller, amount=150, fee=8, auction_id=1)
    stars_adjust(user=seller, amount=5, reason="goodwill", staff=StaffUserFactory())
    return winner, seller


def test_an_empty_ledger_is_sound():
    assert "Ledger OK: 0 transactions" in check_ledger()


def test_a_ledger_written_by_the_services_is_sound():
    some_history()

    output = check_ledger()

    assert "Ledger OK: 5 transactions" in output
    assert "platform 3" in output  # the fee 8, minus the goodwill 5
    assert "outside -520" in output


def test_a_cached_balance_that_drifted_from_the_entries_fails_and_names_the_user():
    winner, _seller = some_history()
    User.objects.filter(pk=winner.pk).update(stars_balance=301)

    with pytest.raises(CommandError) as caught:
        check_ledger()

    assert f"user {winner.pk}: cached available 301 != entries 300" in str(caught.value)


def test_a_drifted_held_balance_fails():
    winner, _seller = some_history()
    User.objects.filter(pk=winner.pk).update(stars_held=0)

    with pytest.raises(CommandError, match="cached held 0 != entries 50"):
        check_ledger()


def test_an_unbalanced_transaction_fails_and_names_it():
    some_history()
    txn = LedgerTransaction.objects.create(kind=LedgerTransaction.Kind.FEE)
    LedgerEntry.objects.create(transaction=txn, account=Account.PLATFORM, amount=7)
    LedgerEntry.objects.create(transaction=txn, account=Account.OUTSIDE, amount=-6)

    with pytest.raises(CommandError) as caught:
        check_ledger()

    assert f"transaction {txn.pk} (fee): 2 entries summing to 1" in str(caught.value)
    assert "all accounts sum to 1, not 0" in str(caught.value)


def test_a_transaction_without_entries_fails():
    txn = LedgerTransaction.objects.create(kind=LedgerTransaction.Kind.HOLD)

    with pytest.raises(CommandError, match=f"transaction {txn.pk} "):
        check_ledger()


def test_only_the_first_problems_are_printed():
    users = [UserFactory() for _ in range(5)]
    User.objects.filter(pk__in=[u.pk for u in users]).update(stars_balance=3)

    with pytest.raises(CommandError) as caught:
        check_ledger("--limit", "2")

    assert str(caught.value).count("cached available 3") == 2
