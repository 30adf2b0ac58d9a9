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

import uuid
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from django.conf import settings
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


# -- auctions ---------------------------------------------------------------------
# Every auction payload carries "auction" (its uuid) and "title"; the texts end
# with the web link, and a button opens it.


def _auction_link(payload: Mapping[str, Any]) -> str:
    return f"{settings.BASE_URL}/auction/{uuid.UUID(str(payload['auction']))}"


def _auction_message(
    payload: Mapping[str, Any], text: str, button: str, *, bid: int | None = None
) -> Message:
    """The text with the web link under it. Buttons: the web page when the site is
    public; otherwise (Telegram refuses a URL button to a local address, and the
    whole message with it), or when a `bid` is offered, the bot's own buttons:
    bid that amount, open the auction's card, and the web page if public."""
    from telegrambot.auction_cards import notice_reply_markup
    from telegrambot.keyboards import is_public_https

    link = _auction_link(payload)
    if bid is None and is_public_https(link):
        markup = {"inline_keyboard": [[{"text": button, "url": link}]]}
    else:
        markup = notice_reply_markup(
            auction_uuid=uuid.UUID(str(payload["auction"])), bid_amount=bid
        )
    return Message(text=f"{text}\n{link}", reply_markup=markup)


def _stars(amount: Any) -> str:
    amount = int(amount)
    return ngettext("%(count)d star", "%(count)d stars", amount) % {"count": amount}


@notification_kind("auction_outbid")
def _auction_outbid(payload: Mapping[str, Any], recipient: User) -> Message:
    """payload: {"auction", "title", "price": int, "next_bid": int}"""
    text = gettext(
        "You have been outbid on “%(title)s”: the price is now %(price)s. "
        "Bid %(next_bid)s or more to lead again."
    ) % {
        "title": payload["title"],
        "price": _stars(payload["price"]),
        "next_bid": _stars(payload["next_bid"]),
    }
    return _auction_message(
        payload, text, gettext("Open the auction"), bid=int(payload["next_bid"])
    )


@notification_kind("auction_new_bid")
def _auction_new_bid(payload: Mapping[str, Any], recipient: User) -> Message:
    """payload: {"auction", "title", "bids": int, "price": int (absent for sealed
    bids)}"""
    if "price" in payload:
        text = gettext(
            "New bid on your auction “%(title)s”: the price is now %(price)s."
        )
        text %= {"title": payload["title"], "price": _stars(payload["price"])}
    else:
        bids = int(payload["bids"])
        text = ngettext(
            "A sealed bid arrived on your auction “%(title)s” (%(bids)d bid so far).",
            "A sealed bid arrived on your auction “%(title)s” (%(bids)d bids so far).",
            bids,
        ) % {"title": payload["title"], "bids": bids}
    return _auction_message(payload, text, gettext("Open the auction"))


@notification_kind("auction_extended")
def _auction_extended(payload: Mapping[str, Any], recipient: User) -> Message:
    """payload: {"auction", "title", "ends_at": ISO 8601, "extensions_left": int,
    "max_extensions": int}"""
    moment = parse_datetime(payload["ends_at"])
    if moment is None or timezone.is_naive(moment):
        raise ValueError(f"not an aware ISO 8601 datetime: {payload['ends_at']!r}")
    text = gettext(
        "A late bid extended “%(title)s”: it now ends at %(ends_at)s "
        "(extensions left: %(left)d of %(max)d)."
    ) % {
        "title": payload["title"],
        "ends_at": formats.date_format(timezone.localtime(moment), "DATETIME_FORMAT"),
        "left": int(payload["extensions_left"]),
        "max": int(payload["max_extensions"]),
    }
    return _auction_message(payload, text, gettext("Open the auction"))


@notification_kind("auction_won")
def _auction_won(payload: Mapping[str, Any], recipient: User) -> Message:
    """payload: {"auction", "title", "price": int}"""
    text = gettext(
        "You won “%(title)s” for %(price)s. The stars have been paid to the seller."
    ) % {"title": payload["title"], "price": _stars(payload["price"])}
    return _auction_message(payload, text, gettext("Open the auction"))


@notification_kind("auction_lost")
def _auction_lost(payload: Mapping[str, Any], recipient: User) -> Message:
    """payload: {"auction", "title", "price": int}"""
    text = gettext(
        "“%(title)s” went to another bidder for %(price)s. "
        "Your held stars are available again."
    ) % {"title": payload["title"], "price": _stars(payload["price"])}
    return _auction_message(payload, text, gettext("Open the auction"))


