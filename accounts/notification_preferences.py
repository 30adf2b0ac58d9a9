"""Which notifications a user may tune on the settings page, what each is called
there, and the defaults for choices the user never saved.

Every kind registered in `accounts.notifications` is offered except the internal
ones; a new kind gets its label here (a test checks that none is missing)."""

from __future__ import annotations

from django.utils.functional import Promise
from django.utils.translation import gettext_lazy as _

from .models import NotificationChannel
from .notifications import notification_kinds

# Shown in this order; the order of this dict is the order on the page.
KIND_LABELS: dict[str, Promise] = {
    "auction_outbid": _("Someone outbid me"),
    "auction_ending_soon": _("An auction I bid on or watch is ending soon"),
    "auction_extended": _("A late bid extended an auction I bid on"),
    "auction_won": _("I won an auction"),
    "auction_lost": _("An auction I bid on went to someone else"),
    "auction_new_bid": _("A new bid on my auction"),
    "auction_sold": _("My auction sold"),
    "auction_no_winner": _("My auction ended without bids"),
    "auction_reserve_not_met": _("An auction ended below its reserve price"),
    "auction_ended": _("An auction I watch ended"),
    "auction_cancelled_by_staff": _("The moderators cancelled an auction"),
    "payment_credited": _("Stars were added to my balance"),
    "refund": _("A payment was refunded"),
    "subscription_expiring": _("My subscription is about to end"),
    "subscription_expired": _("My subscription ended"),
}

# Sent whatever the settings say (a greeting, a staff test message).
INTERNAL_KINDS = frozenset({"welcome", "test"})

# On the page in this order.
CHANNELS: tuple[NotificationChannel, ...] = (
    NotificationChannel.TELEGRAM,
    NotificationChannel.SITE,
    NotificationChannel.EMAIL,
    NotificationChannel.PUSH,
)

# Telegram is where every user can be reached (they all come from it) and the
# site list costs nothing; e-mail and push need an address or a browser first.
DEFAULT_CHANNELS = frozenset({NotificationChannel.TELEGRAM, NotificationChannel.SITE})


def configurable_kinds() -> list[tuple[str, str]]:
    """(kind, label) for the settings page: the labelled kinds first, in their
    order, then any kind registered without a label under its own name."""
    registered = set(notification_kinds()) - INTERNAL_KINDS
    labelled = [(kind, str(label)) for kind, label in KIND_LABELS.items()]
    known = [(kind, label) for kind, label in labelled if kind in registered]
    unlabelled = sorted(registered - KIND_LABELS.keys())
    return known + [(kind, kind.replace("_", " ")) for kind in unlabelled]


def channel_default(channel: str) -> bool:
    return channel in DEFAULT_CHANNELS
