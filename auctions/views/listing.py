"""The front page (running auctions as cards, searched and filtered by the
URL, a page at a time) and the watchlist; the cards are shared."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime
from urllib.parse import urlencode

from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils import timezone
from django.views.decorators.http import require_GET

from auctions.models import Auction
from auctions.selectors import auction_price_now
from auctions.selectors_pages import watchlist_page
from auctions.selectors_search import auction_search_filter

PAGE_SIZE = 12


def with_card_prices(
    auctions: Iterable[Auction], now: datetime | None = None
) -> list[Auction]:
    """The price a card shows (a Dutch price is a function of the clock)."""
    now = now or timezone.now()
    auctions = list(auctions)
    for auction in auctions:
        auction.price_now = auction_price_now(auction, now)
        auction.thumb = auction.ordered_images[0] if auction.ordered_images else None
    return auctions


@require_GET
def auction_list(request: HttpRequest) -> HttpResponse:
    """Always the whole page: the search form's htmx requests pick the results
    out of it, and the back button may ask for any of them."""
    now = timezone.now()
    search = auction_search_filter(params=request.GET, now=now)
    page = Paginator(search.qs, PAGE_SIZE).get_page(request.GET.get("page"))
    return render(
        request,
        "auctions/list.html",
        {
            "page": page,
            "auctions": with_card_prices(page.object_list, now),
            "search": search,
            "filtered": search.active,
            "ignored": search.ignored,
            "query": urlencode(search.query_string_items()),
        },
    )


@login_required
@require_GET
def watchlist(request: HttpRequest) -> HttpResponse:
    page = Paginator(watchlist_page(user=request.user), PAGE_SIZE).get_page(
        request.GET.get("page")
    )
    return render(
        request,
        "auctions/watchlist.html",
        {"page": page, "auctions": with_card_prices(page.object_list)},
    )
