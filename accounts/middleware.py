from __future__ import annotations

from collections.abc import Callable
from urllib.parse import urlencode

from django.conf import settings
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, resolve_url
from django.urls import Resolver404, resolve, reverse
from django.utils import translation


class UserLanguageMiddleware:
    """A signed-in user's saved language wins over the cookie and the browser, so
    the site, the e-mails and the bot all speak the same language to them."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        user = getattr(request, "user", None)
        if user is not None and user.is_authenticated and user.language:
            translation.activate(user.language)
            request.LANGUAGE_CODE = user.language
        return self.get_response(request)


class TwoFactorRequiredMiddleware:
    """A user with an authenticator is not fully logged in until they give a code:
    a session that came through Telegram but has not passed the second step
    reaches only the verification page, log-out, the language switch, static
    files and the admin (which asks for the code itself). Every other address — typed, bookmarked or posted to — sends it to
    /2fa/verify, and back to where it was going afterwards."""

    EXEMPT_URL_NAMES = frozenset(
        {"two_factor_verify", "logout", "account_logout", "language_set", "healthz"}
    )

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        user = getattr(request, "user", None)
        if (
            user is not None
            and user.is_authenticated
            and user.two_factor_enabled
            and not user.is_verified()
            and not self._exempt(request.path_info)
        ):
            return self._to_verification(request)
        return self.get_response(request)

    def _exempt(self, path: str) -> bool:
        prefixes = [settings.STATIC_URL, "/i18n/"]
        if settings.MEDIA_URL and settings.MEDIA_URL != "/":
            prefixes.append(settings.MEDIA_URL)
        if any(path.startswith(prefix) for prefix in prefixes):
            return True
        try:
            match = resolve(path)
        except Resolver404:
            return False
        # The admin asks for the code on its own log-in page (OTPAdminSite).
        return match.url_name in self.EXEMPT_URL_NAMES or match.namespace == "admin"

    def _to_verification(self, request: HttpRequest) -> HttpResponse:
        # Only a page that was being looked at is worth coming back to; a form
        # posted without the second step is dropped, not replayed.
        next_url = (
            request.get_full_path()
            if request.method == "GET"
            else resolve_url(settings.LOGIN_REDIRECT_URL)
        )
        location = f"{reverse('two_factor_verify')}?{urlencode({'next': next_url})}"
        if request.headers.get("HX-Request") == "true":
            # htmx would swap the verification page into a fragment of this one.
            response = HttpResponse(status=204)
            response["HX-Redirect"] = location
            return response
        return redirect(location)
