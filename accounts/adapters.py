from __future__ import annotations

from allauth.account.adapter import DefaultAccountAdapter
from allauth.socialaccount.adapter import DefaultSocialAccountAdapter
from allauth.socialaccount.models import SocialLogin
from django.http import HttpRequest
from django.utils import translation

from .services import user_get_or_create_from_telegram


class AccountAdapter(DefaultAccountAdapter):
    """People sign up through Telegram only: a username/password sign-up would make
    a user the bot can never find. (Staff get passwords from `createsuperuser`.)"""

    def is_open_for_signup(self, request: HttpRequest) -> bool:
        return False


class SocialAccountAdapter(DefaultSocialAccountAdapter):
    """Telegram log-in meets the bot on `telegram_id`: a person who first talked to
    the bot is logged in as that same user, and a person who first logs in on the
    web is the user the bot will find. allauth's own sign-up never runs: the user
    is always made (or found) by the same service the bot uses."""

    def pre_social_login(self, request: HttpRequest, sociallogin: SocialLogin) -> None:
        if sociallogin.account.provider != "telegram":
            return
        telegram_id = int(sociallogin.account.uid)
        if sociallogin.is_existing and sociallogin.user.telegram_id != telegram_id:
            # Connected by hand to a user without this Telegram id (staff tooling):
            # the service would look for, or create, somebody else.
            return
        data = sociallogin.account.extra_data
        user, _created = user_get_or_create_from_telegram(
            telegram_id=telegram_id,
            username=data.get("username"),
            first_name=data.get("first_name"),
            last_name=data.get("last_name"),
            photo_url=data.get("photo_url"),
            # Telegram's log-in data carries no language; a first visit keeps the
            # one the person is reading the site in.
            language_code=translation.get_language(),
        )
        if sociallogin.is_existing:
            sociallogin.user.refresh_from_db()
        else:
            sociallogin.connect(request, user)

    def is_open_for_signup(
        self, request: HttpRequest, sociallogin: SocialLogin
    ) -> bool:
        return sociallogin.account.provider == "telegram"
