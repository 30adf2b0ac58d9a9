"""Buying stars in the bot, end to end through the fake Bot API: the menu, the
invoice, Telegram's pre-checkout question, the successful payment, and the ways
each of them goes wrong."""

from __future__ import annotations

import pytest
from django.db import OperationalError

from accounts.models import User
from accounts.tests.factories import UserFactory
from payments.models import LedgerTransaction, Payment, UnmatchedPayment
from payments.selectors import ledger_discrepancies
from payments.services import payment_create_pending
from telegrambot.handlers import payments as handlers
from telegrambot.tests.conftest import button_rows
from telegrambot.tests.fake_botapi import Call, TgUser

pytestmark = pytest.mark.django_db(transaction=True)

PROMPT = "How many stars? Send a whole number from 1 to 10,000, or /cancel."


def is_ok(answer: Call) -> bool:
    return str(answer.params["ok"]).lower() == "true"


def choose(bot, user: TgUser, data: str) -> Call:
    """Press a buying button; return the invoice the bot sends."""
    mark, _answer = bot.press(user, data)
    return bot.reply_to(user, after=mark, method="sendInvoice")


def ask_for_amount(bot, user: TgUser) -> Call:
    """Press "Another amount"; return the bot's question."""
    mark, _answer = bot.press(user, "v1:buy:other")
    return bot.reply_to(user, after=mark)


def pre_checkout(bot, user: TgUser, *, payload: str, total_amount: int, **kw) -> Call:
    """Telegram asks the bot before taking the money; return the bot's answer."""
    mark = bot.api.mark()
    update = bot.api.pre_checkout(
        user, payload=payload, total_amount=total_amount, **kw
    )
    query_id = update["pre_checkout_query"]["id"]
    return bot.api.wait_for(
        "answerPreCheckoutQuery",
        lambda params: params.get("pre_checkout_query_id") == query_id,
        after=mark,
    )


def paid(bot, user: TgUser, *, payload: str, total_amount: int, **kw) -> Call:
    """Telegram reports the charge; return the bot's reply."""
    mark = bot.api.mark()
    bot.api.successful_payment(user, payload=payload, total_amount=total_amount, **kw)
    return bot.reply_to(user, after=mark)


def buy(bot, user: TgUser, invoice: Call, *, charge_id: str) -> Call:
    """Pay an invoice the way Telegram does: pre-checkout, then the charge."""
    payload = invoice.params["payload"]
    amount = invoice.params["prices"][0]["amount"]
    currency = invoice.params["currency"]
    assert is_ok(
        pre_checkout(bot, user, payload=payload, total_amount=amount, currency=currency)
    )
    return paid(
        bot,
        user,
        payload=payload,
        total_amount=amount,
        currency=currency,
        charge_id=charge_id,
    )


def test_buy_stars_offers_the_packages_and_another_amount(bot):
    UserFactory(telegram_id=901, language="en")

    reply = bot.send(TgUser(id=901), "/buy_stars")

    assert reply.params["text"] == (
        "How many stars would you like to buy? Stars pay for your bids and for the "
        "subscription.\nYour balance: 0 ⭐"
    )
    buttons = [
        (b["text"], b["callback_data"]) for row in button_rows(reply) for b in row
    ]
    assert buttons == [
        ("50 ⭐", "v1:buy:stars:50"),
        ("100 ⭐", "v1:buy:stars:100"),
        ("250 ⭐", "v1:buy:stars:250"),
        ("500 ⭐", "v1:buy:stars:500"),
        ("1,000 ⭐", "v1:buy:stars:1000"),
        ("Another amount", "v1:buy:other"),
    ]


