from __future__ import annotations

import pytest

from accounts.models import User
from accounts.tests.factories import UserFactory
from telegrambot.tests.fake_botapi import TgUser

pytestmark = pytest.mark.django_db(transaction=True)


def test_the_balance_button_answers_the_press_and_shows_the_stars(bot):
    user = UserFactory(telegram_id=701, language="ru")
    User.objects.filter(pk=user.pk).update(stars_balance=1500)
    dasha = TgUser(id=701, language_code="ru")

    mark, answer = bot.press(dasha, "v1:menu:balance")

    assert "text" not in answer.params
    reply = bot.reply_to(dasha, after=mark)
    assert reply.params["text"].startswith("Ваши звёзды\nДоступно: 1\xa0500 ⭐")


def test_the_help_button_shows_the_help(bot):
    mark, _answer = bot.press(TgUser(id=702, language_code="en"), "v1:menu:help")

    reply = bot.reply_to(TgUser(id=702), after=mark)
    assert reply.params["text"].startswith("Here is what I can do:")


@pytest.mark.parametrize(
    "data",
    [
        "v0:menu:balance",  # an older version of the bot
        "v1:menu:withdraw",  # no such button
        "v1:menu:balance:7",  # an argument this button does not take
        "v1:menu",
        "garbage",
    ],
)
def test_a_stale_or_forged_button_gets_a_polite_answer_and_changes_nothing(bot, data):
    UserFactory(telegram_id=703, language="en")
    eve = TgUser(id=703)

    mark, answer = bot.press(eve, data)

    assert answer.params["text"] == (
        "This button is out of date. Send /start for a fresh menu."
    )
    done = [call.method for call in bot.api.calls[mark:] if call.method != "getUpdates"]
    assert done == ["answerCallbackQuery"]
