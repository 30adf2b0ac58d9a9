"""Buying stars: the invoice, Telegram's pre-checkout question, and the charge."""

from __future__ import annotations

import logging

import pytest

from accounts.tests.factories import UserFactory
from payments.errors import InvalidAmount, PaymentRejected, PaymentUnmatched
from payments.models import LedgerTransaction, Payment, UnmatchedPayment
from payments.selectors import ledger_discrepancies
from payments.services import (
    payment_create_pending,
    payment_record_success,
    payment_validate_pre_checkout,
    stars_credit_purchase,
)
from payments.tests.factories import paid_payment

pytestmark = pytest.mark.django_db


def pre_checkout(payment: Payment, **overrides) -> Payment:
    params = {
        "payload": payment.invoice_payload,
        "telegram_user_id": payment.user.telegram_id,
        "currency": payment.currency,
        "total_amount": payment.price_amount,
        **overrides,
    }
    return payment_validate_pre_checkout(**params)


def record(payment: Payment, charge_id: str = "charge-1", **overrides):
    params = {
        "payload": payment.invoice_payload,
        "telegram_user_id": payment.user.telegram_id,
        "currency": payment.currency,
        "total_amount": payment.price_amount,
        "telegram_payment_charge_id": charge_id,
        **overrides,
    }
    return payment_record_success(**params)


# -- the invoice ---------------------------------------------------------------


def test_an_invoice_is_a_pending_stars_payment_with_a_random_payload():
    user = UserFactory()

    first = payment_create_pending(user=user, amount_stars=250)
    second = payment_create_pending(user=user, amount_stars=250)

    assert first.status == Payment.Status.PENDING
    assert (first.currency, first.price_amount, first.amount_stars) == ("XTR", 250, 250)
    assert first.invoice_payload != second.invoice_payload
    assert 16 <= len(first.invoice_payload.encode()) <= 128


@pytest.mark.parametrize("amount", [1, 10_000])
def test_the_bounds_of_a_purchase_are_accepted(amount):
    payment = payment_create_pending(user=UserFactory(), amount_stars=amount)

    assert payment.amount_stars == amount


@pytest.mark.parametrize("amount", [0, -5, 10_001, 10**12, 2.5, "100", True, None])
def test_an_impossible_number_of_stars_makes_no_invoice(amount):
    with pytest.raises(InvalidAmount) as caught:
        payment_create_pending(user=UserFactory(), amount_stars=amount)

    assert str(caught.value)
    assert not Payment.objects.exists()


def test_the_bounds_are_named_in_the_refusal():
    with pytest.raises(InvalidAmount) as caught:
        payment_create_pending(user=UserFactory(), amount_stars=10_001)

    assert "1" in str(caught.value) and "10000" in str(caught.value)


def test_a_suspended_user_cannot_buy_stars():
    with pytest.raises(PaymentRejected):
        payment_create_pending(user=UserFactory(is_suspended=True), amount_stars=50)


def test_paying_with_a_card_needs_a_provider_token(settings):
    settings.PROVIDER_TOKEN = ""

    with pytest.raises(PaymentRejected):
        payment_create_pending(
            user=UserFactory(), amount_stars=50, method=Payment.Method.PROVIDER
        )


def test_a_card_invoice_is_priced_in_the_configured_currency(settings):
    settings.PROVIDER_TOKEN = "provider-token"
    settings.PROVIDER_CURRENCY = "EUR"
    settings.PROVIDER_PRICE_PER_STAR = 3

    payment = payment_create_pending(
        user=UserFactory(), amount_stars=50, method=Payment.Method.PROVIDER
    )

    assert (payment.currency, payment.price_amount, payment.amount_stars) == (
        "EUR",
        150,
        50,
    )


# -- pre-checkout --------------------------------------------------------------


def test_pre_checkout_of_the_right_invoice_is_accepted():
    payment = payment_create_pending(user=UserFactory(), amount_stars=100)

    assert pre_checkout(payment) == payment


def test_pre_checkout_of_a_forged_payload_is_refused():
    payment = payment_create_pending(user=UserFactory(), amount_stars=100)

    with pytest.raises(PaymentRejected, match="not valid"):
        pre_checkout(payment, payload=payment.invoice_payload[:-1] + "x")
    with pytest.raises(PaymentRejected, match="not valid"):
        pre_checkout(payment, payload="")


def test_pre_checkout_of_another_users_invoice_is_refused():
    payment = payment_create_pending(user=UserFactory(), amount_stars=100)

    with pytest.raises(PaymentRejected, match="another account"):
        pre_checkout(payment, telegram_user_id=UserFactory().telegram_id)


def test_pre_checkout_of_a_paid_invoice_is_refused():
    payment = paid_payment(user=UserFactory(), stars=100)

    with pytest.raises(PaymentRejected, match="already been used"):
        pre_checkout(payment)


@pytest.mark.parametrize(
    "overrides", [{"total_amount": 99}, {"total_amount": 101}, {"currency": "USD"}]
)
def test_pre_checkout_with_another_amount_or_currency_is_refused(overrides):
    payment = payment_create_pending(user=UserFactory(), amount_stars=100)

    with pytest.raises(PaymentRejected, match="does not match"):
        pre_checkout(payment, **overrides)


