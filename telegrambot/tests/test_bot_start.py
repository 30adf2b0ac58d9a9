from __future__ import annotations

import logging

import pytest

from accounts.models import User
from accounts.tests.factories import UserFactory
from telegrambot.tests.conftest import button_rows
from telegrambot.tests.fake_botapi import TgUser

pytestmark = pytest.mark.django_db(transaction=True)


def test_start_from_a_new_russian_user_creates_them_and_greets_in_russian(bot):
    ivan = TgUser(id=501, first_name="Иван", username="ivan", language_code="ru")

    reply = bot.send(ivan, "/start")

    assert reply.params["text"].startswith("Здравствуйте, Иван! Это Bot-Auction")
    labels = [button["text"] for row in button_rows(reply) for button in row]
    assert labels == ["⭐ Баланс", "❓ Помощь"]
    user = User.objects.get(telegram_id=501)
    assert user.telegram_username == "ivan"
    assert user.first_name == "Иван"
    assert user.language == "ru"


def test_start_from_a_new_english_user_greets_in_english_with_a_working_menu(bot):
    alice = TgUser(id=502, first_name="Alice", username="alice", language_code="en-US")

    reply = bot.send(alice, "/start")

    assert reply.params["text"].startswith("Hello, Alice! This is Bot-Auction")
    buttons = [button for row in button_rows(reply) for button in row]
    assert [b["text"] for b in buttons] == ["⭐ Balance", "❓ Help"]
    assert [b["callback_data"] for b in buttons] == ["v1:menu:balance", "v1:menu:help"]
    assert User.objects.get(telegram_id=502).language == "en"


def test_a_language_telegram_does_not_know_here_falls_back_to_english(bot):
    reply = bot.send(TgUser(id=503, first_name="Hans", language_code="de"), "/start")

    assert reply.params["text"].startswith("Hello, Hans!")


def test_start_twice_keeps_one_user_and_refreshes_the_username(bot):
    alice = TgUser(id=504, first_name="Alice", username="alice", language_code="en")
    bot.send(alice, "/start")

    alice.username = "alice_renamed"
    reply = bot.send(alice, "/start")

    assert reply.params["text"].startswith("Hello, Alice!")
    assert User.objects.filter(telegram_id=504).count() == 1
    assert User.objects.get(telegram_id=504).telegram_username == "alice_renamed"


def test_start_finds_the_user_who_first_signed_up_on_the_web(bot):
    web_user = UserFactory(telegram_id=505, username="web_boris", language="ru")
    # Telegram reports English, but the language chosen on the site wins.
    boris = TgUser(id=505, first_name="Boris", username="boris", language_code="en")

    reply = bot.send(boris, "/start")

    assert reply.params["text"].startswith("Здравствуйте, Boris!")
    assert User.objects.filter(telegram_id=505).get().pk == web_user.pk
    assert User.objects.count() == 1


def test_the_menu_offers_the_site_only_when_it_is_served_over_https(bot, settings):
    alice = TgUser(id=506, first_name="Alice", language_code="en")
    settings.BASE_URL = "http://127.0.0.1:8000"
    plain = bot.send(alice, "/start")

    settings.BASE_URL = "https://auction.example.com"
    public = bot.send(alice, "/start")

    assert len(button_rows(plain)) == 1
    assert button_rows(public)[1] == [
        {"text": "🌐 Open the site", "url": "https://auction.example.com"}
    ]


@pytest.mark.parametrize(
    "payload",
    [
        "auction_0b6f3a527c1e4d439a552d1f0c7e9b10",
        "buy_0",
        "auction_nope",
        "x" * 64,
    ],
)
def test_a_start_with_a_deep_link_greets_like_a_plain_start(bot, caplog, payload):
    caplog.set_level(logging.INFO, logger="telegrambot")
    alice = TgUser(id=507, first_name="Alice", language_code="en")

    reply = bot.send(alice, f"/start {payload}")

    assert reply.params["text"].startswith("Hello, Alice!")
    assert User.objects.filter(telegram_id=507).count() == 1
    logged = [r.deep_link for r in caplog.records if hasattr(r, "deep_link")]
    valid = payload.startswith("auction_") and payload != "auction_nope"
    assert logged == ([payload] if valid else [])
