from __future__ import annotations

from django.urls import path

from .views import login, preferences, profile, two_factor

urlpatterns = [
    path("login", login.login_page, name="login"),
    path("logout", login.logout_view, name="logout"),
    path("dashboard", profile.dashboard, name="dashboard"),
    # The original address of the owner's page: the same dashboard.
    path("profile", profile.dashboard, name="profile"),
    path("users/<int:user_id>", profile.public_profile, name="public_profile"),
    path("settings", preferences.settings_page, name="settings"),
    path("language", login.language_set, name="language_set"),
    path("2fa/setup/start", two_factor.setup_start, name="two_factor_setup_start"),
    path("2fa/setup", two_factor.setup, name="two_factor_setup"),
    path("2fa/backup-codes", two_factor.backup_codes, name="two_factor_backup_codes"),
    path(
        "2fa/backup-codes/new",
        two_factor.backup_codes_regenerate,
        name="two_factor_backup_codes_regenerate",
    ),
    path("2fa/verify", two_factor.verify, name="two_factor_verify"),
    path("2fa/disable", two_factor.disable, name="two_factor_disable"),
    # allauth's own callback URL (its log-in view sends Telegram back here). This
    # URLconf is included before allauth's, so the checked view answers it.
    path(
        "accounts/telegram/login/callback/",
        login.TelegramCallbackView.as_view(),
        name="telegram_login_callback",
    ),
]
