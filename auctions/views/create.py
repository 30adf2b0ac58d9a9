"""Selling pages: /new_auction, and the seller's edit and cancel of an auction
nobody has bid on yet. Thin: the form parses, the services decide."""

from __future__ import annotations

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from auction_bot.errors import DomainError
from auctions.forms import AuctionForm
from auctions.models import Auction
from auctions.selectors import auction_get_public
from auctions.services import (
    AuctionInvalid,
    AuctionNotEditable,
    SubscriptionRequired,
    auction_cancel,
    auction_create,
    auction_update,
)
from payments.selectors import subscription_is_active


def _detail_url(auction: Auction) -> str:
    return reverse("auction_detail", kwargs={"uuid": auction.uuid})


def _render_new(
    request: HttpRequest, form: AuctionForm | None, *, can_sell: bool
) -> HttpResponse:
    return render(
        request,
        "auctions/new.html",
        {
            "form": form,
            "can_sell": can_sell,
            "subscription_price": settings.SUBSCRIPTION_PRICE_STARS,
            "subscription_days": settings.SUBSCRIPTION_DAYS,
            "max_images": settings.AUCTION_IMAGES_MAX,
        },
    )


@login_required
def auction_new(request: HttpRequest) -> HttpResponse:
    user = request.user
    if user.is_suspended or not subscription_is_active(user):
        return _render_new(request, None, can_sell=False)
    form = AuctionForm(request.POST or None, request.FILES or None)
    if request.method == "POST" and form.is_valid():
        try:
            auction = auction_create(
                seller=user,
                type=form.chosen_type(),
                images=form.cleaned_data["images"],
                **form.terms(),
            )
        except AuctionInvalid as exc:
            form.add_problems(exc.problems)
        except SubscriptionRequired:
            return _render_new(request, None, can_sell=False)
        except DomainError as exc:
            form.add_error(None, str(exc))
        else:
            messages.success(request, _("Your auction is up."))
            return redirect(_detail_url(auction))
    return _render_new(request, form, can_sell=True)


def _own_auction(request: HttpRequest, uuid: str) -> Auction:
    auction = auction_get_public(uuid=uuid)
    if auction is None or auction.seller_id != request.user.pk:
        raise Http404
    return auction


@login_required
def auction_edit(request: HttpRequest, uuid: str) -> HttpResponse:
    auction = _own_auction(request, uuid)
    form = AuctionForm(request.POST or None, request.FILES or None, auction=auction)
    if request.method == "POST" and form.is_valid():
        try:
            auction_update(
                auction=auction,
                user=request.user,
                images=form.cleaned_data["images"] or None,
                **form.terms(),
            )
        except AuctionInvalid as exc:
            form.add_problems(exc.problems)
        except AuctionNotEditable as exc:
            messages.error(request, str(exc))
            return redirect(_detail_url(auction))
        except DomainError as exc:
            form.add_error(None, str(exc))
        else:
            messages.success(request, _("Your changes are saved."))
            return redirect(_detail_url(auction))
    return render(
        request,
        "auctions/edit.html",
        {"form": form, "auction": auction, "max_images": settings.AUCTION_IMAGES_MAX},
    )


@login_required
@require_POST
def auction_cancel_view(request: HttpRequest, uuid: str) -> HttpResponse:
    auction = _own_auction(request, uuid)
    try:
        auction_cancel(auction=auction, user=request.user)
    except DomainError as exc:
        messages.error(request, str(exc))
    else:
        messages.success(request, _("The auction is cancelled."))
    return redirect(_detail_url(auction))
