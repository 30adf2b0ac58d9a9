"""How the bot's event loop meets Django: ORM calls in worker threads, and updates
processed concurrently across users but in order for each user."""

from __future__ import annotations

import asyncio
import functools
import gc
import weakref
from collections.abc import Awaitable, Callable
from typing import Any, ParamSpec, TypeVar

from asgiref.sync import sync_to_async
from django.db import close_old_connections
from telegram import Update
from telegram.ext import Application, BaseUpdateProcessor

P = ParamSpec("P")
R = TypeVar("R")

# Updates in flight at once; beyond this PTB leaves them in its queue.
MAX_CONCURRENT_UPDATES = 64


async def run_sync(func: Callable[P, R], /, *args: P.args, **kwargs: P.kwargs) -> R:
    """Run a service or selector in a worker thread (the event loop's default
    executor, which bounds how many database connections the bot opens). Every
    handler's database work goes through here.

    Not thread_sensitive: the default would funnel every user's database work through
    one shared thread. Each worker thread keeps its own connection, so it is treated
    like a request: stale or broken connections are dropped before and after the call,
    as Django does around a request, honouring CONN_MAX_AGE.
    """
    return await sync_to_async(_with_fresh_connections(func), thread_sensitive=False)(
        *args, **kwargs
    )


def _with_fresh_connections(func: Callable[P, R]) -> Callable[P, R]:
    @functools.wraps(func)
    def wrapper(*args: P.args, **kwargs: P.kwargs) -> R:
        close_old_connections()
        try:
            return func(*args, **kwargs)
        finally:
            close_old_connections()

    return wrapper


async def db_threads_stop(application: Application) -> None:
    """post_shutdown: join run_sync's worker threads (the loop's default executor)
    and close the database connections they leave behind, so a stopped bot holds no
    session open on the server. A finished thread's connection sits in a reference
    cycle and would otherwise close only whenever the garbage collector next runs."""
    await asyncio.get_running_loop().shutdown_default_executor()
    gc.collect()


class PerUserUpdateProcessor(BaseUpdateProcessor):
    """Updates from different users run concurrently; updates from one user run one
    after another, in the order Telegram sent them, so a double tap or a quick second
    command never overtakes the first."""

    def __init__(self, max_concurrent_updates: int = MAX_CONCURRENT_UPDATES) -> None:
        super().__init__(max_concurrent_updates)
        # Weak values: a lock lives while some update of that user holds or awaits it.
        # (A waiting update already holds one of the max_concurrent_updates slots.)
        self._locks: weakref.WeakValueDictionary[int, asyncio.Lock] = (
            weakref.WeakValueDictionary()
        )

    async def do_process_update(
        self, update: object, coroutine: Awaitable[Any]
    ) -> None:
        key = _ordering_key(update)
        if key is None:
            await coroutine
            return
        lock = self._locks.get(key)
        if lock is None:
            lock = self._locks[key] = asyncio.Lock()
        async with lock:
            await coroutine

    async def initialize(self) -> None:
        pass

    async def shutdown(self) -> None:
        pass


def _ordering_key(update: object) -> int | None:
    if not isinstance(update, Update):
        return None
    if update.effective_user is not None:
        return update.effective_user.id
    if update.effective_chat is not None:
        return update.effective_chat.id
    return None
