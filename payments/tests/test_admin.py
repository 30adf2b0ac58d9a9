"""The payments admin as staff use it: read-only money, the refund action with a
reason for each refusal, ledger transactions with their entries, and the balance
adjustment form that insists on a reason."""

from __future__ import annotations

import pytest
from django.contrib.messages import get_messages
from django_otp import DEVICE_ID_SESSION_KEY
from django_otp.plugins.otp_totp.models import TOTPDevice

from accounts.tests.factories import StaffUserFactory, SuperUserFactory, UserFactory
from payments.models import LedgerTransaction, Payment, UnmatchedPayment
from payments.services import stars_spend
from payments.tests.factories import SubscriptionFactory, funded_user, paid_payment

pytestmark = pytest.mark.django_db

ADJUST_URL = "/admin/payments/balanceadjustment/add/"


def verified_login(client, user) -> None:
    """Log in as if through the admin's password + TOTP form."""
    device = TOTPDevice.objects.create(user=user, name="phone", confirmed=True)
    client.force_login(user)
    session = client.session
    session[DEVICE_ID_SESSION_KEY] = device.persistent_id
    session.save()


@pytest.fixture
def staff(client):
    user = SuperUserFactory()
    verified_login(client, user)
    return user


def messages_of(response) -> list[str]:
    return [str(m) for m in get_messages(response.wsgi_request)]


def test_payments_are_listed_and_found_by_charge_id(client, staff):
    payment = paid_payment(user=UserFactory(), stars=120, charge_id="find-me-123")
    paid_payment(user=UserFactory(), stars=30, charge_id="other-456")

    response = client.get("/admin/payments/payment/", {"q": "find-me-123"})

    assert response.status_code == 200
    assert list(response.context["cl"].result_list) == [payment]
    for query in ({"status__exact": "successful"}, {"method__exact": "stars"}):
        assert client.get("/admin/payments/payment/", query).status_code == 200


def test_a_payment_page_is_read_only(client, staff):
    payment = paid_payment(user=UserFactory(), stars=120)
    url = f"/admin/payments/payment/{payment.pk}/change/"

    page = client.get(url)
    client.post(url, {"amount_stars": 999999, "status": "pending"})

    assert page.status_code == 200
    assert 'name="amount_stars"' not in page.content.decode()
    payment.refresh_from_db()
    assert (payment.amount_stars, payment.status) == (120, Payment.Status.SUCCESSFUL)
    assert client.get("/admin/payments/payment/add/").status_code == 403


def test_the_refund_action_refunds_and_reports_each_refusal_with_its_reason(
    client, staff, fake_botapi
):
    good = paid_payment(user=UserFactory(), stars=100)
    spender = UserFactory()
    spent = paid_payment(user=spender, stars=100)
    stars_spend(user=spender, amount=80, kind="fee")

    response = client.post(
        "/admin/payments/payment/",
        {"action": "refund", "_selected_action": [good.pk, spent.pk]},
        follow=True,
    )

    good.refresh_from_db()
    spent.refresh_from_db()
    assert good.status == Payment.Status.REFUNDED
    assert spent.status == Payment.Status.SUCCESSFUL
    texts = messages_of(response)
    assert any("refunded" in t and str(good.pk) in t for t in texts)
    assert any("20 stars available" in t for t in texts)
    assert len(fake_botapi.calls_to("refundStarPayment")) == 1


def test_a_ledger_transaction_shows_its_entries_and_cannot_be_edited(client, staff):
    user = funded_user(100)
    txn = LedgerTransaction.objects.get(kind="purchase")

    response = client.get(f"/admin/payments/ledgertransaction/{txn.pk}/change/")

    assert response.status_code == 200
    body = response.content.decode()
    assert "-100" in body and str(user) in body
    assert client.get("/admin/payments/ledgertransaction/add/").status_code == 403
    assert (
        client.post(f"/admin/payments/ledgertransaction/{txn.pk}/delete/").status_code
        == 403
    )


def test_subscriptions_are_listed(client, staff):
    subscription = SubscriptionFactory()

    response = client.get("/admin/payments/subscription/")

    assert response.status_code == 200
    assert subscription in response.context["cl"].result_list


def test_staff_adjust_a_balance_with_a_reason(client, staff):
    user = UserFactory()

    assert client.get(ADJUST_URL).status_code == 200
    response = client.post(
        ADJUST_URL, {"user": user.pk, "amount": 40, "reason": "lost bid refund"}
    )

    assert response.status_code == 302
    user.refresh_from_db()
    assert user.stars_balance == 40
    txn = LedgerTransaction.objects.get(kind="adjustment")
    assert (txn.created_by, txn.reason) == (staff, "lost bid refund")
    listing = client.get("/admin/payments/balanceadjustment/")
    assert list(listing.context["cl"].result_list) == [txn]
    assert "lost bid refund" in listing.content.decode()


def test_an_adjustment_without_a_reason_is_refused_by_the_form(client, staff):
    user = UserFactory()

    response = client.post(ADJUST_URL, {"user": user.pk, "amount": 40, "reason": ""})

    assert response.status_code == 200
    assert response.context["form"].errors["reason"]
    user.refresh_from_db()
    assert user.stars_balance == 0


def test_an_adjustment_that_would_overdraw_shows_why(client, staff):
    user = funded_user(10)

    response = client.post(
        ADJUST_URL, {"user": user.pk, "amount": -11, "reason": "chargeback"}
    )

    assert response.status_code == 200
    assert "10 available" in " ".join(response.context["form"].non_field_errors())
    user.refresh_from_db()
    assert user.stars_balance == 10


def test_staff_without_the_permission_cannot_adjust(client):
    verified_login(client, StaffUserFactory())

    assert client.get(ADJUST_URL).status_code == 403


def test_an_unmatched_charge_can_be_marked_resolved(client, staff):
    unmatched = UnmatchedPayment.objects.create(
        telegram_user_id=5,
        invoice_payload="forged",
        currency="XTR",
        total_amount=9,
        telegram_payment_charge_id="u-1",
        reason="unknown invoice payload",
    )

    response = client.post(
        "/admin/payments/unmatchedpayment/",
        {"action": "resolve", "_selected_action": [unmatched.pk]},
        follow=True,
    )

    unmatched.refresh_from_db()
    assert unmatched.status == UnmatchedPayment.Status.RESOLVED
    assert unmatched.resolved_by == staff
    assert any("resolved" in t for t in messages_of(response))
