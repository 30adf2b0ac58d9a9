"""Reads for the bot. Called from handlers through `runtime.run_sync`."""

from __future__ import annotations

from accounts.models import User
from payments.models import Subscription
from payments.selectors import subscription_get_for_user, subscription_is_active


def user_get_by_telegram_id(*, telegram_id: int) -> User | None:
    return User.objects.filter(telegram_id=telegram_id).first()


def account_get_by_telegram_id(
    *, telegram_id: int
) -> tuple[User | None, Subscription | None]:
    """The user and their running subscription (None when there is none, or it
    has ended), read together for /balance, /status and /subscribe."""
    user = user_get_by_telegram_id(telegram_id=telegram_id)
    if user is None or not subscription_is_active(user):
        return user, None
    return user, subscription_get_for_user(user=user)
