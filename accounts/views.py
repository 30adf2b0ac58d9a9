from __future__ import annotations

from django.contrib.auth import logout
from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.views.decorators.http import require_POST
from django.views.i18n import set_language

from .services import SUPPORTED_LANGUAGES, user_set_language


def login_page(request: HttpRequest) -> HttpResponse:
    if request.user.is_authenticated:
        return redirect("profile")
    return render(request, "accounts/login.html")


@require_POST
def logout_view(request: HttpRequest) -> HttpResponse:
    logout(request)
    return redirect("home")


@login_required
def profile(request: HttpRequest) -> HttpResponse:
    return render(request, "accounts/profile.html", {"profile_user": request.user})


@require_POST
def language_set(request: HttpRequest) -> HttpResponse:
    """Django's set_language (cookie), plus remembering the choice on the user so the
    bot and e-mails use it too."""
    language = request.POST.get("language", "")
    if request.user.is_authenticated and language in SUPPORTED_LANGUAGES:
        user_set_language(user=request.user, language=language)
    return set_language(request)
