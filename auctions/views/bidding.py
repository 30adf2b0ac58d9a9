"""What a bidder (or the seller) posts from an auction page: a bid, a proxy
maximum, buy-it-now, accepting the Dutch price, closing a perpetual auction
early, and watching. Each view parses, calls one service and shows its answer:
a refusal as a form error in the user's language, a success as a message after
a redirect back to the page (PRG) — or, for htmx, the page's live partial."""

from __future__ import annotations

from collections.abc import Callable
from functools import wraps

from django.contrib import messages
from django.contrib.auth.views import redirect_to_login
from django.core.cache import cache
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_POST

from auction_bot.errors import DomainError
from auctions.errors import BidTooLow
from auctions.forms_bid import BidForm, ConfirmForm, MaxBidForm
from auctions.models import Auction
from auctions.selectors import auction_min_next_bid
from auctions.services import (
    BidResult,
    auction_buy_now,
    auction_close_early,
    bid_place,
    dutch_accept,
    unwatch,
    watch,
)

from .detail import PostedForms, public_auction_or_404, render_detail, render_live

# SPEC §5: bidding is rate-limited per user. A person clicking "bid" as fast
# as they can stays well under this; a script hammering the hot auction does not.
BID_RATE_LIMIT = 10
BID_RATE_WINDOW_SECONDS = 10
RATE_KEY_PREFIX = "bid-rate"
# A proxy maximum is placed at the minimum next bid read just before; another
# bid in between raises that minimum, so the view tries again with the new one.
MAX_BID_ATTEMPTS = 3


class BiddingTooFast(DomainError):
    """More bids in the window than the limit allows."""


def _is_htmx(request: HttpRequest) -> bool:
    return request.headers.get("HX-Request") == "true"


def _detail_path(uuid: object) -> str:
    return f"/auction/{uuid}"


def login_required_for_auction(view: Callable) -> Callable:
    """Like login_required, but back to the auction page after logging in (these
    URLs only take posts), and for htmx a client-side redirect rather than a
    login page swapped into the auction page."""

    @wraps(view)
    def wrapper(request: HttpRequest, uuid: str, *args, **kwargs) -> HttpResponse:
        if request.user.is_authenticated:
            return view(request, uuid, *args, **kwargs)
        login = redirect_to_login(_detail_path(uuid))
        if _is_htmx(request):
            response = HttpResponse(status=204)
            response["HX-Redirect"] = login.url
            return response
        return login

    return wrapper


def _check_rate(user_id: int) -> None:
    """A counter per user in the shared cache (Redis in production, so it holds
    across every web process). The window opens with the first bid and the
    counter expires with it."""
    key = f"{RATE_KEY_PREFIX}:{user_id}"
    cache.add(key, 0, timeout=BID_RATE_WINDOW_SECONDS)
    try:
        count = cache.incr(key)
    except ValueError:  # expired between add and incr
        cache.add(key, 1, timeout=BID_RATE_WINDOW_SECONDS)
        count = 1
    if count > BID_RATE_LIMIT:
        raise BiddingTooFast(
            gettext_lazy(
                "You are bidding too fast. Please wait a few seconds and try again."
            )
        )


def _refused(
    request: HttpRequest, auction: Auction, posted: PostedForms, status: int
) -> HttpResponse:
    if _is_htmx(request):
        # 200 even when throttled: htmx swaps only successful answers, and the
        # refusal must show in the form.
        return render_live(request, auction, posted)
    return render_detail(request, auction, posted, status=status)


def _succeeded(request: HttpRequest, uuid: str, notice: str) -> HttpResponse:
    if _is_htmx(request):
        # The user's balance moved: the partial shows it in the menu too.
        request.user.refresh_from_db(fields=["stars_balance", "stars_held"])
        return render_live(
            request, public_auction_or_404(uuid), PostedForms(notice=notice)
        )
    messages.success(request, notice)
    return redirect(_detail_path(uuid))


def _attempt(
    request: HttpRequest,
    uuid: str,
    form: BidForm | MaxBidForm | ConfirmForm,
    slot: str,
    action: Callable[[Auction, dict], str],
) -> HttpResponse:
    """Validate `form`, check the rate, run `action` (one service call returning
    the success text) and answer. `slot` names the form on the page."""
    auction = public_auction_or_404(uuid)
    status = 200
    if form.is_valid():
        try:
            _check_rate(request.user.pk)
            notice = action(auction, form.cleaned_data)
        except BiddingTooFast as error:
            form.add_domain_error(error)
            status = 429
        except DomainError as error:
            form.add_domain_error(error)
        else:
            return _succeeded(request, uuid, notice)
    return _refused(request, auction, PostedForms(**{slot: form}), status)


