"""Demo auctions for `manage.py seed_demo`: every type in every state, made
through the same services a seller, a bidder and staff use, so the ledger, the
holds and the notifications are what real use leaves.

Idempotent: an auction is known by its seller and title and never made twice.
Pictures are drawn here with Pillow (nothing is downloaded).

Finished auctions need their end to have passed. A service never backdates, so
such an auction is created with the shortest duration and closed with a clock
set just past its end; afterwards its own timestamps (start, end, close, bids)
are moved back together, so pages show it as ended a while ago instead of in
the future. Nothing else is moved: the ledger keeps the real times."""

from __future__ import annotations

import io
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import timedelta
from typing import Any

from django.core.files.uploadedfile import SimpleUploadedFile
from django.db.models import F
from django.utils import timezone
from PIL import Image, ImageDraw

from accounts.models import User
from auction_bot.errors import DomainError
from auctions.models import Auction, Bid, Category
from auctions.services import (
    auction_cancel,
    auction_close,
    auction_close_early,
    auction_create,
    bid_place,
    dutch_accept,
    watch,
)
from auctions.services.staff import auction_cancel_by_staff
from payments.selectors import subscription_is_active
from payments.services import subscription_purchase

Type = Auction.Type

CATEGORIES = [
    # slug, English, Russian, Arabic
    ("art", "Art", "Искусство", "فن"),
    ("electronics", "Electronics", "Электроника", "إلكترونيات"),
    ("collectibles", "Collectibles", "Коллекционное", "مقتنيات"),
    ("home", "Home and garden", "Дом и сад", "المنزل والحديقة"),
]

# Background and shape colours of the drawn pictures, one per category.
PALETTES = {
    "art": ((250, 214, 165), (40, 90, 160)),
    "electronics": ((200, 215, 230), (50, 50, 60)),
    "collectibles": ((235, 225, 200), (170, 120, 30)),
    "home": ((215, 235, 210), (90, 130, 70)),
}

# How long ago the finished demo auctions ended.
ENDED_AGO = timedelta(hours=3)
SHORTEST = timedelta(hours=1)


@dataclass(frozen=True)
class Cast:
    seller: User
    bidders: tuple[User, User]
    staff: User


@dataclass(frozen=True)
class Lot:
    title: str
    type: str
    category: str
    starting_price_stars: int
    # "scheduled", "active", "sold", "unsold", "cancelled", "cancelled_by_staff"
    state: str
    terms: dict[str, Any] = field(default_factory=dict)
    # Bids after creation: (bidder index, amount, maximum).
    bids: tuple[tuple[int, int, int | None], ...] = ()
    # The bidder who accepts a Dutch price.
    buyer: int | None = None


