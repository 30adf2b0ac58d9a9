from __future__ import annotations

import pytest

from telegrambot.botapi import BotAPIForbidden, BotAPIRetryAfter, bot_api_call


def test_the_sync_client_reaches_the_fake_server(fake_botapi):
    message = bot_api_call("sendMessage", chat_id=42, text="hello")

    assert message["text"] == "hello"
    assert fake_botapi.sent_texts(42) == ["hello"]


def test_the_sync_client_turns_errors_into_typed_exceptions(fake_botapi):
    fake_botapi.fail_next(
        "sendMessage",
        error_code=403,
        description="Forbidden: bot was blocked by the user",
    )
    fake_botapi.fail_next(
        "sendMessage", error_code=429, description="Too Many Requests", retry_after=3
    )

    with pytest.raises(BotAPIForbidden):
        bot_api_call("sendMessage", chat_id=1, text="x")
    with pytest.raises(BotAPIRetryAfter) as excinfo:
        bot_api_call("sendMessage", chat_id=1, text="x")
    assert excinfo.value.retry_after == 3
