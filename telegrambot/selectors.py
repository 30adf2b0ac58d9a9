"""Reads for the bot. Called from handlers through `runtime.run_sync`."""

from __future__ import annotations

import logging
import uuid
from dataclasses import dataclass
from datetime import datetime

from django.conf import settings
from django.core.cache import cache
from django.core.files.storage import default_storage
from django.core.paginator import Paginator
from django.db.models import Max
from django.utils import timezone

from accounts.models import User
from auctions.models import Auction, Bid
from auctions.selectors import (
    auction_extensions_left,
    auction_get_public,
    auction_hold_for,
    auction_is_watched,
    auction_min_next_bid,
    auction_price_now,
    reserve_met,
)
from payments.models import Subscription
from payments.selectors import subscription_get_for_user, subscription_is_active

logger = logging.getLogger(__name__)


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


# -- auctions ----------------------------------------------------------------------
AUCTIONS_PER_PAGE = 5


@dataclass(frozen=True)
class CardPhoto:
    """The card's picture, as sendPhoto takes it: the file_id Telegram gave it
    before, else a URL Telegram can fetch, else the file's bytes to upload."""

    cache_key: str
    name: str  # the file in storage
    file_id: str | None = None
    url: str | None = None
    content: bytes | None = None


@dataclass(frozen=True)
class AuctionCard:
    """What an auction's card shows to one viewer (None: no account yet)."""

    auction: Auction
    viewer: User | None
    now: datetime
    price: int  # the price to show (the Dutch price of this moment)
    min_bid: int  # the least a bid may be now (Dutch: the price to accept)
    extensions_left: int
    reserve_met: bool | None
    watched: bool
    held: int  # the viewer's stars held for this auction
    own_bid: int | None  # the viewer's highest bid, if they bid
    photo: CardPhoto | None = None


def auction_card_get(
    *, auction_uuid: uuid.UUID, telegram_id: int, photo: bool = False
) -> AuctionCard | None:
    auction = auction_get_public(uuid=auction_uuid)
    if auction is None:
        return None
    viewer = user_get_by_telegram_id(telegram_id=telegram_id)
    now = timezone.now()
    price = auction_price_now(auction, now)
    watched, held, own_bid = False, 0, None
    if viewer is not None:
        watched = auction_is_watched(auction=auction, user=viewer)
        held = auction_hold_for(auction=auction, user=viewer)
        own_bid = Bid.objects.filter(auction=auction, bidder=viewer).aggregate(
            top=Max("amount")
        )["top"]
    return AuctionCard(
        auction=auction,
        viewer=viewer,
        now=now,
        price=price,
        min_bid=price
        if auction.type == Auction.Type.DUTCH
        else auction_min_next_bid(auction),
        extensions_left=auction_extensions_left(auction),
        reserve_met=reserve_met(auction),
        watched=watched,
        held=held,
        own_bid=own_bid,
        photo=_card_photo(auction) if photo else None,
    )


def _card_photo(auction: Auction) -> CardPhoto | None:
    from .keyboards import is_public_https  # keyboards → i18n → this module

    image = next(iter(auction.images.all()), None)  # prefetched, first by position
    if image is None:
        return None
    file = image.thumbnail or image.image
    # A file_id belongs to one bot; the uuid keeps keys apart in a reused cache.
    bot_id = settings.TELEGRAM_BOT_TOKEN.split(":", 1)[0]
    key = f"tg-photo:{bot_id}:{auction.uuid.hex}:{image.pk}:{file.name}"
    file_id = cache.get(key)
    if file_id:
        return CardPhoto(cache_key=key, name=file.name, file_id=file_id)
    url = file.url
    if not url.startswith(("http://", "https://")):
        url = f"{settings.BASE_URL}{url}"
    # Telegram fetches only public addresses; a local site uploads the bytes.
    if is_public_https(url):
        return CardPhoto(cache_key=key, name=file.name, url=url)
    content = card_photo_read(name=file.name)
    if content is None:
        return None
    return CardPhoto(cache_key=key, name=file.name, content=content)


def card_photo_read(*, name: str) -> bytes | None:
    """The picture's bytes, or None when the file is gone (the card is then sent
    as text)."""
    try:
        with default_storage.open(name, "rb") as handle:
            return handle.read()
    except OSError:
        logger.warning("auction picture missing", extra={"file": name})
        return None


@dataclass(frozen=True)
class AuctionsPage:
    auctions: list[tuple[Auction, int]]  # each with its price now
    first: int  # the place of the first one in the whole list, from 1
    number: int
    pages: int
    now: datetime


def auctions_active_page(
    *, page: int, per_page: int = AUCTIONS_PER_PAGE
) -> AuctionsPage:
    """Running auctions, ending soonest first; a page past the end shows the last."""
    now = timezone.now()
    running = Auction.objects.filter(
        status=Auction.Status.ACTIVE, starts_at__lte=now, ends_at__gt=now
    ).order_by("ends_at", "pk")
    shown = Paginator(running, per_page).get_page(page)
    return AuctionsPage(
        auctions=[(auction, auction_price_now(auction, now)) for auction in shown],
        first=shown.start_index(),
        number=shown.number,
        pages=shown.paginator.num_pages,
        now=now,
    )


def bid_target_get(
    *, telegram_id: int, auction_uuid: uuid.UUID
) -> tuple[User | None, Auction | None]:
    """The user pressing a bid button and the auction it names (None when unknown
    or a draft)."""
    return (
        user_get_by_telegram_id(telegram_id=telegram_id),
        auction_get_public(uuid=auction_uuid),
    )
