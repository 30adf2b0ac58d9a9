from __future__ import annotations

from django import template
from django.utils import timezone

from accounts.models import User
from payments.selectors import subscription_get_for_user

register = template.Library()


@register.inclusion_tag("payments/includes/subscription_status.html")
def subscription_status(user: User, show_action: bool = True) -> dict[str, object]:
    """The user's subscription (active until / ended / none), for any page."""
    subscription = subscription_get_for_user(user=user)
    return {
        "subscription": subscription,
        # Time decides, as in `subscription_is_active`: the sweep may lag.
        "subscription_active": subscription is not None
        and subscription.ends_at > timezone.now(),
        "show_action": show_action,
    }
