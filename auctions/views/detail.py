"""A minimal auction page (title, pictures, price, type, time left) so that a new
auction has somewhere to land; the full page with bidding replaces it."""

from __future__ import annotations

from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils import timezone

from auctions.models import Auction
from auctions.selectors import auction_get_public, auction_price_now

OPEN = (Auction.Status.SCHEDULED, Auction.Status.ACTIVE)


def auction_detail(request: HttpRequest, uuid: str) -> HttpResponse:
    auction = auction_get_public(uuid=uuid)
    if auction is None:
        raise Http404
    now = timezone.now()
    is_seller = request.user.is_authenticated and request.user.pk == auction.seller_id
    return render(
        request,
        "auctions/detail.html",
        {
            "auction": auction,
            "images": list(auction.images.all()),
            "price": auction_price_now(auction, now),
            "is_open": auction.status in OPEN and auction.ends_at > now,
            "can_edit": is_seller and auction.status in OPEN and not auction.bid_count,
        },
    )
