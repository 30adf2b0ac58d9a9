"""The auction page (/auction/<uuid>): pictures, the price, time left, the bid
forms that fit the type, the viewer's standing, the bid history and the result.

Its live part — the price panel, the bid area and the history — is one partial.
The page polls `auction_live`, which answers 204 while the auction's live
version is the one the page shows, and the partial once anything changed; the
bidding views answer htmx posts with the same partial."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET

from auctions.forms import TYPE_EXPLANATIONS
from auctions.forms_bid import BidForm, ConfirmForm, MaxBidForm
from auctions.media import media_items
from auctions.models import Auction
from auctions.selectors import (
    auction_bid_history,
    auction_extensions_left,
    auction_get_public,
    auction_is_watched,
    auction_min_next_bid,
    auction_price_now,
    reserve_met,
)
from auctions.selectors_pages import (
    Phase,
    auction_live_marker,
    auction_live_version,
    auction_phase,
    auction_stake,
)
from auctions.sharing import auction_page_meta, auction_share_links

Type = Auction.Type
Status = Auction.Status
# Seconds between the page's polls of its live part.
POLL_SECONDS = 4


@dataclass
class PostedForms:
    """The forms of a post that was refused (shown with their errors) and the
    confirmation of one that succeeded (after an htmx post)."""

    bid: BidForm | None = None
    max: MaxBidForm | None = None
    confirm: ConfirmForm | None = None
    notice: str = ""


@dataclass(frozen=True)
class HistoryRow:
    amount: int
    who: str
    is_own: bool
    is_automatic: bool
    created_at: datetime
    own_max_amount: int | None


def masked_name(name: str) -> str:
    """Bidders are shown as "K•••m": enough to tell them apart, not to find
    them."""
    if len(name) <= 2:
        return f"{name[:1]}•••"
    return f"{name[0]}•••{name[-1]}"


def _history(auction: Auction, viewer: Any, you: str) -> list[HistoryRow]:
    return [
        HistoryRow(
            amount=view.amount,
            who=you if view.is_own else masked_name(view.bidder.display_name),
            is_own=view.is_own,
            is_automatic=view.is_automatic,
            created_at=view.created_at,
            own_max_amount=view.own_max_amount,
        )
        for view in auction_bid_history(auction=auction, viewer=viewer)
    ]


def _winner_name(auction: Auction, viewer: Any, is_seller: bool) -> str:
    winner = auction.winner
    if winner is None:
        return ""
    # The seller needs to know who bought; everyone else sees a masked name.
    return winner.display_name if is_seller else masked_name(winner.display_name)


def _next_dutch_drop(auction: Auction, now: datetime) -> datetime | None:
    """When the Dutch price drops next (None at the floor or past the end)."""
    if auction.type != Type.DUTCH or not auction.dutch_interval_minutes:
        return None
    if auction_price_now(auction, now) <= (auction.dutch_floor_stars or 0):
        return None
    interval = timedelta(minutes=auction.dutch_interval_minutes)
    steps = (now - auction.starts_at) // interval
    upcoming = auction.starts_at + (steps + 1) * interval
    return upcoming if upcoming < auction.ends_at else None


def live_context(
    request: HttpRequest, auction: Auction, posted: PostedForms | None = None
) -> dict[str, Any]:
    """Everything the live partial shows, for this viewer at this moment."""
    posted = posted or PostedForms()
    now = timezone.now()
    viewer = request.user if request.user.is_authenticated else None
    phase = auction_phase(auction, now)
    is_seller = viewer is not None and viewer.pk == auction.seller_id
    stake = auction_stake(auction=auction, user=viewer)
    is_proxy_type = auction.type in (Type.ENGLISH, Type.PERPETUAL)
    leading = bool(is_proxy_type and viewer and auction.leader_id == viewer.pk)

    minimum = auction_min_next_bid(auction)
    if auction.type == Type.SEALED and stake.top_bid:
        minimum = stake.top_bid + 1
    max_minimum = (auction.leader_max_stars or 0) + 1 if leading else minimum

    bid_form = posted.bid or BidForm()
    bid_form.show_minimum(minimum)
    max_form = posted.max or MaxBidForm()
    max_form.show_minimum(max_minimum)
    confirm_form = posted.confirm or ConfirmForm()
    reserve = reserve_met(auction)
    return {
        "auction": auction,
        "now": now,
        "phase": phase,
        "version": auction_live_version(auction, now),
        "poll_seconds": POLL_SECONDS,
        "price": auction_price_now(auction, now),
        "is_seller": is_seller,
        "stake": stake,
        "leading": leading,
        # The leader's own maximum: shown to them alone.
        "own_max": auction.leader_max_stars if leading else None,
        "outbid": bool(is_proxy_type and stake.has_bid and not leading),
        "is_winner": viewer is not None and auction.winner_id == viewer.pk,
        "minimum": minimum,
        "extensions_left": auction_extensions_left(auction),
        "soft_close": auction.type == Type.ENGLISH and auction.max_extensions > 0,
        "reserve_met": reserve,
        "buy_now_offered": (
            phase == Phase.OPEN
            and auction.type == Type.ENGLISH
            and auction.buy_now_price_stars is not None
            and not auction.bid_count
            and auction.leader_id is None
        ),
        "can_edit": (
            is_seller
            and auction.status in (Status.SCHEDULED, Status.ACTIVE)
            and not auction.bid_count
        ),
        "can_close_early": (
            is_seller
            and auction.type == Type.PERPETUAL
            and phase == Phase.OPEN
            and auction.leader_id is not None
            and reserve is not False
        ),
        "history": _history(auction, viewer, _("You")),
        "bid_form": bid_form,
        "max_form": max_form,
        "confirm_form": confirm_form,
        "error_forms": [
            form for form in (bid_form, max_form, confirm_form) if form.errors
        ],
        "winner_name": _winner_name(auction, viewer, is_seller),
        "next_drop": _next_dutch_drop(auction, now) if phase == Phase.OPEN else None,
        "notice": posted.notice,
    }


def public_auction_or_404(uuid: str) -> Auction:
    auction = auction_get_public(uuid=uuid)
    if auction is None:
        raise Http404
    return auction


def render_detail(
    request: HttpRequest,
    auction: Auction,
    posted: PostedForms | None = None,
    status: int = 200,
) -> HttpResponse:
    context = live_context(request, auction, posted)
    images = list(auction.images.all())
    context.update(
        images=images,
        type_explanation=TYPE_EXPLANATIONS.get(auction.type, ""),
        watched=auction_is_watched(auction=auction, user=request.user),
        media=media_items(auction.media_links),
        share=auction_share_links(auction),
        meta=auction_page_meta(auction, images, context["price"]),
    )
    return render(request, "auctions/detail.html", context, status=status)


def render_live(
    request: HttpRequest, auction: Auction, posted: PostedForms | None = None
) -> HttpResponse:
    response = render(
        request, "auctions/includes/live.html", live_context(request, auction, posted)
    )
    response["Cache-Control"] = "no-store"
    return response


@require_GET
def auction_detail(request: HttpRequest, uuid: str) -> HttpResponse:
    return render_detail(request, public_auction_or_404(uuid))


@never_cache
@require_GET
def auction_live(request: HttpRequest, uuid: str) -> HttpResponse:
    """The page's poll. Usually nothing changed: one small query and a 204, which
    htmx leaves alone. Otherwise the live partial with the new version in it."""
    marker = auction_live_marker(uuid=uuid)
    if marker is None:
        raise Http404
    if request.GET.get("v") == auction_live_version(marker, timezone.now()):
        return HttpResponse(status=204)
    return render_live(request, public_auction_or_404(uuid))
