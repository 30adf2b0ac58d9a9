"""The payment pages: buying stars (invoice link, QR code, polled status), the
balance and its history, subscribing. Telegram is the fake Bot API over HTTP."""

from __future__ import annotations

import re
from datetime import timedelta

import pytest
from django.test import Client
from django.utils import timezone

from accounts.tests.factories import UserFactory
from payments.models import LedgerTransaction, Payment, Subscription
from payments.services import payment_record_success, stars_hold
from payments.tests.factories import SubscriptionFactory, funded_user, paid_payment

pytestmark = pytest.mark.django_db

RANGE_ERROR = "Enter a whole number of stars from 1 to 10,000."
HTMX = {"HTTP_HX_REQUEST": "true"}


@pytest.fixture
def user():
    return UserFactory(first_name="Lina", last_name="")


@pytest.fixture
def logged_in(client, user) -> Client:
    client.force_login(user)
    return client


def _credit(payment: Payment, charge_id: str = "charge-1") -> None:
    """What the bot does when Telegram reports the successful payment."""
    payment_record_success(
        payload=payment.invoice_payload,
        telegram_user_id=payment.user.telegram_id,
        currency=payment.currency,
        total_amount=payment.price_amount,
        telegram_payment_charge_id=charge_id,
    )


# -- log-in --------------------------------------------------------------------


@pytest.mark.parametrize(
    "url",
    ["/buy_stars", "/buy_stars/1", "/buy_stars/1/status", "/balance", "/subscribe"],
)
def test_every_payment_page_needs_a_login(client, url):
    response = client.get(url)

    assert response.status_code == 302
    assert response["Location"] == f"/login?next={url}"


def test_buying_needs_a_login_and_creates_nothing(client):
    response = client.post("/buy_stars", {"amount": "100"})

    assert response.status_code == 302
    assert response["Location"].startswith("/login")
    assert not Payment.objects.exists()


# -- /buy_stars ---------------------------------------------------------------


def test_the_buy_page_offers_the_packages_and_another_amount(logged_in):
    html = logged_in.get("/buy_stars").content.decode()

    for stars in (50, 100, 250, 500, 1000):
        assert f'name="amount" value="{stars}"' in html
    assert 'data-testid="custom-amount-form"' in html
    assert 'name="amount" min="1" max="10000"' in html


@pytest.mark.parametrize("typed", ["abc", "0", "-1", "10001", "", "2.5"])
def test_a_bad_custom_amount_is_refused_with_a_clear_error_and_creates_nothing(
    logged_in, fake_botapi, typed
):
    response = logged_in.post("/buy_stars", {"amount": typed})

    assert response.status_code == 200
    html = response.content.decode()
    assert 'class="invalid-feedback"' in html
    assert RANGE_ERROR in html
    assert not Payment.objects.exists()
    assert fake_botapi.calls_to("createInvoiceLink") == []


def test_a_package_creates_a_pending_payment_and_a_stars_invoice_link(
    logged_in, user, fake_botapi
):
    response = logged_in.post("/buy_stars", {"amount": "250"}, follow=True)

    payment = Payment.objects.get()
    assert (payment.user, payment.amount_stars, payment.status) == (
        user,
        250,
        Payment.Status.PENDING,
    )
    [call] = fake_botapi.calls_to("createInvoiceLink")
    assert call.params["payload"] == payment.invoice_payload
    assert call.params["currency"] == "XTR"
    assert call.params["provider_token"] == ""
    assert call.params["title"] == "250 stars"
    assert 1 <= len(call.params["description"]) <= 255
    assert call.params["prices"] == [{"label": "250 stars", "amount": 250}]
    assert response.redirect_chain == [(f"/buy_stars/{payment.pk}", 302)]
    html = response.content.decode()
    link = re.search(r'href="(https://t\.me/\$fake-invoice-\d+)"', html)
    assert link is not None
    assert "Pay in Telegram" in html
    assert re.search(r'data-testid="invoice-qr"><svg [^>]*viewBox=', html)
    assert "Waiting for Telegram to confirm the payment" in html


