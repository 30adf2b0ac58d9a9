"""Helpers for the auction tests: open a card, read its buttons, press one on it."""

from __future__ import annotations

import itertools
import time
from typing import Any

from telegrambot.tests.conftest import Bot, button_rows
from telegrambot.tests.fake_botapi import Call, TgUser

_query_ids = itertools.count(1)


def open_card(bot: Bot, user: TgUser, auction: Any, *, method: str = "sendMessage"):
    """/start auction_<uuid>, as a deep link brings it; return the card."""
    mark = bot.api.mark()
    bot.api.send_text(user, f"/start auction_{auction.uuid.hex}")
    return bot.reply_to(user, after=mark, method=method)


def labels(call: Call) -> list[list[str]]:
    return [[button["text"] for button in row] for row in button_rows(call)]


def data_of(call: Call, label: str) -> str:
    """The callback data of the button labelled `label`."""
    for row in button_rows(call):
        for button in row:
            if button["text"] == label:
                return button["callback_data"]
    raise AssertionError(f"no button {label!r} in {labels(call)}")


def text_of(call: Call) -> str:
    return call.params.get("text") or call.params.get("caption") or ""


def press_on(
    bot: Bot, user: TgUser, card: Call, data: str, *, message_id: int = 555
) -> tuple[int, Call]:
    """Press a button under `card` (a message the bot sent, kept with its
    buttons, as Telegram does); return the mark before it and the answer."""
    message: dict[str, Any] = {
        "message_id": message_id,
        "date": int(time.time()),
        "chat": user.chat(),
        "from": {"id": bot.api.bot_id, "is_bot": True, "first_name": "Bot"},
    }
    if card.method == "sendPhoto":
        message["photo"] = [
            {"file_id": "photo", "file_unique_id": "photo", "width": 1, "height": 1}
        ]
        message["caption"] = card.params.get("caption", "")
    else:
        message["text"] = card.params.get("text", "")
    if card.params.get("reply_markup"):
        message["reply_markup"] = card.params["reply_markup"]
    return _press(bot, user, data, message)


def press(bot: Bot, user: TgUser, data: str) -> tuple[int, Call]:
    """Press a button under some message that is not a card (a notification)."""
    message = {
        "message_id": 777,
        "date": int(time.time()),
        "chat": user.chat(),
        "from": {"id": bot.api.bot_id, "is_bot": True, "first_name": "Bot"},
        "text": "…",
    }
    return _press(bot, user, data, message)


def _press(
    bot: Bot, user: TgUser, data: str, message: dict[str, Any]
) -> tuple[int, Call]:
    mark = bot.api.mark()
    query_id = f"q{next(_query_ids)}"
    bot.api.push_update(
        {
            "callback_query": {
                "id": query_id,
                "from": user.as_dict(),
                "chat_instance": str(user.id),
                "message": message,
                "data": data,
            }
        }
    )
    answer = bot.api.wait_for(
        "answerCallbackQuery",
        lambda params: params.get("callback_query_id") == query_id,
        after=mark,
    )
    return mark, answer


def edited(bot: Bot, user: TgUser, *, after: int, message_id: int = 555) -> Call:
    """The card as the bot redrew it in place."""
    return bot.api.wait_for(
        "editMessageText",
        lambda params: (
            int(params.get("chat_id", 0)) == user.id
            and int(params.get("message_id", 0)) == message_id
        ),
        after=after,
    )
