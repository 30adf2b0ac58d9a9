"""Inline keyboards. Build them inside `i18n.use_language(...)`: labels are lazy."""

from __future__ import annotations

from collections.abc import Sequence
from urllib.parse import urlsplit

from django.conf import settings
from telegram import InlineKeyboardButton, InlineKeyboardMarkup

from payments.models import Payment

from . import callback_data, texts
from .i18n import day, number


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
    if is_public_https(settings.BASE_URL):
        rows.append(
            [InlineKeyboardButton(str(texts.BUTTON_SITE), url=settings.BASE_URL)]
        )
    return InlineKeyboardMarkup(rows)


def is_public_https(url: str) -> bool:
    parts = urlsplit(url)
    host = (parts.hostname or "").lower()
    return (
        parts.scheme == "https"
        and host not in ("", "localhost")
        and not host.startswith("127.")
    )


def _button(
    label: object, button: callback_data.Button, arg: str | int = ""
) -> InlineKeyboardButton:
    return InlineKeyboardButton(
        str(label), callback_data=callback_data.callback_data_encode(button, arg)
    )


def account_actions() -> InlineKeyboardMarkup:
    """Under /balance and /status: what a user usually does next."""
    return InlineKeyboardMarkup(
        [
            [
                _button(texts.BUTTON_BUY_STARS, callback_data.MENU_BUY),
                _button(texts.BUTTON_SUBSCRIBE_INFO, callback_data.MENU_SUBSCRIBE),
            ]
        ]
    )


def buy_stars_button() -> InlineKeyboardMarkup:
    return InlineKeyboardMarkup(
        [[_button(texts.BUTTON_BUY_STARS, callback_data.MENU_BUY)]]
    )


def buy_menu(*, packages: Sequence[int], with_card: bool) -> InlineKeyboardMarkup:
    rows = []
    for stars in packages:
        row = [_button(f"{number(stars)} ⭐", callback_data.BUY_STARS, stars)]
        if with_card:
            label = texts.BUTTON_BUY_CARD % {"count": number(stars)}
            row.append(_button(label, callback_data.BUY_CARD, stars))
        rows.append(row)
    rows.append([_button(texts.BUTTON_BUY_OTHER, callback_data.BUY_OTHER)])
    return InlineKeyboardMarkup(rows)


def payment_method(stars: int) -> InlineKeyboardMarkup:
    """Stars or card, for an amount the user typed."""
    count = number(stars)
    return InlineKeyboardMarkup(
        [
            [
                _button(
                    texts.BUTTON_BUY_STARS_METHOD % {"count": count},
                    callback_data.BUY_STARS,
                    stars,
                )
            ],
            [
                _button(
                    texts.BUTTON_BUY_CARD % {"count": count},
                    callback_data.BUY_CARD,
                    stars,
                )
            ],
        ]
    )


def subscribe(*, price: int, active: bool) -> InlineKeyboardMarkup:
    label = texts.BUTTON_SUBSCRIBE_EXTEND if active else texts.BUTTON_SUBSCRIBE
    return InlineKeyboardMarkup(
        [[_button(label % {"price": number(price)}, callback_data.SUBSCRIBE)]]
    )


def support_payments(payments: Sequence[Payment]) -> InlineKeyboardMarkup:
    rows = [
        [
            _button(
                texts.BUTTON_SUPPORT_PAYMENT
                % {
                    "date": day(payment.paid_at or payment.created_at),
                    "count": number(payment.amount_stars),
                    "id": payment.pk,
                },
                callback_data.SUPPORT_PAYMENT,
                payment.pk,
            )
        ]
        for payment in payments
    ]
    rows.append([_button(texts.BUTTON_SUPPORT_OTHER, callback_data.SUPPORT_OTHER)])
    return InlineKeyboardMarkup(rows)
