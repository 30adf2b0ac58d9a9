"""Bot fixtures: the real Application, built by `build_application`, polling the fake
Bot API over HTTP from its own thread and event loop, as `runbot` does."""

from __future__ import annotations

import asyncio
import threading
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

import pytest
from telegram.ext import Application

from telegrambot.app import POLLING_OPTIONS, build_application
from telegrambot.tests.fake_botapi import Call, FakeBotAPI, TgUser


class BotThread(threading.Thread):
    """Runs the Application through the same steps, in the same order, as
    `Application.run_polling`, but stops on request instead of on a signal (signals
    reach only the main thread)."""

    def __init__(self, application: Application) -> None:
        super().__init__(name="bot", daemon=True)
        self.application = application
        self.ready = threading.Event()
        self.failure: BaseException | None = None
        self._loop: asyncio.AbstractEventLoop | None = None
        self._stop_requested: asyncio.Event | None = None

    def run(self) -> None:
        try:
            asyncio.run(self._main())
        except BaseException as exc:  # reported to the test by start()/stop()
            self.failure = exc
        finally:
            self.ready.set()

    async def _main(self) -> None:
        app = self.application
        self._loop = asyncio.get_running_loop()
        self._stop_requested = asyncio.Event()
        await app.initialize()
        try:
            if app.post_init:
                await app.post_init(app)
            assert app.updater is not None
            await app.updater.start_polling(**POLLING_OPTIONS)
            await app.start()
            self.ready.set()
            await self._stop_requested.wait()
        finally:
            if app.updater is not None and app.updater.running:
                await app.updater.stop()
            if app.running:
                await app.stop()
                if app.post_stop:
                    await app.post_stop(app)
            await app.shutdown()
            if app.post_shutdown:
                await app.post_shutdown(app)

    def start_and_wait(self, timeout: float = 10) -> None:
        self.start()
        if not self.ready.wait(timeout):
            raise AssertionError("the bot did not start")
        if self.failure is not None:
            raise AssertionError("the bot failed to start") from self.failure

    def stop(self, timeout: float = 15) -> None:
        if (
            self._loop is not None
            and self._stop_requested is not None
            and self.is_alive()
        ):
            self._loop.call_soon_threadsafe(self._stop_requested.set)
        self.join(timeout)
        if self.is_alive():
            raise AssertionError("the bot did not stop")
        if self.failure is not None:
            raise AssertionError("the bot failed") from self.failure


@dataclass
class Bot:
    """The running bot as a Telegram user sees it."""

    api: FakeBotAPI
    application: Application

    def send(self, user: TgUser, text: str, **wait: Any) -> Call:
        """Send `text` as `user`; return the bot's reply (its next sendMessage)."""
        mark = self.api.mark()
        self.api.send_text(user, text)
        return self.reply_to(user, after=mark, **wait)

    def press(self, user: TgUser, data: str) -> tuple[int, Call]:
        """Press an inline button; return the mark before it and the bot's
        answerCallbackQuery."""
        mark = self.api.mark()
        update = self.api.press_button(user, data)
        query_id = update["callback_query"]["id"]
        answer = self.api.wait_for(
            "answerCallbackQuery",
            lambda params: params.get("callback_query_id") == query_id,
            after=mark,
        )
        return mark, answer

    def reply_to(
        self,
        user: TgUser,
        *,
        after: int,
        method: str = "sendMessage",
        timeout: float = 10,
    ) -> Call:
        return self.api.wait_for(
            method,
            lambda params: int(params.get("chat_id", 0)) == user.id,
            after=after,
            timeout=timeout,
        )


@pytest.fixture
def bot(fake_botapi: FakeBotAPI) -> Iterator[Bot]:
    application = build_application(base_url_root=fake_botapi.root)
    thread = BotThread(application)
    thread.start_and_wait()
    try:
        yield Bot(fake_botapi, application)
    finally:
        thread.stop()


def button_rows(call: Call) -> list[list[dict[str, Any]]]:
    return (call.params.get("reply_markup") or {}).get("inline_keyboard", [])
