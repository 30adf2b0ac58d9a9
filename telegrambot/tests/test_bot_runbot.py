from __future__ import annotations

import asyncio
import threading

import pytest
from django.core.management import CommandError, call_command
from telegram.ext import CommandHandler

from accounts.models import User
from telegrambot import app as bot_app
from telegrambot.management.commands import runbot
from telegrambot.tests.fake_botapi import TgUser


def test_runbot_without_a_token_exits_with_a_clear_message(settings):
    settings.TELEGRAM_BOT_TOKEN = ""

    with pytest.raises(CommandError, match="TELEGRAM_BOT_TOKEN is not set"):
        call_command("runbot")


@pytest.mark.django_db(transaction=True)
def test_runbot_polls_the_configured_bot_api_and_answers_start(
    fake_botapi, monkeypatch
):
    def build_with_a_stop_command(**kwargs):
        application = bot_app.build_application(**kwargs)

        # Lets the test stop run_polling the way a signal would, from inside the loop.
        async def stop(update, context):
            context.application.stop_running()

        application.add_handler(CommandHandler("test_stop", stop), group=-2)
        return application

    monkeypatch.setattr(runbot, "build_application", build_with_a_stop_command)
    alice = TgUser(id=901, first_name="Alice", language_code="en")

    def play_the_user():
        try:
            fake_botapi.wait_for("getUpdates")
            fake_botapi.send_text(alice, "/start")
            fake_botapi.wait_for("sendMessage")
        finally:
            fake_botapi.send_text(alice, "/test_stop")

    user_thread = threading.Thread(target=play_the_user, daemon=True)
    user_thread.start()
    # run_polling runs here, in the main thread, where it can own the stop signals;
    # it closes its loop when done, so it gets a fresh one and leaves none behind.
    asyncio.set_event_loop(asyncio.new_event_loop())
    try:
        call_command("runbot")
    finally:
        asyncio.set_event_loop(None)
    user_thread.join(5)

    assert fake_botapi.sent_texts(901)[0].startswith("Hello, Alice!")
    assert User.objects.filter(telegram_id=901).exists()
    assert len(fake_botapi.calls_to("setMyCommands")) == 4
    assert fake_botapi.calls_to("deleteWebhook")