def test_a_typed_amount_gets_an_invoice_for_exactly_that_amount(logged_in, fake_botapi):
    logged_in.post("/buy_stars", {"amount": "777"})

    assert Payment.objects.get().amount_stars == 777
    [call] = fake_botapi.calls_to("createInvoiceLink")
    assert call.params["prices"] == [{"label": "777 stars", "amount": 777}]


def test_reloading_the_payment_page_does_not_ask_telegram_again(logged_in, fake_botapi):
    logged_in.post("/buy_stars", {"amount": "100"})
    payment = Payment.objects.get()

    html = logged_in.get(f"/buy_stars/{payment.pk}").content.decode()

    assert len(fake_botapi.calls_to("createInvoiceLink")) == 1
    assert "Pay in Telegram" in html


def test_the_payment_page_in_another_browser_gets_a_fresh_link_for_the_same_payment(
    user, fake_botapi
):
    payment = Payment.objects.create(
        user=user, amount_stars=50, price_amount=50, invoice_payload="payload-abc"
    )
    client = Client()
    client.force_login(user)

    html = client.get(f"/buy_stars/{payment.pk}").content.decode()

    [call] = fake_botapi.calls_to("createInvoiceLink")
    assert call.params["payload"] == "payload-abc"
    assert "Pay in Telegram" in html
    assert "<svg" in html


def test_when_telegram_fails_the_page_says_so_and_the_pending_payment_stays_unused(
    logged_in, user, fake_botapi
):
    fake_botapi.fail_next("createInvoiceLink", error_code=502, description="Bad")

    response = logged_in.post("/buy_stars", {"amount": "100"})

    assert response.status_code == 200
    html = response.content.decode()
    assert "Telegram did not create the invoice just now" in html
    assert "Nothing was charged" in html
    assert "Pay in Telegram" not in html
    payment = Payment.objects.get()
    assert payment.status == Payment.Status.PENDING
    user.refresh_from_db()
    assert user.stars_balance == 0


def test_without_a_bot_token_the_page_says_how_to_configure_one(logged_in, settings):
    settings.TELEGRAM_BOT_TOKEN = ""

    page = logged_in.get("/buy_stars")
    posted = logged_in.post("/buy_stars", {"amount": "100"})

    for response in (page, posted):
        assert response.status_code == 200
        html = response.content.decode()
        assert 'data-testid="bot-not-configured"' in html
        assert "TELEGRAM_BOT_TOKEN" in html
        assert ".env" in html
        assert 'name="amount" value="100"' not in html
    assert not Payment.objects.exists()


def test_a_suspended_user_is_told_they_cannot_buy(client, fake_botapi):
    client.force_login(UserFactory(is_suspended=True))

    html = client.post("/buy_stars", {"amount": "100"}).content.decode()

    assert "Your account is suspended, so you cannot buy stars." in html
    assert not Payment.objects.exists()
    assert fake_botapi.calls_to("createInvoiceLink") == []


# -- /buy_stars/<id>/status ---------------------------------------------------


def test_the_status_of_a_pending_payment_says_pending(logged_in, user):
    payment = Payment.objects.create(
        user=user, amount_stars=100, price_amount=100, invoice_payload="p-1"
    )

    data = logged_in.get(f"/buy_stars/{payment.pk}/status").json()
    polled = logged_in.get(f"/buy_stars/{payment.pk}/status", **HTMX)

    assert data == {
        "id": payment.pk,
        "status": "pending",
        "amount_stars": 100,
        "credited": False,
        "balance": 0,
    }
    # Nothing to swap: htmx keeps the pay button and polls again.
    assert polled.status_code == 204


def test_the_status_shows_the_credit_and_new_balance_once_telegram_reports_it(
    logged_in, user
):
    paid_payment(user=user, stars=40)
    payment = Payment.objects.create(
        user=user, amount_stars=100, price_amount=100, invoice_payload="p-2"
    )

    _credit(payment)
    data = logged_in.get(f"/buy_stars/{payment.pk}/status").json()
    polled = logged_in.get(f"/buy_stars/{payment.pk}/status", **HTMX)

    assert data["status"] == "successful"
    assert data["credited"] is True
    assert data["balance"] == 140
    assert polled.status_code == 200
    html = polled.content.decode()
    assert "Credited 100 ⭐ — your balance is now 140 ⭐" in html
    assert "hx-trigger" not in html  # polling stops
    assert (
        'id="nav-balance" class="badge text-bg-warning" hx-swap-oob="true">140 ⭐'
        in (html)
    )