LOTS = [
    # English
    Lot("Vintage film camera", Type.ENGLISH, "electronics", 80, "scheduled"),
    Lot(
        "Mechanical wristwatch",
        Type.ENGLISH,
        "collectibles",
        40,
        "active",
        {"reserve_price_stars": 150, "duration": timedelta(days=2)},
        bids=((0, 50, None), (1, 60, 120)),
    ),
    Lot(
        "Oil painting: sea at dawn",
        Type.ENGLISH,
        "art",
        100,
        "active",
        {"buy_now_price_stars": 400, "duration": timedelta(days=5)},
    ),
    Lot(
        "Retro radio",
        Type.ENGLISH,
        "electronics",
        30,
        "sold",
        bids=((0, 40, None), (1, 55, None)),
    ),
    Lot(
        "Antique globe",
        Type.ENGLISH,
        "collectibles",
        50,
        "unsold",
        {"reserve_price_stars": 500},
        bids=((0, 100, None),),
    ),
    Lot("Broken typewriter", Type.ENGLISH, "home", 10, "cancelled"),
    # Dutch: 400 stars, 20 less every 30 minutes, down to 150
    Lot("Designer armchair", Type.DUTCH, "home", 400, "scheduled"),
    Lot("Ceramic vase set", Type.DUTCH, "home", 400, "active"),
    Lot("Racing bicycle", Type.DUTCH, "collectibles", 400, "sold", buyer=1),
    Lot("Table lamp", Type.DUTCH, "home", 400, "unsold"),
    Lot("Garden bench", Type.DUTCH, "home", 400, "cancelled"),
    # Sealed
    Lot("Rare stamp collection", Type.SEALED, "collectibles", 50, "scheduled"),
    Lot(
        "Signed football",
        Type.SEALED,
        "collectibles",
        40,
        "active",
        bids=((0, 70, None), (1, 90, None)),
    ),
    Lot(
        "Box of vinyl records",
        Type.SEALED,
        "art",
        60,
        "sold",
        {"sealed_pricing": Auction.SealedPricing.SECOND_PRICE},
        bids=((0, 120, None), (1, 150, None)),
    ),
    Lot("Old sea charts", Type.SEALED, "art", 30, "unsold"),
    Lot(
        "Chess set",
        Type.SEALED,
        "home",
        20,
        "cancelled_by_staff",
        bids=((0, 45, None),),
    ),
    # Perpetual: ends after a day without a bid
    Lot("Handmade quilt", Type.PERPETUAL, "home", 25, "scheduled"),
    Lot(
        "Collectible coins",
        Type.PERPETUAL,
        "collectibles",
        20,
        "active",
        bids=((0, 30, None), (1, 35, 60)),
    ),
    Lot(
        "Mountain photo print",
        Type.PERPETUAL,
        "art",
        15,
        "sold",
        bids=((0, 25, None),),
    ),
    Lot("Book of poems", Type.PERPETUAL, "art", 10, "unsold"),
    Lot("Knitted scarf", Type.PERPETUAL, "home", 10, "cancelled"),
]

TYPE_TERMS: dict[str, dict[str, Any]] = {
    Type.ENGLISH: {"duration": timedelta(days=3)},
    Type.DUTCH: {
        "duration": timedelta(days=1),
        "dutch_step_stars": 20,
        "dutch_interval_minutes": 30,
        "dutch_floor_stars": 150,
    },
    Type.SEALED: {"duration": timedelta(days=2)},
    Type.PERPETUAL: {"inactivity_minutes": 24 * 60},
}


@dataclass
class SeedResult:
    existing: int = 0
    made: int = 0
    # A lot the services refused (on a database where the demo people have
    # spent their stars, say): skipped with the reason, the rest still made.
    problems: list[str] = field(default_factory=list)


def demo_auctions_seed(
    *, seller: User, bidders: tuple[User, User], staff: User
) -> SeedResult:
    """Create whichever demo auctions are missing."""
    result = SeedResult()
    made = set(
        Auction.objects.filter(
            seller=seller, title__in=[lot.title for lot in LOTS]
        ).values_list("title", flat=True)
    )
    result.existing = len(made)
    todo = [lot for lot in LOTS if lot.title not in made]
    if not todo:
        return result
    categories = _categories()
    try:
        if not subscription_is_active(seller):
            subscription_purchase(
                user=seller, idempotency_key=f"seed-demo:{timezone.now():%Y-%m-%d}"
            )
    except DomainError as exc:
        result.problems.append(f"no demo auctions: the seller cannot subscribe ({exc})")
        return result
    cast = Cast(seller=seller, bidders=bidders, staff=staff)
    pictures: dict[str, bytes] = {}
    for lot in todo:
        if lot.category not in pictures:
            pictures[lot.category] = _picture(lot.category)
        try:
            _make(lot, cast, categories[lot.category], pictures[lot.category])
        except DomainError as exc:
            result.problems.append(f"{lot.title}: {exc}")
        else:
            result.made += 1
    return result


def _categories() -> dict[str, Category]:
    found = {}
    for slug, en, ru, ar in CATEGORIES:
        found[slug], _created = Category.objects.get_or_create(
            slug=slug,
            defaults={"name": en, "name_en": en, "name_ru": ru, "name_ar": ar},
        )
    return found


