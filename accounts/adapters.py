from __future__ import annotations

from allauth.socialaccount.adapter import DefaultSocialAccountAdapter
from django.http import HttpRequest

from .models import User
from .services import user_get_or_create_from_telegram


class SocialAccountAdapter(DefaultSocialAccountAdapter):
    """Telegram log-in meets the bot on `telegram_id`: a person who first talked to
    the bot is logged in as that same user, and a person who first logs in on the
    web is the user the bot will find."""

    def pre_social_login(self, request: HttpRequest, sociallogin) -> None:
        if sociallogin.account.provider != "telegram" or sociallogin.is_existing:
            return
        data = sociallogin.account.extra_data
        user, _created = user_get_or_create_from_telegram(
            telegram_id=int(sociallogin.account.uid),
            username=data.get("username"),
            first_name=data.get("first_name"),
            last_name=data.get("last_name"),
            photo_url=data.get("photo_url"),
        )
        sociallogin.connect(request, user)

    def is_open_for_signup(self, request: HttpRequest, sociallogin) -> bool:
        return sociallogin.account.provider == "telegram"

    def populate_user(self, request: HttpRequest, sociallogin, data) -> User:
        return super().populate_user(request, sociallogin, data)