@notification_kind("auction_sold")
def _auction_sold(payload: Mapping[str, Any], recipient: User) -> Message:
    """payload: {"auction", "title", "price": int, "proceeds": int (after the
    platform fee)}"""
    text = gettext(
        "Your auction “%(title)s” sold for %(price)s. "
        "%(proceeds)s (after the platform fee) were added to your balance."
    ) % {
        "title": payload["title"],
        "price": _stars(payload["price"]),
        "proceeds": _stars(payload["proceeds"]),
    }
    return _auction_message(payload, text, gettext("Open the auction"))


@notification_kind("auction_no_winner")
def _auction_no_winner(payload: Mapping[str, Any], recipient: User) -> Message:
    """payload: {"auction", "title"} — to the seller of an auction nobody bid on."""
    text = gettext("Your auction “%(title)s” ended without a winner: nobody bid.") % {
        "title": payload["title"]
    }
    return _auction_message(payload, text, gettext("Open the auction"))


@notification_kind("auction_reserve_not_met")
def _auction_reserve_not_met(payload: Mapping[str, Any], recipient: User) -> Message:
    """payload: {"auction", "title", "role": "seller" | "bidder"}"""
    if payload["role"] == "seller":
        text = gettext(
            "Your auction “%(title)s” ended without a sale: the bids did not reach "
            "your reserve price."
        )
    else:
        text = gettext(
            "“%(title)s” ended without a sale: the bids did not reach the seller's "
            "reserve price. Your held stars are available again."
        )
    return _auction_message(
        payload, text % {"title": payload["title"]}, gettext("Open the auction")
    )


@notification_kind("auction_ended")
def _auction_ended(payload: Mapping[str, Any], recipient: User) -> Message:
    """payload: {"auction", "title", "sold": bool, "price": int (when sold)} — to
    watchers who did not bid."""
    if payload["sold"]:
        text = gettext("“%(title)s”, which you watch, sold for %(price)s.") % {
            "title": payload["title"],
            "price": _stars(payload["price"]),
        }
    else:
        text = gettext("“%(title)s”, which you watch, ended without a sale.") % {
            "title": payload["title"]
        }
    return _auction_message(payload, text, gettext("Open the auction"))


def _time_left(minutes: Any) -> str:
    minutes = max(int(minutes), 1)
    if minutes % 60 == 0:
        hours = minutes // 60
        return ngettext("%(count)d hour", "%(count)d hours", hours) % {"count": hours}
    return ngettext("%(count)d minute", "%(count)d minutes", minutes) % {
        "count": minutes
    }


@notification_kind("auction_ending_soon")
def _auction_ending_soon(payload: Mapping[str, Any], recipient: User) -> Message:
    """payload: {"auction", "title", "minutes": int left, "price": int (absent for
    sealed and Dutch auctions), "leading": bool (with "price")} — to bidders and
    watchers."""
    text = gettext("“%(title)s” ends in about %(left)s.") % {
        "title": payload["title"],
        "left": _time_left(payload["minutes"]),
    }
    if "price" in payload:
        price = _stars(payload["price"])
        if payload.get("leading"):
            text += " " + gettext("You are the highest bidder at %(price)s.") % {
                "price": price
            }
        else:
            text += " " + gettext("The price is now %(price)s.") % {"price": price}
    return _auction_message(payload, text, gettext("Open the auction"))


@notification_kind("auction_cancelled_by_staff")
def _auction_cancelled_by_staff(payload: Mapping[str, Any], recipient: User) -> Message:
    """payload: {"auction", "title", "role": "seller" | "bidder" | "watcher",
    "reason": str}"""
    values = {"title": payload["title"], "reason": payload["reason"]}
    role = payload["role"]
    if role == "seller":
        text = gettext(
            "Your auction “%(title)s” was cancelled by the moderators. "
            "Reason: %(reason)s"
        )
    elif role == "bidder":
        text = gettext(
            "“%(title)s” was cancelled by the moderators. Your held stars are "
            "available again. Reason: %(reason)s"
        )
    elif role == "watcher":
        text = gettext(
            "“%(title)s”, which you watch, was cancelled by the moderators. "
            "Reason: %(reason)s"
        )
    else:
        raise ValueError(f"unknown role {role!r}")
    return _auction_message(payload, text % values, gettext("Open the auction"))
