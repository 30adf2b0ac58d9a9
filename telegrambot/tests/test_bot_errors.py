from __future__ import annotations

import logging

import pytest

from accounts.models import User
from auction_bot.logging import ContextFilter
from telegrambot.handlers import start
from telegrambot.tests.fake_botapi import TgUser

pytestmark = pytest.mark.django_db(transaction=True)


def broken_service(**kwargs):
    raise RuntimeError("the database fell over")


def test_a_failing_handler_is_logged_with_the_update_id_and_the_user_gets_an_apology(
    bot, monkeypatch, caplog
):
    monkeypatch.setattr(start, "user_get_or_create_from_telegram", broken_service)
    caplog.handler.addFilter(ContextFilter())
    ivan = TgUser(id=801, language_code="ru")
    mark = bot.api.mark()

    update = bot.api.send_text(ivan, "/start")

    reply = bot.reply_to(ivan, after=mark)
    assert reply.params["text"] == (
        "Извините, у нас что-то пошло не так. Попробуйте ещё раз через минуту."
    )
    failures = [r for r in caplog.records if r.getMessage() == "update failed"]
    assert [r.update_id for r in failures] == [update["update_id"]]
    assert "the database fell over" in caplog.text


def test_a_failing_button_gets_the_apology_as_its_answer(bot, monkeypatch):
    def broken_selector(**kwargs):
        raise RuntimeError("boom")

    monkeypatch.setattr(
        "telegrambot.handlers.balance.account_get_by_telegram_id", broken_selector
    )

    mark, _answer = bot.press(TgUser(id=802, language_code="en"), "v1:menu:balance")

    reply = bot.reply_to(TgUser(id=802), after=mark)
    assert reply.params["text"] == (
        "Sorry, something went wrong on our side. Please try again in a minute."
    )


def test_a_user_who_blocked_the_bot_gets_no_apology(bot, caplog):
    caplog.set_level(logging.INFO, logger="telegrambot")
    bot.api.fail_next(
        "sendMessage",
        error_code=403,
        description="Forbidden: bot was blocked by the user",
    )
    mark = bot.api.mark()

    frank = TgUser(id=803, language_code="en")
    bot.api.send_text(frank, "/start")

    bot.api.wait_for("sendMessage", after=mark)
    # One user's updates are handled in order: once the next one is answered, the
    # first is finished, and nothing more was sent for it.
    bot.send(frank, "/help")
    assert len(bot.api.calls_to("sendMessage")) == 2
    assert "the user blocked the bot" in caplog.text
    assert User.objects.filter(telegram_id=803).exists()
