"""`/start` payloads from deep links (`https://t.me/<bot>?start=<payload>`).

Telegram allows at most 64 characters of `A-Za-z0-9_-`; anything that does not parse
is treated as a plain `/start`, because a payload is typed or edited by whoever holds
the link.
"""

from __future__ import annotations

import re
import uuid
from dataclasses import dataclass

from payments.services.payments import PURCHASE_MAX_STARS, PURCHASE_MIN_STARS

_AUCTION_RE = re.compile(r"auction_([0-9a-f]{32}|[0-9a-f-]{36})", re.IGNORECASE)
_BUY_RE = re.compile(r"buy_([1-9][0-9]{0,4})")


@dataclass(frozen=True)
class AuctionLink:
    auction_uuid: uuid.UUID


@dataclass(frozen=True)
class BuyLink:
    stars: int


DeepLink = AuctionLink | BuyLink


def deep_link_parse(payload: str | None) -> DeepLink | None:
    if not payload or len(payload) > 64:
        return None
    if match := _AUCTION_RE.fullmatch(payload):
        try:
            return AuctionLink(auction_uuid=uuid.UUID(match.group(1)))
        except ValueError:
            return None
    if match := _BUY_RE.fullmatch(payload):
        stars = int(match.group(1))
        if PURCHASE_MIN_STARS <= stars <= PURCHASE_MAX_STARS:
            return BuyLink(stars=stars)
    return None


def deep_link_payload(link: DeepLink) -> str:
    """The `start` parameter for a link, e.g. for a "Open in Telegram" button."""
    if isinstance(link, AuctionLink):
        # The hex form (40 characters with the prefix) leaves room under the 64 limit.
        return f"auction_{link.auction_uuid.hex}"
    return f"buy_{link.stars}"
