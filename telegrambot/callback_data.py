"""Inline-button payloads: short, versioned strings such as `v1:menu:balance`, or
`v1:<scope>:<action>:<arg>` for a button that carries an argument (an id).

Telegram hands `callback_data` back verbatim, but a client can send any string, and a
button may outlive the code that made it (an old message after a deploy). So every
payload is checked against the registry of known buttons, and anything else is
refused politely by the bot instead of being guessed at.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass

VERSION = "v1"
MAX_BYTES = 64  # Telegram's limit for callback_data

_NAME_RE = re.compile(r"[a-z0-9_]{1,16}")


@dataclass(frozen=True)
class Button:
    scope: str
    action: str
    # None: the button carries no argument; otherwise the whole argument must match.
    arg_pattern: str | None = None


@dataclass(frozen=True)
class Pressed:
    button: Button
    arg: str = ""


_REGISTRY: dict[tuple[str, str], Button] = {}


def register(scope: str, action: str, *, arg_pattern: str | None = None) -> Button:
    if not (_NAME_RE.fullmatch(scope) and _NAME_RE.fullmatch(action)):
        raise ValueError(f"bad button name {scope}:{action}")
    if (scope, action) in _REGISTRY:
        raise ValueError(f"button {scope}:{action} registered twice")
    button = Button(scope, action, arg_pattern)
    _REGISTRY[(scope, action)] = button
    return button


MENU_BALANCE = register("menu", "balance")
MENU_HELP = register("menu", "help")
MENU_BUY = register("menu", "buy")
MENU_SUBSCRIBE = register("menu", "subscribe")
# The argument is a number of stars; its bounds are checked by the payments service.
BUY_STARS = register("buy", "stars", arg_pattern=r"[1-9][0-9]{0,4}")
BUY_CARD = register("buy", "card", arg_pattern=r"[1-9][0-9]{0,4}")
BUY_OTHER = register("buy", "other")
SUBSCRIBE = register("sub", "buy")
# The argument is a payment id; the handler checks the payment is the presser's.
SUPPORT_PAYMENT = register("support", "payment", arg_pattern=r"[1-9][0-9]{0,17}")
SUPPORT_OTHER = register("support", "other")

# Auctions. The argument starts with the auction's public id (the uuid's hex: a
# forged pk must not reach a draft), then, on a button that spends stars, the
# amount the user saw on it: the bid is never more than that.
_AUCTION = r"[0-9a-f]{32}"
_AUCTION_AMOUNT = _AUCTION + r":[1-9][0-9]{0,11}"
AUCTION_OPEN = register("auc", "open", arg_pattern=_AUCTION)
AUCTION_REFRESH = register("auc", "refresh", arg_pattern=_AUCTION)
AUCTION_BID = register("auc", "bid", arg_pattern=_AUCTION_AMOUNT)
AUCTION_ACCEPT = register("auc", "accept", arg_pattern=_AUCTION_AMOUNT)
AUCTION_BUY_NOW = register("auc", "buynow", arg_pattern=_AUCTION_AMOUNT)
AUCTION_CUSTOM = register("auc", "custom", arg_pattern=_AUCTION)
AUCTION_MAXIMUM = register("auc", "max", arg_pattern=_AUCTION)
AUCTION_WATCH = register("auc", "watch", arg_pattern=_AUCTION)
AUCTION_UNWATCH = register("auc", "unwatch", arg_pattern=_AUCTION)
# The argument is a page of /auctions.
AUCTIONS_PAGE = register("auc", "page", arg_pattern=r"[1-9][0-9]{0,3}")


def callback_data_encode(button: Button, arg: str | int = "") -> str:
    arg = str(arg)
    if _REGISTRY.get((button.scope, button.action)) != button:
        raise ValueError(f"unknown button {button!r}")
    if not _arg_ok(button, arg):
        raise ValueError(f"bad argument {arg!r} for {button.scope}:{button.action}")
    data = f"{VERSION}:{button.scope}:{button.action}"
    if arg:
        data = f"{data}:{arg}"
    if len(data.encode()) > MAX_BYTES:
        raise ValueError(f"callback data longer than {MAX_BYTES} bytes: {data!r}")
    return data


def callback_data_decode(data: object) -> Pressed | None:
    """The known button behind `data`, or None for a stale, unknown or forged one."""
    if not isinstance(data, str) or len(data.encode()) > MAX_BYTES:
        return None
    parts = data.split(":", 3)
    if len(parts) < 3 or parts[0] != VERSION:
        return None
    button = _REGISTRY.get((parts[1], parts[2]))
    arg = parts[3] if len(parts) == 4 else None
    if button is None or arg == "" or not _arg_ok(button, arg or ""):
        return None
    return Pressed(button, arg or "")


def matches(button: Button) -> Callable[[object], bool]:
    """A `CallbackQueryHandler(pattern=...)` that accepts only this button."""

    def pattern(data: object) -> bool:
        pressed = callback_data_decode(data)
        return pressed is not None and pressed.button == button

    return pattern


def _arg_ok(button: Button, arg: str) -> bool:
    if button.arg_pattern is None:
        return arg == ""
    return re.fullmatch(button.arg_pattern, arg) is not None
