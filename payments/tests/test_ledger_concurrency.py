"""Many workers moving the same users' stars at once: purchases (some delivered
twice), subscriptions, staff adjustments and settlements in both directions
between the same users. Afterwards the ledger is sound, nobody is negative, and
every balance is exactly what the operations that succeeded imply.

Runs on PostgreSQL (row locks, taken in primary-key order) and on SQLite (where
IMMEDIATE transactions serialise the writers)."""

from __future__ import annotations

import random
import threading
from collections import Counter
from datetime import timedelta

import pytest
from django.core.management import call_command
from django.db import connection

from accounts.models import User
from accounts.tests.factories import StaffUserFactory
from payments.errors import InsufficientStars
from payments.models import Account, LedgerTransaction, Subscription
from payments.selectors import ledger_account_totals, ledger_discrepancies
from payments.services import (
    payment_create_pending,
    payment_record_success,
    stars_adjust,
    stars_hold,
    stars_transfer,
    subscription_purchase,
)
from payments.tests.factories import funded_user

THREADS = 18
OPS_PER_THREAD = 8
PRICE = 100
FEE_PERCENT = 5


def deliver(payment, charge_id: str):
    return payment_record_success(
        payload=payment.invoice_payload,
        telegram_user_id=payment.user.telegram_id,
        currency="XTR",
        total_amount=payment.amount_stars,
        telegram_payment_charge_id=charge_id,
    )


@pytest.mark.django_db(transaction=True)
def test_concurrent_money_moves_on_the_same_users_keep_the_ledger_exact(settings):
    settings.SUBSCRIPTION_PRICE_STARS = PRICE
    settings.SUBSCRIPTION_DAYS = 30
    users = [funded_user(300) for _ in range(3)]
    staff = StaffUserFactory()
    # Invoices paid by two workers at once (Telegram delivering the update twice).
    doubled = [
        payment_create_pending(user=users[i % 3], amount_stars=50) for i in range(6)
    ]

    barrier = threading.Barrier(THREADS)
    lock = threading.Lock()
    done: list[tuple] = []  # what succeeded
    errors: list[BaseException] = []

    def worker(number: int) -> None:
        rng = random.Random(number)
        try:
            barrier.wait(timeout=30)
            if number < 2:
                for index, payment in enumerate(doubled):
                    result = deliver(payment, f"doubled-{index}")
                    if result.credited:
                        with lock:
                            done.append(("purchase", users.index(payment.user), 50))
            for step in range(OPS_PER_THREAD):
                kind = rng.choice(["purchase", "subscribe", "adjust", "settle"])
                who = rng.randrange(3)
                user = User.objects.get(pk=users[who].pk)
                try:
                    if kind == "purchase":
                        amount = rng.randint(1, 300)
                        payment = payment_create_pending(user=user, amount_stars=amount)
                        assert deliver(payment, f"t{number}-{step}").credited
                        record = ("purchase", who, amount)
                    elif kind == "subscribe":
                        subscription_purchase(user=user)
                        record = ("subscribe", who)
                    elif kind == "adjust":
                        amount = rng.choice([-1, 1]) * rng.randint(1, 200)
                        stars_adjust(
                            user=user, amount=amount, reason="race", staff=staff
                        )
                        record = ("adjust", who, amount)
                    else:
                        # Each settlement runs payer → payee while another worker
                        # may run payee → payer: the pk-ordered locks keep them from
                        # deadlocking.
                        payee = User.objects.get(
                            pk=users[(who + rng.choice([1, 2])) % 3].pk
                        )
                        amount = rng.randint(1, 150)
                        fee = amount * FEE_PERCENT // 100
                        stars_hold(user=user, amount=amount, auction_id=number)
                        stars_transfer(
                            from_user=user,
                            to_user=payee,
                            amount=amount,
                            fee=fee,
                            auction_id=number,
                        )
                        record = ("settle", who, users.index(payee), amount, fee)
                except InsufficientStars:
                    continue
                with lock:
                    done.append(record)
        except BaseException as exc:  # reported by the main thread
            errors.append(exc)
        finally:
            connection.close()

    threads = [threading.Thread(target=worker, args=(n,)) for n in range(THREADS)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=240)

    assert errors == []
    assert not any(thread.is_alive() for thread in threads)
    call_command("check_ledger")  # raises CommandError on any discrepancy
    assert ledger_discrepancies() == []

    available = [300, 300, 300]
    platform = outside = 0
    subscriptions: Counter[int] = Counter()
    for record in done:
        kind, who = record[0], record[1]
        if kind == "purchase":
            available[who] += record[2]
            outside -= record[2]
        elif kind == "subscribe":
            available[who] -= PRICE
            platform += PRICE
            subscriptions[who] += 1
        elif kind == "adjust":
            available[who] += record[2]
            platform -= record[2]
        else:
            _kind, payer, payee, amount, fee = record
            available[payer] -= amount
            available[payee] += amount - fee
            platform += fee
    outside -= 900  # the three initial purchases

    for index, user in enumerate(users):
        user.refresh_from_db()
        assert user.stars_balance == available[index] >= 0
        assert user.stars_held == 0
    totals = ledger_account_totals()
    assert totals[Account.PLATFORM] == platform
    assert totals[Account.OUTSIDE] == outside
    # Each doubled invoice was credited once, whichever worker got there first.
    assert (
        LedgerTransaction.objects.filter(payment__in=doubled, kind="purchase").count()
        == 6
    )
    # Every successful subscription extended the period by exactly 30 days.
    for who, count in subscriptions.items():
        subscription = Subscription.objects.get(user=users[who])
        assert subscription.ends_at - subscription.started_at == timedelta(
            days=30 * count
        )
    kinds = Counter(record[0] for record in done)
    assert min(kinds.values()) > 0 and len(kinds) == 4, kinds