def test_a_package_is_invoiced_in_stars_checked_paid_and_credited(bot):
    user = UserFactory(telegram_id=902, language="en")
    alice = TgUser(id=902)
    bot.send(alice, "/buy_stars")

    invoice = choose(bot, alice, "v1:buy:stars:100")

    payment = Payment.objects.get(user=user)
    assert invoice.params["currency"] == "XTR"
    assert invoice.params["prices"] == [{"label": "100 stars", "amount": 100}]
    assert invoice.params["payload"] == payment.invoice_payload
    assert invoice.params.get("provider_token", "") == ""
    assert invoice.params["title"] == "100 stars for Bot-Auction"
    assert 1 <= len(invoice.params["description"]) <= 255
    assert payment.status == Payment.Status.PENDING

    answer = pre_checkout(bot, alice, payload=payment.invoice_payload, total_amount=100)
    assert is_ok(answer)
    assert "error_message" not in answer.params

    reply = paid(
        bot, alice, payload=payment.invoice_payload, total_amount=100, charge_id="c-1"
    )

    assert reply.params["text"] == (
        "Thank you! 100 ⭐ added to your balance.\nYour balance: 100 ⭐"
    )
    user.refresh_from_db()
    payment.refresh_from_db()
    assert user.stars_balance == 100
    assert payment.status == Payment.Status.SUCCESSFUL
    assert payment.telegram_payment_charge_id == "c-1"
    assert ledger_discrepancies() == []


def test_the_same_successful_payment_delivered_twice_credits_once(bot):
    user = UserFactory(telegram_id=903, language="en")
    bob = TgUser(id=903)
    invoice = choose(bot, bob, "v1:buy:stars:250")
    buy(bot, bob, invoice, charge_id="charge-twice")

    again = paid(
        bot,
        bob,
        payload=invoice.params["payload"],
        total_amount=250,
        charge_id="charge-twice",
    )

    assert again.params["text"] == (
        "This payment has already been added to your balance.\nYour balance: 250 ⭐"
    )
    credited = [t for t in bot.api.sent_texts(bob.id) if t.startswith("Thank you!")]
    assert len(credited) == 1
    user.refresh_from_db()
    assert user.stars_balance == 250
    assert LedgerTransaction.objects.filter(kind="purchase").count() == 1
    assert ledger_discrepancies() == []


def test_another_amount_is_typed_checked_and_bought(bot):
    user = UserFactory(telegram_id=904, language="en")
    carol = TgUser(id=904)
    assert ask_for_amount(bot, carol).params["text"] == PROMPT

    mark = bot.api.mark()
    bot.api.send_text(carol, "777")
    invoice = bot.reply_to(carol, after=mark, method="sendInvoice")

    assert invoice.params["prices"] == [{"label": "777 stars", "amount": 777}]
    reply = buy(bot, carol, invoice, charge_id="custom-1")
    assert reply.params["text"].endswith("Your balance: 777 ⭐")
    user.refresh_from_db()
    assert user.stars_balance == 777
    assert ledger_discrepancies() == []


@pytest.mark.parametrize(
    ("typed", "problem"),
    [
        ("abc", "That is not a whole number of stars."),
        ("1.5", "That is not a whole number of stars."),
        ("12 stars please", "That is not a whole number of stars."),
        ("0", "You can buy from 1 to 10,000 stars at a time."),
        ("-5", "You can buy from 1 to 10,000 stars at a time."),
        ("10001", "You can buy from 1 to 10,000 stars at a time."),
        ("9" * 40, "You can buy from 1 to 10,000 stars at a time."),
    ],
)
def test_a_bad_amount_is_explained_and_asked_for_again(bot, typed, problem):
    user = UserFactory(telegram_id=905, language="en")
    dave = TgUser(id=905)
    ask_for_amount(bot, dave)

    reply = bot.send(dave, typed)

    assert reply.params["text"] == f"{problem}\n{PROMPT}"
    assert not Payment.objects.filter(user=user).exists()
    # Still waiting for a number: a good one now brings the invoice.
    mark = bot.api.mark()
    bot.api.send_text(dave, "10000")
    invoice = bot.reply_to(dave, after=mark, method="sendInvoice")
    assert invoice.params["prices"][0]["amount"] == 10_000


