"""Refunds: through Telegram's refundStarPayment (the fake Bot API over HTTP), only
while the user still has the stars, never twice, and nothing lost when Telegram
fails."""

from __future__ import annotations

import pytest

from accounts.models import Notification
from accounts.tests.factories import StaffUserFactory, UserFactory
from payments.errors import RefundFailed, RefundRefused
from payments.models import LedgerTransaction, Payment, UnmatchedPayment
from payments.selectors import ledger_discrepancies
from payments.services import (
    payment_create_pending,
    payment_record_success,
    payment_refund,
    stars_hold,
    stars_refund,
    stars_spend,
    unmatched_payment_refund,
    unmatched_payment_resolve,
)
from payments.tests.factories import paid_payment

pytestmark = pytest.mark.django_db

Kind = LedgerTransaction.Kind


def balances(user) -> tuple[int, int]:
    user.refresh_from_db()
    return user.stars_balance, user.stars_held


@pytest.fixture
def staff():
    return StaffUserFactory()


def test_a_refund_asks_telegram_for_that_charge_and_takes_the_stars_back(
    fake_botapi, staff
):
    user = UserFactory()
    payment = paid_payment(user=user, stars=100, charge_id="tg-charge-1")

    payment_refund(payment=payment, staff=staff)

    (call,) = fake_botapi.calls_to("refundStarPayment")
    assert int(call.params["user_id"]) == user.telegram_id
    assert call.params["telegram_payment_charge_id"] == "tg-charge-1"
    payment.refresh_from_db()
    assert payment.status == Payment.Status.REFUNDED
    assert payment.refunded_at is not None
    assert balances(user) == (0, 0)
    refund = LedgerTransaction.objects.get(payment=payment, kind=Kind.REFUND)
    assert refund.created_by == staff
    assert ledger_discrepancies() == []


def test_the_user_is_told_of_the_refund(fake_botapi, staff):
    user = UserFactory()
    payment = paid_payment(user=user, stars=100)

    payment_refund(payment=payment, staff=staff)

    notification = Notification.objects.get(recipient=user, kind="refund")
    assert notification.payload == {"payment_id": payment.pk, "amount_stars": 100}


def test_refunding_twice_is_refused_with_a_reason_and_telegram_asked_once(
    fake_botapi, staff
):
    user = UserFactory()
    payment = paid_payment(user=user, stars=100)
    payment_refund(payment=payment, staff=staff)

    with pytest.raises(RefundRefused, match="already been refunded"):
        payment_refund(payment=payment, staff=staff)

    assert len(fake_botapi.calls_to("refundStarPayment")) == 1
    assert balances(user) == (0, 0)


def test_a_refund_of_stars_already_spent_is_refused_and_telegram_not_asked(
    fake_botapi, staff
):
    user = UserFactory()
    payment = paid_payment(user=user, stars=100)
    stars_spend(user=user, amount=40, kind=Kind.SUBSCRIPTION)

    with pytest.raises(RefundRefused, match="60 stars available") as caught:
        payment_refund(payment=payment, staff=staff)

    assert "spent" in str(caught.value)
    assert fake_botapi.calls_to("refundStarPayment") == []
    payment.refresh_from_db()
    assert payment.status == Payment.Status.SUCCESSFUL
    assert balances(user) == (60, 0)


def test_a_refund_of_stars_held_by_a_bid_is_refused(fake_botapi, staff):
    user = UserFactory()
    payment = paid_payment(user=user, stars=100)
    stars_hold(user=user, amount=1, auction_id=5)

    with pytest.raises(RefundRefused):
        payment_refund(payment=payment, staff=staff)

    assert balances(user) == (99, 1)


def test_when_telegram_refuses_nothing_changes(fake_botapi, staff):
    user = UserFactory()
    payment = paid_payment(user=user, stars=100)
    fake_botapi.fail_next(
        "refundStarPayment", error_code=400, description="Bad Request: CHARGE_NOT_FOUND"
    )

    with pytest.raises(RefundFailed, match="CHARGE_NOT_FOUND"):
        payment_refund(payment=payment, staff=staff)

    payment.refresh_from_db()
    assert payment.status == Payment.Status.SUCCESSFUL
    assert payment.refunded_at is None
    assert balances(user) == (100, 0)
    assert not Notification.objects.filter(kind="refund").exists()
    assert ledger_discrepancies() == []


def test_when_telegram_does_not_answer_the_stars_stay_reserved_until_a_retry(
    fake_botapi, staff
):
    user = UserFactory()
    payment = paid_payment(user=user, stars=100)
    fake_botapi.fail_next(
        "refundStarPayment", error_code=502, description="Bad Gateway"
    )

    with pytest.raises(RefundFailed, match="try the refund again"):
        payment_refund(payment=payment, staff=staff)

    payment.refresh_from_db()
    assert payment.status == Payment.Status.REFUNDING
    # Reserved: not spendable, not yet gone.
    assert balances(user) == (0, 100)

    payment_refund(payment=payment, staff=staff)

    payment.refresh_from_db()
    assert payment.status == Payment.Status.REFUNDED
    assert balances(user) == (0, 0)
    assert len(fake_botapi.calls_to("refundStarPayment")) == 2
    assert ledger_discrepancies() == []


