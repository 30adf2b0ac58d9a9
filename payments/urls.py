from __future__ import annotations

from django.urls import path

from . import views

urlpatterns = [
    path("buy_stars", views.buy_stars, name="buy_stars"),
    path(
        "buy_stars/<int:payment_id>",
        views.buy_stars_payment,
        name="buy_stars_payment",
    ),
    path(
        "buy_stars/<int:payment_id>/status",
        views.buy_stars_status,
        name="buy_stars_status",
    ),
    path("balance", views.balance, name="balance"),
    path("subscribe", views.subscribe, name="subscribe"),
]