def test_another_users_payment_is_not_found(logged_in):
    other = Payment.objects.create(
        user=UserFactory(), amount_stars=100, price_amount=100, invoice_payload="p-3"
    )

    assert logged_in.get(f"/buy_stars/{other.pk}/status").status_code == 404
    assert logged_in.get(f"/buy_stars/{other.pk}/status", **HTMX).status_code == 404
    assert logged_in.get(f"/buy_stars/{other.pk}").status_code == 404


def test_a_paid_payments_page_shows_what_was_credited(logged_in, user):
    payment = paid_payment(user=user, stars=500)

    html = logged_in.get(f"/buy_stars/{payment.pk}").content.decode()

    assert "Credited 500 ⭐ — your balance is now 500 ⭐" in html
    assert "Pay in Telegram" not in html


# -- /balance -----------------------------------------------------------------


def test_the_balance_page_shows_available_held_and_the_subscription(client):
    user = funded_user(stars=300)
    stars_hold(user=user, amount=120, auction_id=4242)
    SubscriptionFactory(user=user, ends_at=timezone.now() + timedelta(days=5))
    client.force_login(user)

    html = client.get("/balance").content.decode()

    assert 'data-testid="balance-available">180 ⭐' in html
    assert 'data-testid="balance-held">120 ⭐' in html
    assert "Active until" in html
    # The hold: one entry leaving available, one arriving in held, both naming
    # the auction (as text until auctions have pages).
    assert html.count("Auction #4242") == 2
    assert "−120" in html or "-120 ⭐" in html
    assert "+120 ⭐" in html


def test_the_balance_history_is_paginated_newest_first_with_links_to_payments(
    client,
):
    user = UserFactory()
    payments = [paid_payment(user=user, stars=stars) for stars in range(1, 26)]
    client.force_login(user)

    first = client.get("/balance").content.decode()
    second = client.get("/balance?page=2").content.decode()

    assert first.count('data-testid="ledger-entry"') == 20
    assert second.count('data-testid="ledger-entry"') == 5
    assert "Page 1 of 2" in first
    amounts = re.findall(r'data-testid="ledger-amount">\+(\d+) ⭐', first + second)
    assert amounts == [str(stars) for stars in range(25, 0, -1)]
    links = re.findall(
        r'href="/buy_stars/(\d+)" data-testid="ledger-payment-link"', first
    )
    assert links[0] == str(payments[-1].pk)
    assert links[-1] == str(payments[5].pk)
    assert "Purchase" in first


def test_the_balance_page_makes_the_same_few_queries_however_long_the_history(
    client, django_assert_max_num_queries
):
    user = UserFactory()
    paid_payment(user=user, stars=10)
    client.force_login(user)
    with django_assert_max_num_queries(5) as few:
        client.get("/balance")

    for stars in range(2, 31):
        paid_payment(user=user, stars=stars)
    stars_hold(user=user, amount=5, auction_id=7)
    with django_assert_max_num_queries(len(few.captured_queries)):
        response = client.get("/balance")

    assert response.content.decode().count('data-testid="ledger-entry"') == 20


def test_an_empty_history_invites_a_first_purchase(logged_in):
    html = logged_in.get("/balance").content.decode()

    assert "No stars have moved yet." in html
    assert 'href="/buy_stars"' in html


# -- /subscribe ---------------------------------------------------------------


def _subscribe_key(client: Client) -> str:
    html = client.get("/subscribe").content.decode()
    return re.search(r'name="idempotency_key" value="([^"]+)"', html).group(1)


def test_the_subscribe_page_shows_price_length_and_state(client, settings):
    settings.SUBSCRIPTION_PRICE_STARS = 120
    settings.SUBSCRIPTION_DAYS = 30
    client.force_login(UserFactory())

    html = client.get("/subscribe").content.decode()

    assert "120 ⭐ for 30 days" in html
    assert "You have no subscription." in html
    assert "Subscribe for 120 ⭐" in html


def test_each_showing_of_the_subscribe_form_gets_its_own_key(logged_in):
    assert _subscribe_key(logged_in) != _subscribe_key(logged_in)


