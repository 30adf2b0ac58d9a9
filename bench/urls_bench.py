"""The production URLconf plus /bench/trivial, the framework's floor: the same
middleware stack, session and user lookups, no view work."""

from __future__ import annotations

from django.conf import settings
from django.http import HttpRequest, HttpResponse
from django.urls import include, path

from auctions.views import bidding

if settings.BENCH_BID_RATE_LIMIT:
    bidding.BID_RATE_LIMIT = settings.BENCH_BID_RATE_LIMIT


def trivial(request: HttpRequest) -> HttpResponse:
    return HttpResponse("ok")


urlpatterns = [
    path("bench/trivial", trivial),
    path("", include("auction_bot.urls")),
]
