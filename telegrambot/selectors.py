"""Reads for the bot. Called from handlers through `runtime.run_sync`."""

from __future__ import annotations

from accounts.models import User


def user_get_by_telegram_id(*, telegram_id: int) -> User | None:
    return User.objects.filter(telegram_id=telegram_id).first()
