"""Replies in the user's language: their choice on the site, else the language their
Telegram app reports (SPEC §10)."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from datetime import datetime

from django.utils import formats, timezone, translation
from django.utils.functional import Promise
from telegram import User as TelegramUser

from accounts.models import User
from accounts.services import language_from_telegram

from .runtime import run_sync
from .selectors import user_get_by_telegram_id


@contextmanager
def use_language(language: str) -> Iterator[None]:
    """Translations inside this block are in `language`. Django keeps the active
    language in a context variable under asyncio, so concurrent updates in other
    languages do not leak into each other."""
    with translation.override(language):
        yield


def render(language: str, message: str | Promise, **params: object) -> str:
    with use_language(language):
        text = str(message)
        return text % params if params else text


def number(value: int) -> str:
    """A whole number grouped the way the active language writes it (12,345 or
    12 345); call it inside `use_language`."""
    return formats.number_format(value, force_grouping=True)


def day(value: datetime) -> str:
    """The calendar day of a moment, written the way the active language writes
    dates ("March 5, 2026", "5 марта 2026 г."); call it inside `use_language`."""
    return formats.date_format(timezone.localtime(value), "DATE_FORMAT")


def user_language(user: User | None, telegram_user: TelegramUser | None) -> str:
    if user is not None:
        return user.preferred_language
    return language_from_telegram(
        telegram_user.language_code if telegram_user else None
    )


async def language_for(telegram_user: TelegramUser | None) -> str:
    """The language for a Telegram user, reading their account when they have one."""
    if telegram_user is None:
        return language_from_telegram(None)
    user = await run_sync(user_get_by_telegram_id, telegram_id=telegram_user.id)
    return user_language(user, telegram_user)
