"""The terms a seller sets for an auction, and the rules they must keep.

Checked here, not in a form, so the web and the bot apply the same rules. Every
problem is collected (`AuctionInvalid.problems`) so a form can show each beside its
field; the bot shows the first.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Sequence
from dataclasses import dataclass, fields
from datetime import datetime, timedelta
from typing import Any

from django.utils.translation import gettext_lazy as _

from auction_bot.errors import DomainError
from auctions.media import (
    MAX_MEDIA_LINKS,
    PROVIDERS,
    media_links_unique,
    media_parse,
)
from auctions.models import Auction, Category
from payments.services import MAX_STARS

Type = Auction.Type

MIN_DURATION = timedelta(hours=1)
MAX_DURATION = timedelta(days=30)
# How far ahead a start may be scheduled.
MAX_START_DELAY = timedelta(days=30)
# An edit may not leave an auction about to end under its bidders' feet.
MIN_TIME_LEFT_AFTER_EDIT = timedelta(minutes=10)
MIN_INACTIVITY_MINUTES = 60
MAX_INACTIVITY_MINUTES = 30 * 24 * 60
MAX_DUTCH_INTERVAL_MINUTES = 7 * 24 * 60
MAX_SOFT_CLOSE_MINUTES = 60
MAX_EXTENSIONS = 50
MAX_DESCRIPTION_LENGTH = 5000
TITLE_MAX_LENGTH = Auction._meta.get_field("title").max_length

# Which optional terms each type uses; a term given for another type is refused.
TYPE_TERMS = {
    Type.ENGLISH: {
        "duration",
        "min_increment_stars",
        "reserve_price_stars",
        "buy_now_price_stars",
        "soft_close_minutes",
        "extension_minutes",
        "max_extensions",
    },
    Type.DUTCH: {
        "duration",
        "dutch_step_stars",
        "dutch_interval_minutes",
        "dutch_floor_stars",
    },
    Type.SEALED: {"duration", "reserve_price_stars", "sealed_pricing"},
    Type.PERPETUAL: {
        "min_increment_stars",
        "reserve_price_stars",
        "inactivity_minutes",
    },
}
COMMON_TERMS = {
    "title",
    "description",
    "category",
    "starting_price_stars",
    "media_links",
}
TERM_NAMES = {
    "duration": _("A duration"),
    "min_increment_stars": _("A minimum increment"),
    "reserve_price_stars": _("A reserve price"),
    "buy_now_price_stars": _("A buy-it-now price"),
    "soft_close_minutes": _("A soft close window"),
    "extension_minutes": _("An extension"),
    "max_extensions": _("A number of extensions"),
    "dutch_step_stars": _("A price step"),
    "dutch_interval_minutes": _("A step interval"),
    "dutch_floor_stars": _("A floor price"),
    "sealed_pricing": _("A pricing rule"),
    "inactivity_minutes": _("An inactivity window"),
}


@dataclass(frozen=True)
class Problem:
    """One broken rule; `field` names the term (None: the auction as a whole)."""

    field: str | None
    message: Any
    params: dict[str, Any] = dataclasses.field(default_factory=dict)

    def __str__(self) -> str:
        return str(self.message) % self.params if self.params else str(self.message)


class AuctionInvalid(DomainError):
    """The terms break one or more rules; `problems` lists them all, the message
    is the first (for the bot, which shows one line)."""

    def __init__(self, problems: Sequence[Problem]) -> None:
        self.problems = list(problems)
        first = self.problems[0]
        super().__init__(first.message, **first.params)


@dataclass(frozen=True)
class Terms:
    """What the seller decides. Type-specific terms are None when not given."""

    type: str
    title: str
    description: str
    category: Category | None
    starting_price_stars: int
    starts_at: datetime | None = None
    duration: timedelta | None = None
    min_increment_stars: int | None = None
    reserve_price_stars: int | None = None
    buy_now_price_stars: int | None = None
    soft_close_minutes: int | None = None
    extension_minutes: int | None = None
    max_extensions: int | None = None
    sealed_pricing: str | None = None
    dutch_step_stars: int | None = None
    dutch_interval_minutes: int | None = None
    dutch_floor_stars: int | None = None
    inactivity_minutes: int | None = None
    # Video page links (auctions.media); None keeps none.
    media_links: Sequence[str] | None = None


TERM_FIELDS = tuple(f.name for f in fields(Terms))
# Stored on the auction under the same name (duration and starts_at are derived).
MODEL_TERMS = tuple(
    name for name in TERM_FIELDS if name not in ("duration", "starts_at", "type")
)


def _is_whole(value: object) -> bool:
    return type(value) is int


class _Checker:
    """Collects every broken rule instead of stopping at the first."""

    def __init__(self) -> None:
        self.problems: list[Problem] = []

    def refuse(self, field: str | None, message: Any, **params: Any) -> None:
        self.problems.append(Problem(field, message, params))

    def stars(self, name: str, value: object) -> bool:
        if _is_whole(value) and 1 <= value <= MAX_STARS:
            return True
        self.refuse(
            name,
            _("Enter a whole number of stars from %(min)s to %(max)s."),
            min=1,
            max=MAX_STARS,
        )
        return False

    def whole(self, name: str, value: object, low: int, high: int) -> bool:
        if _is_whole(value) and low <= value <= high:
            return True
        self.refuse(
            name, _("Enter a whole number from %(min)s to %(max)s."), min=low, max=high
        )
        return False


def terms_check(terms: Terms, *, now: datetime, started: bool = False) -> list[Problem]:
    check = _Checker()
    if terms.type not in Type.values:
        check.refuse("type", _("Choose one of the auction types."))
        return check.problems
    used = TYPE_TERMS[terms.type]

    title = (terms.title or "").strip()
    if not title:
        check.refuse("title", _("Give the auction a title."))
    elif len(title) > TITLE_MAX_LENGTH:
        check.refuse(
            "title",
            _("The title may be at most %(max)s characters."),
            max=TITLE_MAX_LENGTH,
        )
    if len(terms.description or "") > MAX_DESCRIPTION_LENGTH:
        check.refuse(
            "description",
            _("The description may be at most %(max)s characters."),
            max=MAX_DESCRIPTION_LENGTH,
        )
    _media_check(check, terms.media_links)
    for name, label in TERM_NAMES.items():
        if name not in used and getattr(terms, name) is not None:
            check.refuse(
                name,
                _("%(term)s does not apply to %(type)s auctions."),
                term=label,
                type=Type(terms.type).label,
            )

    starting = terms.starting_price_stars
    if not check.stars("starting_price_stars", starting):
        starting = None
    if not started:
        _start_check(check, terms.starts_at, now=now)
    _end_check(check, terms, used, now=now, started=started)
    if "min_increment_stars" in used and terms.min_increment_stars is not None:
        check.stars("min_increment_stars", terms.min_increment_stars)
    _reserve_and_buy_now_check(check, terms, used, starting)
    if terms.type == Type.ENGLISH:
        for name, low, high in (
            ("soft_close_minutes", 1, MAX_SOFT_CLOSE_MINUTES),
            ("extension_minutes", 1, MAX_SOFT_CLOSE_MINUTES),
            ("max_extensions", 0, MAX_EXTENSIONS),
        ):
            if getattr(terms, name) is not None:
                check.whole(name, getattr(terms, name), low, high)
    elif terms.type == Type.DUTCH:
        _dutch_check(check, terms, starting)
    elif terms.type == Type.SEALED:
        pricing = terms.sealed_pricing
        if pricing is not None and pricing not in Auction.SealedPricing.values:
            check.refuse("sealed_pricing", _("Choose first-price or second-price."))
    return check.problems


def _media_check(check: _Checker, links: Sequence[str] | None) -> None:
    if not links:
        return
    links = media_links_unique(links)
    if len(links) > MAX_MEDIA_LINKS:
        check.refuse(
            "media_links",
            _("Add at most %(max)s video links."),
            max=MAX_MEDIA_LINKS,
        )
    for link in links:
        if media_parse(link) is None:
            check.refuse(
                "media_links",
                _(
                    "“%(link)s” is not a video we can show. Use a link to a video "
                    "on %(providers)s."
                ),
                link=link[:80],
                providers=PROVIDERS,
            )


def _start_check(check: _Checker, starts_at: datetime | None, *, now: datetime) -> None:
    if starts_at is None:
        return
    if starts_at <= now:
        check.refuse("starts_at", _("A scheduled start must be in the future."))
    elif starts_at > now + MAX_START_DELAY:
        check.refuse(
            "starts_at",
            _("A start may be scheduled at most %(days)s days ahead."),
            days=MAX_START_DELAY.days,
        )


def _end_check(
    check: _Checker, terms: Terms, used: set[str], *, now: datetime, started: bool
) -> None:
    if "duration" in used:
        name, length = "duration", terms.duration
        if length is None:
            check.refuse(name, _("Choose how long the auction runs."))
            return
        if not MIN_DURATION <= length <= MAX_DURATION:
            check.refuse(
                name,
                _("An auction runs from %(min)s hour to %(max)s days."),
                min=int(MIN_DURATION.total_seconds() // 3600),
                max=MAX_DURATION.days,
            )
            return
    else:
        name = "inactivity_minutes"
        minutes = terms.inactivity_minutes
        if minutes is None:
            return
        if not check.whole(
            name, minutes, MIN_INACTIVITY_MINUTES, MAX_INACTIVITY_MINUTES
        ):
            return
        length = timedelta(minutes=minutes)
    if started and terms.starts_at + length < now + MIN_TIME_LEFT_AFTER_EDIT:
        check.refuse(
            name,
            _("After the change the auction must still run %(minutes)s minutes."),
            minutes=int(MIN_TIME_LEFT_AFTER_EDIT.total_seconds() // 60),
        )


def _reserve_and_buy_now_check(
    check: _Checker, terms: Terms, used: set[str], starting: int | None
) -> None:
    reserve = terms.reserve_price_stars
    if "reserve_price_stars" in used and reserve is not None:
        if not check.stars("reserve_price_stars", reserve):
            reserve = None
        elif starting and reserve < starting:
            check.refuse(
                "reserve_price_stars",
                _("The reserve price cannot be below the starting price."),
            )
    buy_now = terms.buy_now_price_stars
    if "buy_now_price_stars" in used and buy_now is not None:
        if not check.stars("buy_now_price_stars", buy_now):
            return
        if starting and buy_now <= starting:
            check.refuse(
                "buy_now_price_stars",
                _("The buy-it-now price must be above the starting price."),
            )
        elif reserve and buy_now < reserve:
            check.refuse(
                "buy_now_price_stars",
                _("The buy-it-now price cannot be below the reserve price."),
            )


def _dutch_check(check: _Checker, terms: Terms, starting: int | None) -> None:
    step, floor = terms.dutch_step_stars, terms.dutch_floor_stars
    for name in ("dutch_step_stars", "dutch_interval_minutes", "dutch_floor_stars"):
        if getattr(terms, name) is None:
            check.refuse(name, _("A Dutch auction needs this."))
    if terms.dutch_interval_minutes is not None:
        check.whole(
            "dutch_interval_minutes",
            terms.dutch_interval_minutes,
            1,
            MAX_DUTCH_INTERVAL_MINUTES,
        )
    if floor is not None:
        if not check.stars("dutch_floor_stars", floor):
            floor = None
        elif starting and floor >= starting:
            check.refuse(
                "dutch_floor_stars",
                _("The floor price must be below the starting price."),
            )
            floor = None
    step_ok = step is not None and check.stars("dutch_step_stars", step)
    if step_ok and starting and floor and step > starting - floor:
        check.refuse(
            "dutch_step_stars",
            _("The step cannot be more than the whole drop (%(drop)s stars)."),
            drop=starting - floor,
        )