def _make(lot: Lot, cast: Cast, category: Category, picture: bytes) -> None:
    terms = dict(TYPE_TERMS[lot.type]) | lot.terms
    if _ends_by_time(lot):
        # As short as allowed: it is closed with a clock just past its end.
        if lot.type == Type.PERPETUAL:
            terms["inactivity_minutes"] = int(SHORTEST.total_seconds() // 60)
        else:
            terms["duration"] = SHORTEST
    if lot.state == "scheduled":
        terms["starts_at"] = timezone.now() + timedelta(days=1)
    auction = auction_create(
        seller=cast.seller,
        title=lot.title,
        type=lot.type,
        starting_price_stars=lot.starting_price_stars,
        description=f"Demo lot: {lot.title.lower()}.",
        category=category,
        images=[SimpleUploadedFile(f"{category.slug}.jpg", picture, "image/jpeg")],
        **terms,
    )
    watch(user=cast.bidders[0], auction=auction)
    STATES[lot.state](auction, lot, cast)


def _ends_by_time(lot: Lot) -> bool:
    """Finished by reaching its end (not by a Dutch accept or a seller's early
    close)."""
    if lot.state == "unsold":
        return True
    return lot.state == "sold" and lot.type in (Type.ENGLISH, Type.SEALED)


def _bid_all(auction: Auction, lot: Lot, cast: Cast) -> None:
    for who, amount, maximum in lot.bids:
        bid_place(
            auction=auction, bidder=cast.bidders[who], amount=amount, max_amount=maximum
        )


def _nothing_more(auction: Auction, lot: Lot, cast: Cast) -> None:
    pass


def _sold(auction: Auction, lot: Lot, cast: Cast) -> None:
    if lot.type == Type.DUTCH:
        dutch_accept(auction=auction, buyer=cast.bidders[lot.buyer])
        return
    _bid_all(auction, lot, cast)
    if lot.type == Type.PERPETUAL:
        auction_close_early(auction=auction, seller=cast.seller)
        return
    _close_in_the_past(auction)


def _unsold(auction: Auction, lot: Lot, cast: Cast) -> None:
    _bid_all(auction, lot, cast)
    _close_in_the_past(auction)


def _cancelled(auction: Auction, lot: Lot, cast: Cast) -> None:
    auction_cancel(auction=auction, user=cast.seller)


def _cancelled_by_staff(auction: Auction, lot: Lot, cast: Cast) -> None:
    _bid_all(auction, lot, cast)
    auction_cancel_by_staff(
        auction=auction, staff=cast.staff, reason="Listed twice by mistake."
    )


STATES: dict[str, Callable[[Auction, Lot, Cast], None]] = {
    "scheduled": _nothing_more,
    "active": _bid_all,
    "sold": _sold,
    "unsold": _unsold,
    "cancelled": _cancelled,
    "cancelled_by_staff": _cancelled_by_staff,
}


def _close_in_the_past(auction: Auction) -> None:
    auction.refresh_from_db()
    closing_time = auction.ends_at + timedelta(seconds=1)
    auction_close(auction_id=auction.pk, now=closing_time)
    shift = closing_time - timezone.now() + ENDED_AGO
    Auction.objects.filter(pk=auction.pk).update(
        starts_at=F("starts_at") - shift,
        ends_at=F("ends_at") - shift,
        closed_at=F("closed_at") - shift,
    )
    Bid.objects.filter(auction=auction).update(created_at=F("created_at") - shift)


def _picture(category: str) -> bytes:
    """A simple still life in the category's colours: a gradient, a sun, a few
    shapes. JPEG, 640×480."""
    background, ink = PALETTES[category]
    width, height = 640, 480
    picture = Image.new("RGB", (width, height), background)
    draw = ImageDraw.Draw(picture)
    for y in range(height):
        shade = int(60 * y / height)
        draw.line(
            [(0, y), (width, y)],
            fill=tuple(max(c - shade, 0) for c in background),
        )
    draw.ellipse((450, 56, 560, 166), fill=(250, 240, 200))
    draw.rectangle((96, 240, 336, 416), fill=ink)
    draw.polygon([(80, 240), (216, 136), (352, 240)], fill=tuple(c // 2 for c in ink))
    draw.ellipse((384, 304, 544, 432), outline=ink, width=10)
    buffer = io.BytesIO()
    picture.save(buffer, format="JPEG", quality=85)
    return buffer.getvalue()
