"""Checking "Log in with Telegram" data before anyone is logged in or created.

Telegram sends the browser back with `#tgAuthResult=<base64 JSON>`; the callback page
posts it as the form field `tgAuthResult`. The data is trusted only when its hash is
the bot token's HMAC of the other fields and it was signed moments ago (a captured
payload must not work as a permanent password).
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import hmac
import json
import time
from typing import Any

from django.utils.translation import gettext_lazy as _

from auction_bot.errors import DomainError

REQUIRED_FIELDS = ("id", "auth_date", "hash")
# Clocks drift: a login signed a few seconds "in the future" is a skewed clock,
# not an attack; minutes ahead is neither and is refused.
CLOCK_SKEW_SECONDS = 30


class TelegramLoginError(DomainError):
    pass


class TelegramLoginIncomplete(TelegramLoginError):
    def __init__(self) -> None:
        super().__init__(
            _("The Telegram sign-in data is incomplete. Please try again.")
        )


class TelegramLoginUnverified(TelegramLoginError):
    def __init__(self) -> None:
        super().__init__(
            _("The Telegram sign-in data could not be verified. Please try again.")
        )


class TelegramLoginStateUnknown(TelegramLoginError):
    """The sign-in was not started in this browser session, or too long ago."""

    def __init__(self) -> None:
        super().__init__(
            _(
                "This sign-in attempt has expired or was started in another browser."
                " Please try again."
            )
        )


class TelegramLoginExpired(TelegramLoginError):
    def __init__(self) -> None:
        super().__init__(_("The Telegram sign-in data has expired. Please try again."))


def telegram_login_data_decode(tg_auth_result: str) -> dict[str, Any]:
    """`tgAuthResult` is base64 (standard or URL-safe, padding often stripped) of a
    JSON object."""
    if not tg_auth_result:
        raise TelegramLoginIncomplete()
    padded = tg_auth_result + "=" * (-len(tg_auth_result) % 4)
    try:
        raw = base64.b64decode(
            padded.replace("-", "+").replace("_", "/"), validate=True
        )
        data = json.loads(raw)
    except (binascii.Error, ValueError):
        raise TelegramLoginUnverified() from None
    if not isinstance(data, dict):
        raise TelegramLoginUnverified()
    return data


def telegram_login_hash(*, data: dict[str, Any], bot_token: str) -> str:
    """hex(HMAC_SHA256(SHA256(bot_token), data_check_string)), where the
    data_check_string is every field but `hash` as `key=value`, sorted by key."""
    check_string = "\n".join(
        f"{key}={data[key]}" for key in sorted(data) if key != "hash"
    )
    secret = hashlib.sha256(bot_token.encode()).digest()
    return hmac.new(secret, check_string.encode(), hashlib.sha256).hexdigest()


def telegram_login_data_verify(
    *,
    data: dict[str, Any],
    bot_token: str,
    max_age: int,
    now: float | None = None,
) -> dict[str, Any]:
    """Return the data when it is complete, signed by our bot and fresh; raise a
    `TelegramLoginError` that says which of those it is not otherwise."""
    if any(data.get(field) in (None, "") for field in REQUIRED_FIELDS):
        raise TelegramLoginIncomplete()
    # An empty token would make the "signature" computable by anyone.
    if not bot_token:
        raise TelegramLoginUnverified()
    received_hash = data["hash"]
    expected_hash = telegram_login_hash(data=data, bot_token=bot_token)
    if not isinstance(received_hash, str) or not hmac.compare_digest(
        received_hash.lower().encode(), expected_hash.encode()
    ):
        raise TelegramLoginUnverified()
    try:
        auth_date = int(data["auth_date"])
        int(data["id"])
    except (TypeError, ValueError):
        raise TelegramLoginUnverified() from None
    age = (time.time() if now is None else now) - auth_date
    if age > max_age:
        raise TelegramLoginExpired()
    if age < -CLOCK_SKEW_SECONDS:
        raise TelegramLoginUnverified()
    return data
