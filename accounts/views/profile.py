"""The owner's private dashboard and everyone's public profile page."""

from __future__ import annotations

from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import render
from django.views.decorators.http import require_GET

from ..selectors import (
    dashboard_for,
    public_profile_auctions,
    public_profile_get,
    public_profile_stats,
)


@login_required
@require_GET
def dashboard(request: HttpRequest) -> HttpResponse:
    return render(
        request,
        "accounts/dashboard.html",
        {"profile_user": request.user, "dashboard": dashboard_for(user=request.user)},
    )


@require_GET
def public_profile(request: HttpRequest, user_id: int) -> HttpResponse:
    """What anyone may know about a member: no balance, no bids, no Telegram id."""
    member = public_profile_get(user_id=user_id)
    if member is None:
        raise Http404
    return render(
        request,
        "accounts/public_profile.html",
        {
            "member": member,
            "stats": public_profile_stats(user=member),
            "selling": public_profile_auctions(user=member),
            "is_own": member.pk == request.user.pk,
        },
    )
