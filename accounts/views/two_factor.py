"""Two-factor pages: set up an authenticator (QR code, confirm with a code), see
the backup codes once, the verification step after log-in, turn it off."""

from __future__ import annotations

import base64

import segno
from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render, resolve_url
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.safestring import SafeString, mark_safe
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_http_methods, require_POST
from django_otp import DEVICE_ID_SESSION_KEY
from django_otp import login as otp_login
from django_otp.plugins.otp_totp.models import TOTPDevice

from ..errors import (
    TwoFactorAlreadyEnabled,
    TwoFactorError,
    TwoFactorNotEnabled,
    TwoFactorSetupMissing,
)
from ..forms import TwoFactorCodeForm
from ..selectors import two_factor_pending_device
from ..services_two_factor import (
    backup_code_format,
    two_factor_backup_codes_regenerate,
    two_factor_disable,
    two_factor_setup_confirm,
    two_factor_setup_start,
    two_factor_verify,
)
from .preferences import settings_render

# The fresh backup codes wait here between the POST that made them and the page
# that shows them, which takes them out: they are shown once.
BACKUP_CODES_SESSION_KEY = "two_factor_backup_codes"


@login_required
@require_POST
def setup_start(request: HttpRequest) -> HttpResponse:
    try:
        two_factor_setup_start(user=request.user)
    except TwoFactorAlreadyEnabled as error:
        messages.info(request, str(error))
        return redirect("settings")
    return redirect("two_factor_setup")


@never_cache
@login_required
@require_http_methods(["GET", "POST"])
def setup(request: HttpRequest) -> HttpResponse:
    device = two_factor_pending_device(user=request.user)
    if device is None:
        if request.user.two_factor_enabled:
            messages.info(request, str(TwoFactorAlreadyEnabled()))
        else:
            messages.info(request, str(TwoFactorSetupMissing()))
        return redirect("settings")
    form = TwoFactorCodeForm(request.POST or None, numeric=True, autofocus=True)
    if request.method == "POST" and form.is_valid():
        try:
            confirmed, codes = two_factor_setup_confirm(
                user=request.user, token=form.cleaned_data["code"]
            )
        except TwoFactorError as error:
            form.add_error("code", str(error))
        else:
            # The code just proved the phone is in this person's hand: this
            # session counts as verified from now on.
            otp_login(request, confirmed)
            request.session[BACKUP_CODES_SESSION_KEY] = codes
            messages.success(request, _("Two-factor authentication is on."))
            return redirect("two_factor_backup_codes")
    secret = base64.b32encode(device.bin_key).decode()
    return render(
        request,
        "accounts/two_factor/setup.html",
        {
            "form": form,
            "qr_svg": _qr_svg(device),
            "secret": secret,
            "secret_groups": [secret[i : i + 4] for i in range(0, len(secret), 4)],
            "otpauth_uri": device.config_url,
        },
        status=400 if form.errors else 200,
    )


@never_cache
@login_required
def backup_codes(request: HttpRequest) -> HttpResponse:
    codes = request.session.pop(BACKUP_CODES_SESSION_KEY, None)
    if not codes:
        messages.info(
            request,
            _(
                "Backup codes are shown only once. If you lost them, make new ones "
                "below."
            ),
        )
        return redirect("settings")
    return render(
        request,
        "accounts/two_factor/backup_codes.html",
        {"codes": [backup_code_format(code) for code in codes]},
    )


@login_required
@require_POST
def backup_codes_regenerate(request: HttpRequest) -> HttpResponse:
    if not request.user.two_factor_enabled:
        messages.info(request, str(TwoFactorNotEnabled()))
        return redirect("settings")
    form = TwoFactorCodeForm(request.POST, prefix="regenerate")
    if form.is_valid():
        try:
            codes = two_factor_backup_codes_regenerate(
                user=request.user, token=form.cleaned_data["code"]
            )
        except TwoFactorError as error:
            form.add_error("code", str(error))
        else:
            request.session[BACKUP_CODES_SESSION_KEY] = codes
            return redirect("two_factor_backup_codes")
    return settings_render(request, status=400, regenerate_form=form)


@login_required
@require_POST
def disable(request: HttpRequest) -> HttpResponse:
    if not request.user.two_factor_enabled:
        messages.info(request, str(TwoFactorNotEnabled()))
        return redirect("settings")
    form = TwoFactorCodeForm(request.POST, prefix="disable")
    if form.is_valid():
        try:
            two_factor_disable(user=request.user, token=form.cleaned_data["code"])
        except TwoFactorError as error:
            form.add_error("code", str(error))
        else:
            request.session.pop(DEVICE_ID_SESSION_KEY, None)
            messages.success(request, _("Two-factor authentication is off."))
            return redirect("settings")
    return settings_render(request, status=400, disable_form=form)


@never_cache
@login_required
@require_http_methods(["GET", "POST"])
def verify(request: HttpRequest) -> HttpResponse:
    """The second step of a log-in. Every other page sends an unverified user
    with an authenticator here (accounts.middleware.TwoFactorRequiredMiddleware)."""
    next_url = _safe_next(request)
    if not request.user.two_factor_enabled or request.user.is_verified():
        return redirect(next_url)
    form = TwoFactorCodeForm(request.POST or None, autofocus=True)
    if request.method == "POST" and form.is_valid():
        try:
            device = two_factor_verify(
                user=request.user, token=form.cleaned_data["code"]
            )
        except TwoFactorError as error:
            form.add_error("code", str(error))
        else:
            otp_login(request, device)
            return redirect(next_url)
    return render(
        request,
        "accounts/two_factor/verify.html",
        {"form": form, "next": next_url},
        status=400 if form.errors else 200,
    )


def _safe_next(request: HttpRequest) -> str:
    candidate = request.POST.get("next") or request.GET.get("next") or ""
    if candidate and url_has_allowed_host_and_scheme(
        candidate,
        allowed_hosts={request.get_host()},
        require_https=request.is_secure(),
    ):
        return candidate
    return resolve_url(settings.LOGIN_REDIRECT_URL)


def _qr_svg(device: TOTPDevice) -> SafeString:
    svg = segno.make(device.config_url, error="m").svg_inline(
        scale=5,
        border=2,
        dark="#000",
        light="#fff",
        omitsize=True,
        svgclass="two-factor-qr",
        title=_("QR code to scan with your authenticator app"),
    )
    # segno writes the markup itself and escapes the title.
    return mark_safe(svg)
