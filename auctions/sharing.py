"""What an auction page offers for passing it on: share links (Telegram, the
bot's deep link) and the Open Graph / Twitter card a pasted link shows.

Absolute addresses come from BASE_URL, not from the request's Host header, so a
preview always points at the real site."""

from __future__ import annotations

from dataclasses import dataclass
from urllib.parse import urlencode, urljoin

from django.conf import settings
from django.utils.text import Truncator
from django.utils.translation import gettext as _

from auctions.models import Auction, AuctionImage
from telegrambot.deeplinks import AuctionLink, deep_link_payload

OG_DESCRIPTION_CHARS = 200


@dataclass(frozen=True)
class ShareLinks:
    page: str
    telegram: str
    bot: str | None  # None when the bot's username is not configured


@dataclass(frozen=True)
class PageMeta:
    title: str
    description: str
    url: str
    image: str | None


def absolute_url(path_or_url: str) -> str:
    """A media URL made absolute (left alone if it already is, say a CDN's)."""
    return urljoin(f"{settings.BASE_URL}/", path_or_url)


def auction_share_links(auction: Auction) -> ShareLinks:
    page = auction.web_url
    telegram = "https://t.me/share/url?" + urlencode(
        {"url": page, "text": auction.title}
    )
    bot = None
    if settings.TELEGRAM_BOT_USERNAME:
        payload = deep_link_payload(AuctionLink(auction_uuid=auction.uuid))
        bot = f"https://t.me/{settings.TELEGRAM_BOT_USERNAME}?" + urlencode(
            {"start": payload}
        )
    return ShareLinks(page=page, telegram=telegram, bot=bot)


def auction_page_meta(
    auction: Auction, images: list[AuctionImage], price: int
) -> PageMeta:
    """The card a link preview shows: the title, the start of the description
    (or the type and price when there is none) and the main picture."""
    description = " ".join(auction.description.split())
    if description:
        description = Truncator(description).chars(OG_DESCRIPTION_CHARS)
    else:
        description = _("%(type)s auction, now %(price)s ⭐") % {
            "type": auction.get_type_display(),
            "price": price,
        }
    image = absolute_url(images[0].image.url) if images else None
    return PageMeta(
        title=auction.title,
        description=description,
        url=auction.web_url,
        image=image,
    )
