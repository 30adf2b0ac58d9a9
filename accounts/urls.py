from __future__ import annotations

from django.urls import path

from . import views

urlpatterns = [
    path("login", views.login_page, name="login"),
    path("logout", views.logout_view, name="logout"),
    path("profile", views.profile, name="profile"),
    path("language", views.language_set, name="language_set"),
    # allauth's own callback URL (its log-in view sends Telegram back here). This
    # URLconf is included before allauth's, so the checked view answers it.
    path(
        "accounts/telegram/login/callback/",
        views.TelegramCallbackView.as_view(),
        name="telegram_login_callback",
    ),
]