def test_subscribing_spends_the_price_and_says_until_when(client, settings):
    settings.SUBSCRIPTION_PRICE_STARS = 100
    settings.SUBSCRIPTION_DAYS = 30
    user = funded_user(stars=250)
    client.force_login(user)

    response = client.post(
        "/subscribe", {"idempotency_key": _subscribe_key(client)}, follow=True
    )

    user.refresh_from_db()
    assert user.stars_balance == 150
    subscription = Subscription.objects.get(user=user)
    assert subscription.ends_at - timezone.now() > timedelta(days=29, hours=23)
    html = response.content.decode()
    assert "Thank you! Your subscription now runs until" in html
    assert "Active until" in html
    assert "Renew for 100 ⭐" in html


def test_subscribing_without_enough_stars_says_so_and_links_to_buying(client):
    user = funded_user(stars=30)
    client.force_login(user)

    response = client.post("/subscribe", {"idempotency_key": _subscribe_key(client)})

    html = response.content.decode()
    assert "A subscription costs 100 stars and you have 30. Buy stars first." in html
    assert re.search(
        r'<a href="/buy_stars"[^>]*data-testid="subscribe-buy-stars"', html
    )
    user.refresh_from_db()
    assert user.stars_balance == 30
    assert not Subscription.objects.filter(user=user).exists()


def test_the_same_subscribe_form_posted_twice_charges_once(client):
    user = funded_user(stars=500)
    client.force_login(user)
    key = _subscribe_key(client)

    client.post("/subscribe", {"idempotency_key": key})
    ends_at = Subscription.objects.get(user=user).ends_at
    client.post("/subscribe", {"idempotency_key": key})

    user.refresh_from_db()
    assert user.stars_balance == 400
    assert Subscription.objects.get(user=user).ends_at == ends_at
    assert (
        LedgerTransaction.objects.filter(
            kind=LedgerTransaction.Kind.SUBSCRIPTION
        ).count()
        == 1
    )


def test_two_separate_subscribe_forms_extend_twice(client, settings):
    settings.SUBSCRIPTION_DAYS = 30
    user = funded_user(stars=500)
    client.force_login(user)

    client.post("/subscribe", {"idempotency_key": _subscribe_key(client)})
    client.post("/subscribe", {"idempotency_key": _subscribe_key(client)})

    user.refresh_from_db()
    assert user.stars_balance == 300
    remaining = Subscription.objects.get(user=user).ends_at - timezone.now()
    assert remaining > timedelta(days=59, hours=23)


def test_a_subscribe_post_without_a_key_charges_nothing(client):
    user = funded_user(stars=500)
    client.force_login(user)

    response = client.post("/subscribe", {}, follow=True)

    assert "That form was not valid. Please try again." in response.content.decode()
    user.refresh_from_db()
    assert user.stars_balance == 500


# -- /profile and the menu ----------------------------------------------------


def test_the_profile_shows_the_subscription_with_a_renew_button(client):
    user = UserFactory()
    SubscriptionFactory(user=user, ends_at=timezone.now() + timedelta(days=3))
    client.force_login(user)

    html = client.get("/profile").content.decode()

    assert "Active until" in html
    assert re.search(
        r'href="/subscribe" data-testid="subscription-action">\s*Renew', html
    )
    assert 'href="/balance"' in html


def test_the_profile_says_when_the_subscription_ended(client):
    user = UserFactory()
    SubscriptionFactory(
        user=user,
        started_at=timezone.now() - timedelta(days=40),
        ends_at=timezone.now() - timedelta(days=10),
    )
    client.force_login(user)

    html = client.get("/profile").content.decode()

    assert "Ended on" in html
    assert "Active until" not in html


def test_the_menu_links_to_buying_balance_and_subscribing_when_logged_in(user):
    anonymous = Client().get("/").content.decode()
    client = Client()
    client.force_login(user)

    html = client.get("/").content.decode()

    for testid, url in [
        ("nav-buy-stars", "/buy_stars"),
        ("nav-balance-page", "/balance"),
        ("nav-subscribe", "/subscribe"),
    ]:
        assert re.search(rf'href="{url}" data-testid="{testid}"', html)
        assert testid not in anonymous