def test_cancel_leaves_the_amount_question(bot):
    UserFactory(telegram_id=906, language="en")
    erin = TgUser(id=906)
    ask_for_amount(bot, erin)

    assert bot.send(erin, "/cancel").params["text"] == "Cancelled."
    assert bot.send(erin, "250").params["text"].startswith("I did not understand")
    assert bot.send(erin, "/cancel").params["text"] == "There is nothing to cancel."
    assert not Payment.objects.exists()


def test_start_with_a_buy_link_sends_the_invoice_at_once(bot):
    frank = TgUser(id=907, first_name="Frank", language_code="en")
    mark = bot.api.mark()

    bot.api.send_text(frank, "/start buy_100")

    invoice = bot.reply_to(frank, after=mark, method="sendInvoice")
    assert invoice.params["currency"] == "XTR"
    assert invoice.params["prices"] == [{"label": "100 stars", "amount": 100}]
    payment = Payment.objects.get(invoice_payload=invoice.params["payload"])
    assert payment.user == User.objects.get(telegram_id=907)
    assert payment.amount_stars == 100


@pytest.mark.parametrize("mismatch", ["forged", "amount", "currency", "other_user"])
def test_a_pre_checkout_that_does_not_match_the_invoice_is_refused(bot, mismatch):
    owner = UserFactory(telegram_id=908, language="en")
    UserFactory(telegram_id=909, language="en")
    payment = payment_create_pending(user=owner, amount_stars=100)
    query = {
        "user": TgUser(id=908),
        "payload": payment.invoice_payload,
        "total_amount": 100,
        "currency": "XTR",
    }
    reason = {
        "forged": "This invoice is not valid. Please start a new purchase.",
        "amount": "The amount or currency does not match the invoice.",
        "currency": "The amount or currency does not match the invoice.",
        "other_user": "This invoice belongs to another account.",
    }[mismatch]
    query.update(
        {
            "forged": {"payload": payment.invoice_payload[:-1] + "x"},
            "amount": {"total_amount": 1},
            "currency": {"currency": "USD"},
            "other_user": {"user": TgUser(id=909)},
        }[mismatch]
    )

    answer = pre_checkout(bot, query.pop("user"), **query)

    assert not is_ok(answer)
    assert answer.params["error_message"] == reason


def test_a_paid_invoice_cannot_be_paid_again(bot):
    UserFactory(telegram_id=910, language="en")
    gina = TgUser(id=910)
    invoice = choose(bot, gina, "v1:buy:stars:50")
    buy(bot, gina, invoice, charge_id="first-charge")

    answer = pre_checkout(bot, gina, payload=invoice.params["payload"], total_amount=50)

    assert not is_ok(answer)
    assert answer.params["error_message"] == (
        "This invoice has already been used. Please start a new purchase."
    )


def test_a_charge_for_an_unknown_invoice_is_recorded_and_the_user_told(bot):
    user = UserFactory(telegram_id=911, language="en")

    reply = paid(
        bot,
        TgUser(id=911),
        payload="no-such-invoice",
        total_amount=70,
        charge_id="stray-charge",
    )

    unmatched = UnmatchedPayment.objects.get()
    assert reply.params["text"] == (
        "We received your payment but could not match it to an order. It is "
        "recorded and our staff will sort it out; you can also write to "
        f"/paysupport (reference {unmatched.pk})."
    )
    assert (unmatched.user, unmatched.total_amount) == (user, 70)
    user.refresh_from_db()
    assert user.stars_balance == 0
    assert ledger_discrepancies() == []


def test_a_suspended_user_gets_no_invoice(bot):
    UserFactory(telegram_id=912, language="en", is_suspended=True)
    hank = TgUser(id=912)

    mark, _answer = bot.press(hank, "v1:buy:stars:100")

    reply = bot.reply_to(hank, after=mark)
    assert reply.params["text"] == (
        "Your account is suspended, so you cannot buy stars."
    )
    assert not bot.api.calls_to("sendInvoice")


def test_buying_before_start_asks_to_start_first(bot):
    reply = bot.send(TgUser(id=913, language_code="en"), "/buy_stars")

    assert reply.params["text"] == (
        "You have no account here yet. Send /start to create one."
    )


