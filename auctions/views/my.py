"""/my_auctions: what I sell, what I bid on, what I won — one tab at a time,
each a fixed number of queries however many auctions it lists."""

from __future__ import annotations

from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils import timezone
from django.views.decorators.http import require_GET

from auctions.selectors_pages import (
    Phase,
    auction_phase,
    my_bidding,
    my_selling,
    my_won,
)

from .listing import with_card_prices

PAGE_SIZE = 20
TABS = {"selling": my_selling, "bidding": my_bidding, "won": my_won}


@login_required
@require_GET
def my_auctions(request: HttpRequest) -> HttpResponse:
    tab = request.GET.get("tab")
    if tab not in TABS:
        tab = "selling"
    user = request.user
    page = Paginator(TABS[tab](user=user), PAGE_SIZE).get_page(request.GET.get("page"))
    auctions = with_card_prices(page.object_list)
    now = timezone.now()
    for auction in auctions:
        auction.phase = auction_phase(auction, now)
        auction.running = auction.phase in (Phase.SCHEDULED, Phase.OPEN)
        auction.i_lead = auction.leader_id == user.pk
    return render(
        request,
        "auctions/my_auctions.html",
        {"tab": tab, "page": page, "auctions": auctions},
    )
