"""Account pages: log-in (login.py), the dashboard and public profile
(profile.py), settings (preferences.py) and two-factor authentication
(two_factor.py)."""

from __future__ import annotations

from .login import TelegramCallbackView, language_set, login_page, logout_view

__all__ = ["TelegramCallbackView", "language_set", "login_page", "logout_view"]
