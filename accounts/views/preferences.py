"""/settings: language, notification channels per kind, the connected Telegram
account and two-factor authentication."""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods

from ..forms import LanguageForm, NotificationPreferencesForm, TwoFactorCodeForm
from ..models import User
from ..notification_preferences import CHANNELS, configurable_kinds
from ..selectors import notification_preferences_for, two_factor_backup_codes_left
from ..services import notification_preferences_save


def notification_form(user: User, data: Any = None) -> NotificationPreferencesForm:
    initial = {
        NotificationPreferencesForm.field_name(kind, channel): enabled
        for (kind, channel), enabled in notification_preferences_for(user=user).items()
    }
    return NotificationPreferencesForm(
        data,
        initial=initial,
        kinds=configurable_kinds(),
        channels=tuple((channel.value, channel.label) for channel in CHANNELS),
    )


def settings_render(
    request: HttpRequest, *, status: int = 200, **forms: Any
) -> HttpResponse:
    """The settings page; a form that failed is passed in bound, with its errors
    and what the user typed."""
    user = request.user
    context = {
        "language_form": LanguageForm(initial={"language": user.preferred_language}),
        "notification_form": notification_form(user),
        "disable_form": TwoFactorCodeForm(prefix="disable"),
        "regenerate_form": TwoFactorCodeForm(prefix="regenerate"),
        "backup_codes_left": (
            two_factor_backup_codes_left(user=user) if user.two_factor_enabled else 0
        ),
    }
    context.update(forms)
    return render(request, "accounts/settings.html", context, status=status)


@login_required
@require_http_methods(["GET", "POST"])
def settings_page(request: HttpRequest) -> HttpResponse:
    if request.method == "POST":
        form = notification_form(request.user, request.POST)
        if not form.is_valid():
            return settings_render(request, status=400, notification_form=form)
        notification_preferences_save(user=request.user, choices=form.choices())
        messages.success(request, _("Your notification settings are saved."))
        return redirect("settings")
    return settings_render(request)
