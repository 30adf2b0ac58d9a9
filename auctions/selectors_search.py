"""The search on `/`: running auctions narrowed and ordered by the parameters
of the URL (`auctions.filters`), in a fixed number of queries per page."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime
from typing import Any

from django.db.models import QuerySet
from django.utils import timezone

from auctions.filters import AuctionSearchFilter
from auctions.models import Auction
from auctions.search import with_price_now, with_public_bid_count
from auctions.selectors_pages import auctions_active


def auction_search_filter(
    *, params: Mapping[str, Any], now: datetime | None = None
) -> AuctionSearchFilter:
    """The bound search form over running auctions: `.qs` is the result, `.form`
    the form to show again, `.ignored` the filters whose values did not parse."""
    now = now or timezone.now()
    base = with_public_bid_count(with_price_now(auctions_active(now=now), now))
    return AuctionSearchFilter(params, queryset=base, now=now)


def auctions_search(
    *, params: Mapping[str, Any], now: datetime | None = None
) -> QuerySet[Auction]:
    """Running auctions matching `params` (q, type, category, min_price,
    max_price, ending, buy_now, no_bids, sort), each annotated with `price_now`;
    a value that does not parse is left out, never an error."""
    return auction_search_filter(params=params, now=now).qs
