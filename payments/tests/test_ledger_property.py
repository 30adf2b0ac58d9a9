"""Random sequences of ledger moves on a few users keep the ledger sound after
every step, and every balance equals what a simple model of the rules predicts
(a move that would overdraw is refused and changes nothing)."""

from __future__ import annotations

from dataclasses import dataclass, field

import pytest
from django.db import transaction
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from accounts.models import User
from accounts.tests.factories import StaffUserFactory, UserFactory
from payments.errors import InsufficientStars, RefundRefused
from payments.models import Account, LedgerTransaction, Payment
from payments.selectors import ledger_account_totals, ledger_discrepancies
from payments.services import (
    payment_create_pending,
    stars_adjust,
    stars_credit_purchase,
    stars_hold,
    stars_refund,
    stars_release,
    stars_spend,
    stars_transfer,
)

USERS = 3
who = st.integers(0, USERS - 1)
stars = st.integers(1, 600)

operations = st.one_of(
    st.tuples(st.just("purchase"), who, st.integers(1, 10_000)),
    st.tuples(st.just("spend"), who, stars),
    st.tuples(st.just("hold"), who, stars),
    st.tuples(st.just("release"), who, stars),
    st.tuples(st.just("transfer"), who, who, stars, st.integers(0, 100)),
    st.tuples(st.just("adjust"), who, st.integers(-600, 600).filter(bool)),
    st.tuples(st.just("refund"), st.integers(0, 20)),
)


@dataclass
class Model:
    available: list[int] = field(default_factory=lambda: [0] * USERS)
    held: list[int] = field(default_factory=lambda: [0] * USERS)
    platform: int = 0
    outside: int = 0
    payments: list[tuple[int, int, bool]] = field(
        default_factory=list
    )  # pk, user, live


def apply(op: tuple, users: list[User], staff: User, model: Model) -> None:
    """Run one operation against the services and the model alike."""
    kind, *args = op
    if kind == "purchase":
        user, amount = args
        payment = payment_create_pending(user=users[user], amount_stars=amount)
        # As payment_record_success does (it is durable, so it cannot run inside
        # this test's rolled-back transaction).
        payment.telegram_payment_charge_id = f"charge-{payment.pk}"
        payment.save()
        stars_credit_purchase(payment=payment)
        model.available[user] += amount
        model.outside -= amount
        model.payments.append((payment.pk, user, True))
    elif kind == "spend":
        user, amount = args
        if model.available[user] < amount:
            with pytest.raises(InsufficientStars):
                stars_spend(user=users[user], amount=amount, kind="fee")
            return
        stars_spend(user=users[user], amount=amount, kind="fee")
        model.available[user] -= amount
        model.platform += amount
    elif kind in ("hold", "release"):
        user, amount = args
        source, target = (
            (model.available, model.held)
            if kind == "hold"
            else (model.held, model.available)
        )
        service = stars_hold if kind == "hold" else stars_release
        if source[user] < amount:
            with pytest.raises(InsufficientStars):
                service(user=users[user], amount=amount, auction_id=1)
            return
        service(user=users[user], amount=amount, auction_id=1)
        source[user] -= amount
        target[user] += amount
    elif kind == "transfer":
        payer, payee, amount, fee_percent = args
        if payer == payee:
            return
        fee = amount * fee_percent // 100
        if model.held[payer] < amount:
            with pytest.raises(InsufficientStars):
                stars_transfer(
                    from_user=users[payer], to_user=users[payee], amount=amount, fee=fee
                )
            return
        stars_transfer(
            from_user=users[payer], to_user=users[payee], amount=amount, fee=fee
        )
        model.held[payer] -= amount
        model.available[payee] += amount - fee
        model.platform += fee
    elif kind == "adjust":
        user, amount = args
        if model.available[user] + amount < 0:
            with pytest.raises(InsufficientStars):
                stars_adjust(
                    user=users[user], amount=amount, reason="test", staff=staff
                )
            return
        stars_adjust(user=users[user], amount=amount, reason="test", staff=staff)
        model.available[user] += amount
        model.platform -= amount
    elif kind == "refund":
        (index,) = args
        if index >= len(model.payments):
            return
        pk, user, live = model.payments[index]
        payment = Payment.objects.get(pk=pk)
        if not live or model.available[user] < payment.amount_stars:
            with pytest.raises(RefundRefused):
                stars_refund(payment=payment)
            return
        stars_refund(payment=payment)
        model.available[user] -= payment.amount_stars
        model.outside += payment.amount_stars
        model.payments[index] = (pk, user, False)


def assert_sound(users: list[User], model: Model) -> None:
    assert ledger_discrepancies() == []
    for index, user in enumerate(users):
        user.refresh_from_db()
        assert (user.stars_balance, user.stars_held) == (
            model.available[index],
            model.held[index],
        )
        assert user.stars_balance >= 0 and user.stars_held >= 0
    totals = ledger_account_totals()
    assert totals[Account.PLATFORM] == model.platform
    assert totals[Account.OUTSIDE] == model.outside
    assert sum(totals.values()) == 0


@pytest.mark.django_db
@settings(
    max_examples=30,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
)
@given(st.lists(operations, min_size=1, max_size=25))
def test_any_sequence_of_ledger_moves_keeps_the_ledger_sound(ops):
    # Each example runs in a transaction rolled back at its end, so examples do not
    # see each other's users and stars.
    with transaction.atomic():
        users = [UserFactory() for _ in range(USERS)]
        staff = StaffUserFactory()
        model = Model()
        for op in ops:
            apply(op, users, staff, model)
            assert_sound(users, model)
        assert LedgerTransaction.objects.filter(entries__isnull=True).count() == 0
        transaction.set_rollback(True)