def test_pre_checkout_of_a_user_suspended_since_the_invoice_is_refused():
    user = UserFactory()
    payment = payment_create_pending(user=user, amount_stars=100)
    user.is_suspended = True
    user.save()

    with pytest.raises(PaymentRejected, match="suspended"):
        pre_checkout(payment)


# -- the successful charge -----------------------------------------------------


def test_a_successful_charge_credits_the_stars_and_returns_the_new_balance():
    user = UserFactory()
    payment = payment_create_pending(user=user, amount_stars=100)

    result = record(payment, provider_payment_charge_id="prov-1")

    payment.refresh_from_db()
    user.refresh_from_db()
    assert result.credited and result.balance == 100
    assert user.stars_balance == 100
    assert payment.status == Payment.Status.SUCCESSFUL
    assert payment.telegram_payment_charge_id == "charge-1"
    assert payment.provider_payment_charge_id == "prov-1"
    assert payment.paid_at is not None
    txn = LedgerTransaction.objects.get(payment=payment)
    assert txn.kind == LedgerTransaction.Kind.PURCHASE
    assert ledger_discrepancies() == []


def test_the_same_charge_delivered_twice_credits_once():
    user = UserFactory()
    payment = payment_create_pending(user=user, amount_stars=100)

    first = record(payment)
    second = record(payment)

    user.refresh_from_db()
    assert first.credited and not second.credited
    assert second.payment.pk == payment.pk and second.balance == 100
    assert user.stars_balance == 100
    assert LedgerTransaction.objects.filter(payment=payment).count() == 1


def test_a_second_charge_for_a_paid_invoice_is_recorded_for_staff_not_credited():
    user = UserFactory()
    payment = payment_create_pending(user=user, amount_stars=100)
    record(payment, charge_id="charge-1")

    with pytest.raises(PaymentUnmatched):
        record(payment, charge_id="charge-2")

    user.refresh_from_db()
    assert user.stars_balance == 100
    unmatched = UnmatchedPayment.objects.get()
    assert unmatched.telegram_payment_charge_id == "charge-2"
    assert unmatched.payment == payment
    assert "already successful" in unmatched.reason


def test_a_charge_for_an_unknown_payload_is_recorded_for_staff_not_credited(caplog):
    user = UserFactory()

    with (
        caplog.at_level(logging.WARNING, logger="payments"),
        pytest.raises(PaymentUnmatched) as caught,
    ):
        payment_record_success(
            payload="no-such-invoice",
            telegram_user_id=user.telegram_id,
            currency="XTR",
            total_amount=500,
            telegram_payment_charge_id="charge-x",
        )

    user.refresh_from_db()
    assert user.stars_balance == 0
    assert not LedgerTransaction.objects.exists()
    unmatched = UnmatchedPayment.objects.get()
    assert (unmatched.user, unmatched.total_amount, unmatched.status) == (
        user,
        500,
        "open",
    )
    assert unmatched.reason == "unknown invoice payload"
    assert str(unmatched.pk) in str(caught.value)
    assert any(r.getMessage() == "payment unmatched" for r in caplog.records)


def test_an_unmatched_charge_delivered_twice_is_recorded_once():
    for _attempt in range(2):
        with pytest.raises(PaymentUnmatched):
            payment_record_success(
                payload="no-such-invoice",
                telegram_user_id=424242,
                currency="XTR",
                total_amount=5,
                telegram_payment_charge_id="charge-y",
            )

    assert UnmatchedPayment.objects.count() == 1
    assert UnmatchedPayment.objects.get().user is None


@pytest.mark.parametrize(
    "overrides, reason",
    [
        ({"total_amount": 1}, "paid 1 XTR"),
        ({"currency": "USD"}, "paid 100 USD"),
        ({"telegram_user_id": 5}, "paid by Telegram user 5"),
    ],
)
def test_a_mismatched_charge_is_recorded_and_the_invoice_stays_pending(
    overrides, reason
):
    user = UserFactory()
    payment = payment_create_pending(user=user, amount_stars=100)

    with pytest.raises(PaymentUnmatched):
        record(payment, **overrides)

    payment.refresh_from_db()
    user.refresh_from_db()
    assert payment.status == Payment.Status.PENDING
    assert user.stars_balance == 0
    assert reason in UnmatchedPayment.objects.get(payment=payment).reason


def test_a_suspended_user_who_paid_anyway_is_credited():
    user = UserFactory()
    payment = payment_create_pending(user=user, amount_stars=30)
    user.is_suspended = True
    user.save()

    result = record(payment)

    assert result.credited and result.balance == 30


def test_crediting_a_payment_twice_credits_once():
    user = UserFactory()
    payment = payment_create_pending(user=user, amount_stars=70)

    assert stars_credit_purchase(payment=payment) is not None
    assert stars_credit_purchase(payment=payment) is None

    user.refresh_from_db()
    assert user.stars_balance == 70
    assert payment.status == Payment.Status.SUCCESSFUL


def test_each_payment_step_logs_a_structured_line(caplog):
    user = UserFactory()

    with caplog.at_level(logging.INFO, logger="payments"):
        payment = payment_create_pending(user=user, amount_stars=10)
        pre_checkout(payment)
        record(payment)

    messages = [r.getMessage() for r in caplog.records]
    for expected in ("payment created", "payment pre-checkout", "payment successful"):
        assert expected in messages
    created = next(r for r in caplog.records if r.getMessage() == "payment created")
    assert created.payment_id == payment.pk and created.amount_stars == 10