def _bid_notice(result: BidResult) -> str:
    auction = result.auction
    if auction.type == Auction.Type.SEALED:
        return _(
            "Your sealed bid of %(amount)s ⭐ is in. Bids are revealed when the "
            "auction ends."
        ) % {"amount": result.bid.amount if result.bid else result.price_stars}
    if result.bid is None and result.leading:
        return _(
            "Your maximum is now %(maximum)s ⭐. You are still the highest bidder."
        ) % {"maximum": auction.leader_max_stars}
    if result.leading:
        return _("You are the highest bidder at %(price)s ⭐.") % {
            "price": result.price_stars
        }
    return _(
        "Your bid is in, but another bidder's maximum is higher: the price is now "
        "%(price)s ⭐."
    ) % {"price": result.price_stars}


@login_required_for_auction
@require_POST
def auction_bid(request: HttpRequest, uuid: str) -> HttpResponse:
    def place(auction: Auction, data: dict) -> str:
        result = bid_place(auction=auction, bidder=request.user, amount=data["amount"])
        return _bid_notice(result)

    return _attempt(request, uuid, BidForm(request.POST), "bid", place)


@login_required_for_auction
@require_POST
def auction_bid_max(request: HttpRequest, uuid: str) -> HttpResponse:
    def place(auction: Auction, data: dict) -> str:
        maximum = data["max_amount"]
        for attempt in range(MAX_BID_ATTEMPTS):
            # The opening bid is the least that may be bid now; the proxy takes
            # it from there. A maximum below it is refused with the minimum.
            amount = min(auction_min_next_bid(auction), maximum)
            try:
                result = bid_place(
                    auction=auction,
                    bidder=request.user,
                    amount=amount,
                    max_amount=maximum,
                )
            except BidTooLow:
                fresh = public_auction_or_404(uuid)
                minimum = auction_min_next_bid(fresh)
                last = attempt + 1 == MAX_BID_ATTEMPTS
                if last or not amount < minimum <= maximum:
                    raise
                auction = fresh
            else:
                return _bid_notice(result)
        raise AssertionError("unreachable")  # pragma: no cover

    return _attempt(request, uuid, MaxBidForm(request.POST), "max", place)


def _bought_notice(result: BidResult) -> str:
    return _("It is yours: you bought it for %(price)s ⭐.") % {
        "price": result.price_stars
    }


@login_required_for_auction
@require_POST
def auction_buy_now_view(request: HttpRequest, uuid: str) -> HttpResponse:
    def buy(auction: Auction, data: dict) -> str:
        return _bought_notice(auction_buy_now(auction=auction, buyer=request.user))

    return _attempt(request, uuid, ConfirmForm(request.POST), "confirm", buy)


@login_required_for_auction
@require_POST
def auction_accept(request: HttpRequest, uuid: str) -> HttpResponse:
    def accept(auction: Auction, data: dict) -> str:
        return _bought_notice(dutch_accept(auction=auction, buyer=request.user))

    return _attempt(request, uuid, ConfirmForm(request.POST), "confirm", accept)


@login_required_for_auction
@require_POST
def auction_close_now(request: HttpRequest, uuid: str) -> HttpResponse:
    def close(auction: Auction, data: dict) -> str:
        result = auction_close_early(auction=auction, seller=request.user)
        if result.final_price_stars is None:
            return _("The auction is closed.")
        return _("The auction is closed: sold for %(price)s ⭐.") % {
            "price": result.final_price_stars
        }

    return _attempt(request, uuid, ConfirmForm(request.POST), "confirm", close)


def _watch_answer(
    request: HttpRequest, auction: Auction, watched: bool
) -> HttpResponse:
    if _is_htmx(request):
        return render(
            request,
            "auctions/includes/watch_button.html",
            {"auction": auction, "watched": watched},
        )
    if watched:
        messages.success(request, _("Added to your watchlist."))
    else:
        messages.success(request, _("Removed from your watchlist."))
    return redirect(_detail_path(auction.uuid))


@login_required_for_auction
@require_POST
def auction_watch(request: HttpRequest, uuid: str) -> HttpResponse:
    auction = public_auction_or_404(uuid)
    watch(user=request.user, auction=auction)
    return _watch_answer(request, auction, True)


@login_required_for_auction
@require_POST
def auction_unwatch(request: HttpRequest, uuid: str) -> HttpResponse:
    auction = public_auction_or_404(uuid)
    unwatch(user=request.user, auction=auction)
    return _watch_answer(request, auction, False)