@pytest.fixture
def card_payments(settings):
    settings.PROVIDER_TOKEN = "provider-token-123"
    settings.PROVIDER_CURRENCY = "USD"
    settings.PROVIDER_PRICE_PER_STAR = 2


def test_with_a_provider_the_menu_also_sells_stars_by_card(bot, card_payments):
    UserFactory(telegram_id=914, language="en")

    reply = bot.send(TgUser(id=914), "/buy_stars")

    assert reply.params["text"].endswith(
        "You can pay with Telegram Stars or by card (💳)."
    )
    rows = [[b["callback_data"] for b in row] for row in button_rows(reply)]
    assert rows[0] == ["v1:buy:stars:50", "v1:buy:card:50"]
    assert button_rows(reply)[0][1]["text"] == "💳 50 ⭐ by card"
    assert rows[-1] == ["v1:buy:other"]


def test_a_card_payment_is_priced_in_the_currency_checked_and_credits_stars(
    bot, card_payments
):
    user = UserFactory(telegram_id=915, language="en")
    ivy = TgUser(id=915)

    invoice = choose(bot, ivy, "v1:buy:card:100")

    assert invoice.params["currency"] == "USD"
    assert invoice.params["provider_token"] == "provider-token-123"
    assert invoice.params["prices"] == [{"label": "100 stars", "amount": 200}]
    payload = invoice.params["payload"]
    in_stars = pre_checkout(bot, ivy, payload=payload, total_amount=100)
    assert not is_ok(in_stars)
    assert in_stars.params["error_message"] == (
        "The amount or currency does not match the invoice."
    )

    reply = buy(bot, ivy, invoice, charge_id="card-1")

    assert reply.params["text"] == (
        "Thank you! 100 ⭐ added to your balance.\nYour balance: 100 ⭐"
    )
    payment = Payment.objects.get(invoice_payload=payload)
    assert (payment.method, payment.currency, payment.price_amount) == (
        "provider",
        "USD",
        200,
    )
    user.refresh_from_db()
    assert user.stars_balance == 100
    assert ledger_discrepancies() == []


def test_with_a_provider_a_typed_amount_asks_how_to_pay(bot, card_payments):
    UserFactory(telegram_id=916, language="en")
    jack = TgUser(id=916)
    ask_for_amount(bot, jack)

    reply = bot.send(jack, "300")

    assert reply.params["text"] == "How would you like to pay for 300 ⭐?"
    assert [b["callback_data"] for row in button_rows(reply) for b in row] == [
        "v1:buy:stars:300",
        "v1:buy:card:300",
    ]
    invoice = choose(bot, jack, "v1:buy:card:300")
    assert invoice.params["prices"][0]["amount"] == 600


def test_a_database_hiccup_while_recording_a_payment_is_retried(bot, monkeypatch):
    real = handlers.payment_record_success
    failures = iter([OperationalError("server closed the connection")])

    def flaky(**charge):
        for failure in failures:
            raise failure
        return real(**charge)

    monkeypatch.setattr(handlers, "payment_record_success", flaky)
    monkeypatch.setattr(handlers, "RECORD_RETRY_DELAY", 0.01)
    user = UserFactory(telegram_id=917, language="en")
    kate = TgUser(id=917)
    invoice = choose(bot, kate, "v1:buy:stars:50")

    reply = buy(bot, kate, invoice, charge_id="flaky-1")

    assert reply.params["text"].endswith("Your balance: 50 ⭐")
    user.refresh_from_db()
    assert user.stars_balance == 50


def test_a_pre_checkout_that_fails_inside_is_still_answered(bot, monkeypatch):
    def broken(**query):
        raise RuntimeError("the database fell over")

    monkeypatch.setattr(handlers, "payment_validate_pre_checkout", broken)
    UserFactory(telegram_id=918, language="en")

    answer = pre_checkout(bot, TgUser(id=918), payload="anything", total_amount=5)

    assert not is_ok(answer)
    assert answer.params["error_message"] == (
        "Sorry, something went wrong on our side. Please try again in a minute."
    )
