"""/subscribe, /balance and /status in the bot, through the fake Bot API."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.utils import formats, timezone, translation

from payments.models import LedgerTransaction, Subscription
from payments.selectors import ledger_discrepancies
from payments.services import stars_hold, subscription_purchase
from payments.tests.factories import funded_user
from telegrambot.tests.conftest import button_rows
from telegrambot.tests.fake_botapi import TgUser

pytestmark = pytest.mark.django_db(transaction=True)


def english_day(moment) -> str:
    with translation.override("en"):
        return formats.date_format(timezone.localtime(moment), "DATE_FORMAT")


def test_subscribe_shows_the_price_the_state_and_a_button(bot):
    funded_user(250, telegram_id=1001, language="en")

    reply = bot.send(TgUser(id=1001), "/subscribe")

    assert reply.params["text"] == (
        "A subscription lets you create auctions. Buying it again while it runs "
        "extends it.\n"
        "Price: 100 ⭐ for 30 days.\n"
        "Subscription: none\n"
        "Your balance: 250 ⭐"
    )
    assert button_rows(reply) == [
        [{"text": "Subscribe for 100 ⭐", "callback_data": "v1:sub:buy"}]
    ]


def test_subscribing_with_enough_stars_charges_and_shows_the_end_date(bot):
    user = funded_user(250, telegram_id=1002, language="en")
    alice = TgUser(id=1002)

    mark = bot.api.mark()
    bot.api.press_button(alice, "v1:sub:buy", message_id=4242)
    result = bot.reply_to(alice, after=mark, method="editMessageText")

    subscription = Subscription.objects.get(user=user)
    assert subscription.ends_at - timezone.now() > timedelta(days=29, hours=23)
    assert result.params["message_id"] in (4242, "4242")
    assert result.params["text"] == (
        f"Done! Your subscription is active until {english_day(subscription.ends_at)}"
        ".\nYour balance: 150 ⭐"
    )
    assert "reply_markup" not in result.params  # the button is gone
    user.refresh_from_db()
    assert user.stars_balance == 150
    assert ledger_discrepancies() == []


def test_a_double_tap_on_subscribe_charges_once(bot):
    user = funded_user(250, telegram_id=1003, language="en")
    bob = TgUser(id=1003)
    mark = bot.api.mark()

    first = bot.api.press_button(bob, "v1:sub:buy", message_id=77)
    second = bot.api.press_button(bob, "v1:sub:buy", message_id=77)

    for update in (first, second):
        query_id = update["callback_query"]["id"]
        bot.api.wait_for(
            "answerCallbackQuery",
            lambda params, query_id=query_id: params["callback_query_id"] == query_id,
            after=mark,
        )
    # Updates of one user run in order: once /balance is answered, both taps are done.
    bot.send(bob, "/balance")
    user.refresh_from_db()
    assert user.stars_balance == 150
    assert LedgerTransaction.objects.filter(kind="subscription").count() == 1
    subscription = Subscription.objects.get(user=user)
    assert subscription.ends_at - timezone.now() < timedelta(days=30, minutes=1)
    assert ledger_discrepancies() == []


def test_subscribing_with_too_few_stars_says_so_and_offers_to_buy(bot):
    user = funded_user(30, telegram_id=1004, language="en")
    carol = TgUser(id=1004)

    mark, _answer = bot.press(carol, "v1:sub:buy")

    reply = bot.reply_to(carol, after=mark)
    assert reply.params["text"] == (
        "A subscription costs 100 stars and you have 30. Buy stars first."
    )
    assert button_rows(reply) == [
        [{"text": "➕ Buy stars", "callback_data": "v1:menu:buy"}]
    ]
    assert not Subscription.objects.filter(user=user).exists()
    user.refresh_from_db()
    assert user.stars_balance == 30

    mark, _answer = bot.press(carol, "v1:menu:buy")
    menu = bot.reply_to(carol, after=mark)
    assert menu.params["text"].startswith("How many stars would you like to buy?")


def test_an_active_subscription_is_shown_with_an_extend_button(bot):
    user = funded_user(300, telegram_id=1005, language="en")
    subscription = subscription_purchase(user=user)

    reply = bot.send(TgUser(id=1005), "/subscribe")

    day = english_day(subscription.ends_at)
    assert (
        f"Subscription: active until {day}\nYour balance: 200 ⭐"
        in (reply.params["text"])
    )
    assert button_rows(reply)[0][0]["text"] == "Extend for 100 ⭐"


def test_status_shows_available_held_and_the_subscription(bot):
    user = funded_user(400, telegram_id=1006, language="en", first_name="Dana")
    subscription = subscription_purchase(user=user)
    stars_hold(user=user, amount=50, reason="bid")

    reply = bot.send(TgUser(id=1006), "/status")

    assert reply.params["text"] == (
        "Your account, Dana\n"
        "Available: 250 ⭐\n"
        "Held for your bids: 50 ⭐\n"
        f"Subscription: active until {english_day(subscription.ends_at)}"
    )
    labels = [b["text"] for row in button_rows(reply) for b in row]
    assert labels == ["➕ Buy stars", "📅 Subscription"]


def test_status_without_a_subscription_says_none(bot):
    funded_user(0, telegram_id=1007, language="en", first_name="Eve")

    reply = bot.send(TgUser(id=1007), "/status")

    assert reply.params["text"] == (
        "Your account, Eve\nAvailable: 0 ⭐\nHeld for your bids: 0 ⭐\n"
        "Subscription: none"
    )


def test_an_ended_subscription_shows_as_none(bot):
    user = funded_user(0, telegram_id=1008, language="en")
    Subscription.objects.create(
        user=user,
        started_at=timezone.now() - timedelta(days=31),
        ends_at=timezone.now() - timedelta(days=1),
    )

    reply = bot.send(TgUser(id=1008), "/balance")

    assert reply.params["text"].endswith("\nSubscription: none")


def test_balance_shows_the_subscription_in_the_users_language(bot):
    user = funded_user(200, telegram_id=1009, language="ru")
    subscription = subscription_purchase(user=user)

    reply = bot.send(TgUser(id=1009, language_code="ru"), "/balance")

    with translation.override("ru"):
        day = formats.date_format(subscription.ends_at, "DATE_FORMAT")
    assert reply.params["text"].startswith("Ваши звёзды\nДоступно: 100 ⭐")
    assert reply.params["text"].endswith(day)
