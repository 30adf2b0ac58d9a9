"""Log-in with Telegram, log-out and the language switch."""

from __future__ import annotations

from allauth.socialaccount.adapter import get_adapter as get_socialaccount_adapter
from allauth.socialaccount.providers.telegram.views import (
    CallbackView as AllauthTelegramCallbackView,
)
from django.conf import settings
from django.contrib.auth import logout
from django.core.exceptions import PermissionDenied
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.views.decorators.http import require_POST
from django.views.i18n import set_language

from ..forms import LanguageForm
from ..services import user_set_language
from ..telegram_login import (
    TelegramLoginError,
    TelegramLoginIncomplete,
    TelegramLoginStateUnknown,
    telegram_login_data_decode,
    telegram_login_data_verify,
)


def login_page(request: HttpRequest) -> HttpResponse:
    if request.user.is_authenticated:
        return redirect("profile")
    return render(
        request,
        "accounts/login.html",
        {"telegram_configured": bool(settings.TELEGRAM_BOT_TOKEN)},
    )


@require_POST
def logout_view(request: HttpRequest) -> HttpResponse:
    logout(request)
    return redirect("home")


@require_POST
def language_set(request: HttpRequest) -> HttpResponse:
    """Django's set_language (cookie, safe `next` redirect), plus remembering the
    choice on the user so the bot and e-mails use it too."""
    form = LanguageForm(request.POST)
    if request.user.is_authenticated and form.is_valid():
        user_set_language(user=request.user, language=form.cleaned_data["language"])
    return set_language(request)


class TelegramCallbackView(AllauthTelegramCallbackView):
    """allauth's callback, with the data checked first: allauth answers a missing
    `auth_date` with a 500 and every other problem with one generic page, and
    accepts any data when the bot token is empty. Refusals here say what went wrong
    and create nothing; accepted data goes on to allauth, which logs the person in
    (the adapter finds or creates the user)."""

    def post(self, request: HttpRequest) -> HttpResponse:
        provider = get_socialaccount_adapter().get_provider(request, "telegram")
        try:
            if not request.GET.get("state"):
                raise TelegramLoginIncomplete()
            data = telegram_login_data_decode(request.POST.get("tgAuthResult", ""))
            telegram_login_data_verify(
                data=data,
                bot_token=provider.app.secret,
                max_age=settings.TELEGRAM_LOGIN_MAX_AGE,
            )
        except TelegramLoginError as error:
            return _telegram_login_refused(request, error)
        try:
            return super().post(request)
        except PermissionDenied:
            # allauth's answer to a state it does not know: used already, older
            # than its lifetime, or from another browser's session.
            return _telegram_login_refused(request, TelegramLoginStateUnknown())


def _telegram_login_refused(
    request: HttpRequest, error: TelegramLoginError
) -> HttpResponse:
    return render(
        request,
        "accounts/telegram_login_error.html",
        {"error_message": error.message},
        status=400,
    )
