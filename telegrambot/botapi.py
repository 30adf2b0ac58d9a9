"""A small synchronous Bot API client for code outside the bot's event loop (Celery
workers, web views). It honours TELEGRAM_API_BASE_URL like the bot does: every call is
POST {root}/bot{token}/{method} with a JSON body."""

from __future__ import annotations

import logging
from typing import Any

import httpx
from django.conf import settings

logger = logging.getLogger(__name__)

TIMEOUT = httpx.Timeout(10.0, connect=5.0)


class BotAPIError(Exception):
    """A failed Bot API call. `retriable` tells a caller whether trying again later
    can help (network faults, 5xx, 429) or not (a bad request, a blocked bot)."""

    retriable = True

    def __init__(
        self,
        description: str,
        *,
        error_code: int | None = None,
        retry_after: int | None = None,
    ) -> None:
        super().__init__(description)
        self.description = description
        self.error_code = error_code
        self.retry_after = retry_after


class BotAPIBadRequest(BotAPIError):
    retriable = False


class BotAPIForbidden(BotAPIError):
    """403: the user blocked the bot (or never started it)."""

    retriable = False


class BotAPIRetryAfter(BotAPIError):
    """429: flood control; wait `retry_after` seconds."""


class BotAPINotConfigured(BotAPIError):
    retriable = False


def bot_api_url(method: str) -> str:
    return f"{settings.TELEGRAM_API_BASE_URL}/bot{settings.TELEGRAM_BOT_TOKEN}/{method}"


def bot_api_call(method: str, **params: Any) -> Any:
    """Call one Bot API method and return its `result`, or raise a BotAPIError."""
    if not settings.TELEGRAM_BOT_TOKEN:
        raise BotAPINotConfigured("TELEGRAM_BOT_TOKEN is not set")
    body = {key: value for key, value in params.items() if value is not None}
    try:
        response = httpx.post(bot_api_url(method), json=body, timeout=TIMEOUT)
    except httpx.HTTPError as exc:
        raise BotAPIError(f"{method}: {exc.__class__.__name__}: {exc}") from exc
    try:
        data = response.json()
    except ValueError as exc:
        raise BotAPIError(
            f"{method}: HTTP {response.status_code} without a JSON body",
            error_code=response.status_code,
        ) from exc
    if data.get("ok"):
        return data.get("result")
    code = data.get("error_code", response.status_code)
    description = data.get("description", "unknown error")
    retry_after = (data.get("parameters") or {}).get("retry_after")
    logger.warning(
        "bot api call failed",
        extra={"method": method, "error_code": code, "description": description},
    )
    if code == 429:
        raise BotAPIRetryAfter(description, error_code=code, retry_after=retry_after)
    if code == 403:
        raise BotAPIForbidden(description, error_code=code)
    if code in (400, 401, 404):
        raise BotAPIBadRequest(description, error_code=code)
    raise BotAPIError(description, error_code=code)
