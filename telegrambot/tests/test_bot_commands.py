from __future__ import annotations

import pytest

from accounts.models import User
from accounts.tests.factories import UserFactory
from telegrambot.tests.fake_botapi import TgUser

pytestmark = pytest.mark.django_db(transaction=True)


def test_the_command_menu_is_set_at_start_up_in_each_language(bot):
    calls = bot.api.calls_to("setMyCommands")

    by_language = {call.params.get("language_code"): call.params for call in calls}
    assert set(by_language) == {None, "ru", "en", "ar"}
    english = [(c["command"], c["description"]) for c in by_language[None]["commands"]]
    assert english == [
        ("start", "Main menu"),
        ("auctions", "Browse active auctions"),
        ("balance", "Your stars"),
        ("status", "Your account: stars and subscription"),
        ("buy_stars", "Buy stars"),
        ("subscribe", "Subscription for creating auctions"),
        ("paysupport", "Help with a payment"),
        ("help", "What this bot can do"),
    ]
    assert by_language["en"]["commands"] == by_language[None]["commands"]
    russian = {c["command"]: c["description"] for c in by_language["ru"]["commands"]}
    assert list(russian) == [command for command, _description in english]
    assert (russian["start"], russian["balance"], russian["help"]) == (
        "Главное меню",
        "Ваши звёзды",
        "Что умеет этот бот",
    )


def test_help_lists_the_commands_the_bot_has(bot):
    reply = bot.send(TgUser(id=601, language_code="en"), "/help")

    assert reply.params["text"] == (
        "Here is what I can do:\n"
        "/start — Main menu\n"
        "/auctions — Browse active auctions\n"
        "/balance — Your stars\n"
        "/status — Your account: stars and subscription\n"
        "/buy_stars — Buy stars\n"
        "/subscribe — Subscription for creating auctions\n"
        "/paysupport — Help with a payment\n"
        "/help — What this bot can do"
    )


def test_help_answers_in_the_language_the_user_chose(bot):
    UserFactory(telegram_id=602, language="ru")

    reply = bot.send(TgUser(id=602, language_code="en"), "/help")

    assert reply.params["text"].startswith("Вот что я умею:\n/start — Главное меню")


def test_text_the_bot_does_not_understand_gets_pointed_to_help(bot):
    reply = bot.send(TgUser(id=603, language_code="en"), "what is the price of a lot?")

    assert reply.params["text"] == (
        "I did not understand that. Send /help to see what I can do."
    )


def test_an_unknown_command_gets_pointed_to_help_in_russian(bot):
    reply = bot.send(TgUser(id=604, language_code="ru"), "/frobnicate")

    assert reply.params["text"] == (
        "Я не знаю такой команды. Отправьте /help, чтобы увидеть список команд."
    )
    assert not User.objects.exists()  # only /start creates an account


def test_balance_shows_available_and_held_stars(bot):
    user = UserFactory(telegram_id=605, language="en")
    User.objects.filter(pk=user.pk).update(stars_balance=12345, stars_held=50)

    reply = bot.send(TgUser(id=605), "/balance")

    assert reply.params["text"] == (
        "Your stars\nAvailable: 12,345 ⭐\nHeld for your bids: 50 ⭐\n"
        "Subscription: none"
    )


def test_balance_before_start_asks_to_start_first(bot):
    reply = bot.send(TgUser(id=606, language_code="en"), "/balance")

    assert reply.params["text"] == (
        "You have no account here yet. Send /start to create one."
    )


def test_start_then_balance_sent_at_once_are_answered_in_order(bot):
    carol = TgUser(id=607, first_name="Carol", language_code="en")
    mark = bot.api.mark()

    bot.api.send_text(carol, "/start")
    bot.api.send_text(carol, "/balance")

    bot.api.wait_for("sendMessage", lambda p: "Available" in p["text"], after=mark)
    texts = bot.api.sent_texts(carol.id)
    assert texts[0].startswith("Hello, Carol!")
    assert texts[1].startswith("Your stars\nAvailable: 0 ⭐")
