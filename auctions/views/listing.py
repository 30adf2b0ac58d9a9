"""The front page (running auctions as cards, a page at a time) and the
watchlist. Search and filters come later; the cards are shared."""

from __future__ import annotations

from collections.abc import Iterable

from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils import timezone
from django.views.decorators.http import require_GET

from auctions.models import Auction
from auctions.selectors import auction_price_now
from auctions.selectors_pages import auctions_active, watchlist_page

PAGE_SIZE = 12


def with_card_prices(auctions: Iterable[Auction]) -> list[Auction]:
    """The price a card shows (a Dutch price is a function of the clock)."""
    now = timezone.now()
    auctions = list(auctions)
    for auction in auctions:
        auction.price_now = auction_price_now(auction, now)
        auction.thumb = auction.ordered_images[0] if auction.ordered_images else None
    return auctions


@require_GET
def auction_list(request: HttpRequest) -> HttpResponse:
    page = Paginator(auctions_active(), PAGE_SIZE).get_page(request.GET.get("page"))
    return render(
        request,
        "auctions/list.html",
        {"page": page, "auctions": with_card_prices(page.object_list)},
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