def test_a_retry_that_telegram_reports_already_refunded_completes_the_refund(
    fake_botapi, staff
):
    user = UserFactory()
    payment = paid_payment(user=user, stars=100)
    fake_botapi.fail_next("refundStarPayment", error_code=500)
    with pytest.raises(RefundFailed):
        payment_refund(payment=payment, staff=staff)
    # The first request did reach Telegram after all.
    fake_botapi.fail_next(
        "refundStarPayment",
        error_code=400,
        description="Bad Request: CHARGE_ALREADY_REFUNDED",
    )

    payment_refund(payment=payment, staff=staff)

    payment.refresh_from_db()
    assert payment.status == Payment.Status.REFUNDED
    assert balances(user) == (0, 0)


def test_flood_control_on_the_refund_releases_the_reservation(fake_botapi, staff):
    user = UserFactory()
    payment = paid_payment(user=user, stars=100)
    fake_botapi.fail_next("refundStarPayment", error_code=429, retry_after=3)

    with pytest.raises(RefundFailed):
        payment_refund(payment=payment, staff=staff)

    payment.refresh_from_db()
    assert payment.status == Payment.Status.SUCCESSFUL
    assert balances(user) == (100, 0)


def test_a_refund_without_a_bot_token_is_refused_and_changes_nothing(settings, staff):
    settings.TELEGRAM_BOT_TOKEN = ""
    user = UserFactory()
    payment = paid_payment(user=user, stars=100)

    with pytest.raises(RefundFailed):
        payment_refund(payment=payment, staff=staff)

    payment.refresh_from_db()
    assert payment.status == Payment.Status.SUCCESSFUL
    assert balances(user) == (100, 0)


def test_only_staff_can_refund(fake_botapi):
    user = UserFactory()
    payment = paid_payment(user=user, stars=100)

    with pytest.raises(RefundRefused):
        payment_refund(payment=payment, staff=user)

    assert fake_botapi.calls_to("refundStarPayment") == []


def test_an_unpaid_invoice_cannot_be_refunded(fake_botapi, staff):
    payment = payment_create_pending(user=UserFactory(), amount_stars=10)

    with pytest.raises(RefundRefused, match="successful"):
        payment_refund(payment=payment, staff=staff)


def test_a_card_payment_is_not_refunded_through_stars(fake_botapi, staff, settings):
    settings.PROVIDER_TOKEN = "provider-token"
    user = UserFactory()
    payment = payment_create_pending(
        user=user, amount_stars=10, method=Payment.Method.PROVIDER
    )
    payment_record_success(
        payload=payment.invoice_payload,
        telegram_user_id=user.telegram_id,
        currency=payment.currency,
        total_amount=payment.price_amount,
        telegram_payment_charge_id="card-1",
    )

    with pytest.raises(RefundRefused, match="Telegram Stars"):
        payment_refund(payment=payment, staff=staff)

    assert fake_botapi.calls_to("refundStarPayment") == []
    assert balances(user) == (10, 0)


def test_booking_a_refund_telegram_made_moves_the_stars_without_asking_it(fake_botapi):
    user = UserFactory()
    payment = paid_payment(user=user, stars=100)

    stars_refund(payment=payment)

    assert payment.status == Payment.Status.REFUNDED
    assert balances(user) == (0, 0)
    assert fake_botapi.calls_to("refundStarPayment") == []
    with pytest.raises(RefundRefused):
        stars_refund(payment=payment)
    with pytest.raises(RefundRefused):
        payment_refund(payment=payment, staff=StaffUserFactory())
    assert ledger_discrepancies() == []


def test_booking_a_refund_of_spent_stars_is_refused():
    user = UserFactory()
    payment = paid_payment(user=user, stars=100)
    stars_spend(user=user, amount=1, kind=Kind.FEE)

    with pytest.raises(RefundRefused):
        stars_refund(payment=payment)

    assert balances(user) == (99, 0)


def make_unmatched(user=None) -> UnmatchedPayment:
    from payments.errors import PaymentUnmatched

    with pytest.raises(PaymentUnmatched):
        payment_record_success(
            payload="forged",
            telegram_user_id=user.telegram_id if user else 777,
            currency="XTR",
            total_amount=42,
            telegram_payment_charge_id="unmatched-1",
        )
    return UnmatchedPayment.objects.get()


def test_staff_can_give_an_unmatched_charge_back_through_telegram(fake_botapi, staff):
    unmatched = make_unmatched()

    unmatched_payment_refund(unmatched=unmatched, staff=staff)

    (call,) = fake_botapi.calls_to("refundStarPayment")
    assert int(call.params["user_id"]) == 777
    assert call.params["telegram_payment_charge_id"] == "unmatched-1"
    assert unmatched.status == UnmatchedPayment.Status.REFUNDED
    assert unmatched.resolved_by == staff
    with pytest.raises(RefundRefused):
        unmatched_payment_refund(unmatched=unmatched, staff=staff)
    assert not LedgerTransaction.objects.exists()


def test_an_unmatched_charge_telegram_refuses_to_refund_stays_open(fake_botapi, staff):
    unmatched = make_unmatched()
    fake_botapi.fail_next(
        "refundStarPayment", error_code=400, description="Bad Request"
    )

    with pytest.raises(RefundFailed):
        unmatched_payment_refund(unmatched=unmatched, staff=staff)

    unmatched.refresh_from_db()
    assert unmatched.status == UnmatchedPayment.Status.OPEN


def test_staff_can_mark_an_unmatched_charge_resolved_once(staff):
    unmatched = make_unmatched()

    unmatched_payment_resolve(unmatched=unmatched, staff=staff)

    assert unmatched.status == UnmatchedPayment.Status.RESOLVED
    with pytest.raises(RefundRefused):
        unmatched_payment_resolve(unmatched=unmatched, staff=staff)
