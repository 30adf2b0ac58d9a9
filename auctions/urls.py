from __future__ import annotations

from django.urls import path

from .views import bidding, create, detail, listing, my

urlpatterns = [
    path("new_auction", create.auction_new, name="auction_new"),
    path("auction/<uuid:uuid>", detail.auction_detail, name="auction_detail"),
    path("auction/<uuid:uuid>/live", detail.auction_live, name="auction_live"),
    path("auction/<uuid:uuid>/bid", bidding.auction_bid, name="auction_bid"),
    path("auction/<uuid:uuid>/max", bidding.auction_bid_max, name="auction_bid_max"),
    path(
        "auction/<uuid:uuid>/buy_now",
        bidding.auction_buy_now_view,
        name="auction_buy_now",
    ),
    path("auction/<uuid:uuid>/accept", bidding.auction_accept, name="auction_accept"),
    path("auction/<uuid:uuid>/close", bidding.auction_close_now, name="auction_close"),
    path("auction/<uuid:uuid>/watch", bidding.auction_watch, name="auction_watch"),
    path(
        "auction/<uuid:uuid>/unwatch", bidding.auction_unwatch, name="auction_unwatch"
    ),
    path("my_auctions", my.my_auctions, name="my_auctions"),
    path("watchlist", listing.watchlist, name="watchlist"),
    path("auction/<uuid:uuid>/edit", create.auction_edit, name="auction_edit"),
    path(
        "auction/<uuid:uuid>/cancel", create.auction_cancel_view, name="auction_cancel"
    ),
]
