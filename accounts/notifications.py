"""The catalogue of notification kinds: what each one says to its recipient.

A producer writes an outbox row with `accounts.services.notify(recipient=...,
kind=..., payload=...)`; the delivery worker renders it here, inside the
recipient's language, at send time. A kind is one small function registered with
`@notification_kind("name")` that takes the JSON payload and the recipient and
returns the text (or a `Message` with a keyboard). Later features add their kinds
next to the code that produces them, as long as that module is imported when
Django starts (an app's `models` or `services` module is).

Messages are plain text (no parse_mode), so titles and names that users typed need
no escaping.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from django.core.exceptions import ImproperlyConfigured
from django.utils import formats, timezone, translation
from django.utils.dateparse import parse_datetime
from django.utils.translation import gettext, ngettext

if TYPE_CHECKING:
    from .models import User

# Telegram refuses longer texts with a 400, which would fail the notification.
TELEGRAM_TEXT_LIMIT = 4096


@dataclass(frozen=True)
class Message:
    text: str
    # An InlineKeyboardMarkup as the Bot API takes it: {"inline_keyboard": [[...]]}.
    reply_markup: dict[str, Any] | None = None


Renderer = Callable[[Mapping[str, Any], "User"], "str | Message"]

_KINDS: dict[str, Renderer] = {}


class UnknownNotificationKind(LookupError):
    pass


class NotificationRenderError(ValueError):
    """The payload does not fit its kind (a missing or malformed parameter)."""


def notification_kind(name: str) -> Callable[[Renderer], Renderer]:
    def register(render: Renderer) -> Renderer:
        if name in _KINDS:
            raise ImproperlyConfigured(
                f"notification kind {name!r} is registered twice"
            )
        _KINDS[name] = render
        return render

    return register


def notification_kind_unregister(name: str) -> None:
    """For tests that register a kind of their own."""
    _KINDS.pop(name, None)


def notification_kinds() -> list[str]:
    return sorted(_KINDS)


def notification_render(
    *, kind: str, payload: Mapping[str, Any], recipient: User
) -> Message:
    """Render in the recipient's language. Raises UnknownNotificationKind or
    NotificationRenderError; both are permanent, retrying cannot fix them."""
    try:
        render = _KINDS[kind]
    except KeyError:
        raise UnknownNotificationKind(f"unknown notification kind {kind!r}") from None
    with translation.override(recipient.preferred_language):
        try:
            result = render(payload, recipient)
        except (KeyError, TypeError, ValueError) as exc:
            raise NotificationRenderError(
                f"payload does not fit kind {kind!r}: {exc.__class__.__name__}: {exc}"
            ) from exc
        message = result if isinstance(result, Message) else Message(text=str(result))
        text = str(message.text)
    if len(text) > TELEGRAM_TEXT_LIMIT:
        text = text[: TELEGRAM_TEXT_LIMIT - 1] + "…"
    return Message(text=text, reply_markup=message.reply_markup)


def _date(value: str) -> str:
    """A payload carries datetimes as ISO 8601 strings (JSON has no dates)."""
    moment = parse_datetime(value)
    if moment is None:
        raise ValueError(f"not an ISO 8601 datetime: {value!r}")
    if timezone.is_naive(moment):
        raise ValueError(f"naive datetime: {value!r}")
    return formats.date_format(timezone.localtime(moment), "DATE_FORMAT")


# -- accounts ---------------------------------------------------------------------


@notification_kind("welcome")
def _welcome(payload: Mapping[str, Any], recipient: User) -> str:
    return gettext(
        "Welcome to Bot-Auction, %(name)s! Bid on auctions, sell your own and get "
        "told here when something happens. Send /help to see what I can do."
    ) % {"name": recipient.display_name}


@notification_kind("test")
def _test(payload: Mapping[str, Any], recipient: User) -> str:
    return gettext("This is a test notification from Bot-Auction.")


# -- payments ---------------------------------------------------------------------


@notification_kind("payment_credited")
def _payment_credited(payload: Mapping[str, Any], recipient: User) -> str:
    """payload: {"amount": int stars credited, "balance": int available after (optional)}"""
    amount = int(payload["amount"])
    text = ngettext(
        "%(amount)d star was credited to your balance.",
        "%(amount)d stars were credited to your balance.",
        amount,
    ) % {"amount": amount}
    if "balance" in payload:
        balance = int(payload["balance"])
        text += "\n" + ngettext(
            "Your balance: %(balance)d star.",
            "Your balance: %(balance)d stars.",
            balance,
        ) % {"balance": balance}
    return text


@notification_kind("refund")
def _refund(payload: Mapping[str, Any], recipient: User) -> str:
    """payload: {"payment_id": int, "amount_stars": int stars refunded}"""
    amount = int(payload["amount_stars"])
    return ngettext(
        "Your payment of %(amount)d star was refunded to your Telegram account.",
        "Your payment of %(amount)d stars was refunded to your Telegram account.",
        amount,
    ) % {"amount": amount}


@notification_kind("subscription_expiring")
def _subscription_expiring(payload: Mapping[str, Any], recipient: User) -> str:
    """payload: {"ends_at": ISO 8601 datetime with a UTC offset}"""
    return gettext(
        "Your subscription ends on %(date)s. Renew it with /subscribe to keep "
        "creating auctions."
    ) % {"date": _date(payload["ends_at"])}


@notification_kind("subscription_expired")
def _subscription_expired(payload: Mapping[str, Any], recipient: User) -> str:
    return gettext(
        "Your subscription has ended. Renew it with /subscribe to create new auctions."
    )
