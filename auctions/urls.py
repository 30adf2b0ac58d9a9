from __future__ import annotations

from django.urls import path

from .views import create, detail

urlpatterns = [
    path("new_auction", create.auction_new, name="auction_new"),
    path("auction/<uuid:uuid>", detail.auction_detail, name="auction_detail"),
    path("auction/<uuid:uuid>/edit", create.auction_edit, name="auction_edit"),
    path(
        "auction/<uuid:uuid>/cancel", create.auction_cancel_view, name="auction_cancel"
    ),
]
