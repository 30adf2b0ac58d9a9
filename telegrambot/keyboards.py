"""Inline keyboards. Build them inside `i18n.use_language(...)`: labels are lazy."""

from __future__ import annotations

from urllib.parse import urlsplit

from django.conf import settings
from telegram import InlineKeyboardButton, InlineKeyboardMarkup

from . import callback_data, texts


def main_menu() -> InlineKeyboardMarkup:
    rows = [
        [
            InlineKeyboardButton(
                str(texts.BUTTON_BALANCE),
                callback_data=callback_data.callback_data_encode(
                    callback_data.MENU_BALANCE
                ),
            ),
            InlineKeyboardButton(
                str(texts.BUTTON_HELP),
                callback_data=callback_data.callback_data_encode(
                    callback_data.MENU_HELP
                ),
            ),
        ]
    ]
    # Telegram refuses URL buttons to http:// or localhost addresses, and one bad
    # button fails the whole message: offer the site only when it is public.
    if _is_public_https(settings.BASE_URL):
        rows.append(
            [InlineKeyboardButton(str(texts.BUTTON_SITE), url=settings.BASE_URL)]
        )
    return InlineKeyboardMarkup(rows)


def _is_public_https(url: str) -> bool:
    parts = urlsplit(url)
    host = (parts.hostname or "").lower()
    return (
        parts.scheme == "https"
        and host not in ("", "localhost")
        and not host.startswith("127.")
    )
