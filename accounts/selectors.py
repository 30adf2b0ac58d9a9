"""Reads for accounts."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta

from django.db.models import Count, OuterRef, Q, Subquery
from django.utils import timezone
from django_otp.plugins.otp_static.models import StaticToken
from django_otp.plugins.otp_totp.models import TOTPDevice

from auctions.models import Auction, AuctionHold, Bid
from auctions.selectors import auction_price_now

from .models import Notification, NotificationChannel, NotificationPreference, User
from .notification_preferences import (
    CHANNELS,
    INTERNAL_KINDS,
    channel_default,
    configurable_kinds,
)
from .notifications import (
    NotificationRenderError,
    UnknownNotificationKind,
    notification_render,
)

# A fresh row is delivered by the task queued on its commit; the sweep leaves it
# alone for this long so that it does not queue every new row a second time.
NOTIFICATION_FRESH_GRACE = timedelta(minutes=1)


def notifications_due_ids(*, limit: int = 500) -> list[int]:
    """Pending notifications that nobody is delivering: a retry that has come due,
    a claim whose lease ran out (its worker died), or a fresh row whose on-commit
    task never ran (the broker was down, the process exited)."""
    now = timezone.now()
    return list(
        Notification.objects.filter(status=Notification.Status.PENDING)
        .filter(
            Q(next_attempt_at__lte=now)
            | Q(
                next_attempt_at__isnull=True,
                created_at__lte=now - NOTIFICATION_FRESH_GRACE,
            )
        )
        .order_by("pk")
        .values_list("pk", flat=True)[:limit]
    )


# -- settings -------------------------------------------------------------------


def notification_preferences_for(*, user: User) -> dict[tuple[str, str], bool]:
    """Every (kind, channel) the settings page offers, with the user's saved
    choice or the default."""
    saved = {
        (kind, channel): enabled
        for kind, channel, enabled in NotificationPreference.objects.filter(
            user=user
        ).values_list("kind", "channel", "enabled")
    }
    return {
        (kind, channel): saved.get((kind, channel), channel_default(channel))
        for kind, _label in configurable_kinds()
        for channel in CHANNELS
    }


def notification_channel_enabled(*, user: User, kind: str, channel: str) -> bool:
    """Whether `user` wants `kind` on `channel` (for delivery)."""
    if kind in INTERNAL_KINDS:
        return channel_default(channel)
    enabled = (
        NotificationPreference.objects.filter(user=user, kind=kind, channel=channel)
        .values_list("enabled", flat=True)
        .first()
    )
    return channel_default(channel) if enabled is None else enabled


def two_factor_pending_device(*, user: User) -> TOTPDevice | None:
    """The authenticator being set up (not confirmed yet), if any."""
    return TOTPDevice.objects.filter(user=user, confirmed=False).order_by("-pk").first()


def two_factor_backup_codes_left(*, user: User) -> int:
    return StaticToken.objects.filter(device__user=user, device__confirmed=True).count()


# -- public profile ----------------------------------------------------------------


@dataclass(frozen=True)
class ProfileStats:
    sold: int
    won: int


def public_profile_get(*, user_id: int) -> User | None:
    """A user anyone may look at: active accounts only (a deactivated one is
    gone from the site)."""
    return User.objects.filter(pk=user_id, is_active=True).first()


def public_profile_stats(*, user: User) -> ProfileStats:
    """Auctions sold and won, in one query."""
    finished = Auction.Status.FINISHED
    counts = Auction.objects.filter(Q(seller=user) | Q(winner=user)).aggregate(
        sold=Count(
            "pk",
            filter=Q(seller=user, status=finished, close_outcome=Auction.Outcome.SOLD),
        ),
        won=Count("pk", filter=Q(winner=user, status=finished)),
    )
    return ProfileStats(sold=counts["sold"], won=counts["won"])


def public_profile_auctions(*, user: User, limit: int = 6) -> list[Auction]:
    """What the user is selling right now."""
    now = timezone.now()
    return list(
        Auction.objects.filter(
            seller=user, status=Auction.Status.ACTIVE, starts_at__lte=now
        ).order_by("ends_at", "pk")[:limit]
    )


# -- dashboard ---------------------------------------------------------------------


class BidState:
    LEADING = "leading"
    OUTBID = "outbid"
    SEALED = "sealed"  # nobody knows who leads until the end


@dataclass(frozen=True)
class ActiveBid:
    auction: Auction
    my_bid: int
    held: int
    state: str
    price: int


@dataclass(frozen=True)
class RecentNotification:
    notification: Notification
    text: str
    link: str  # the auction it is about, "" if none


@dataclass(frozen=True)
class Dashboard:
    active_bids: list[ActiveBid]
    selling: list[Auction]
    won: list[Auction]
    notifications: list[RecentNotification]


DASHBOARD_LIMIT = 10


def dashboard_for(*, user: User, limit: int = DASHBOARD_LIMIT) -> Dashboard:
    """Everything the private dashboard lists, in four queries whatever the
    number of rows."""
    return Dashboard(
        active_bids=dashboard_active_bids(user=user, limit=2 * limit),
        selling=list(
            Auction.objects.filter(seller=user).order_by("-created_at", "-pk")[:limit]
        ),
        won=list(
            Auction.objects.filter(winner=user, status=Auction.Status.FINISHED)
            .select_related("seller")
            .order_by("-closed_at", "-pk")[:limit]
        ),
        notifications=notifications_recent(user=user, limit=limit),
    )


def dashboard_active_bids(*, user: User, limit: int) -> list[ActiveBid]:
    """Running auctions the user bid on, the soonest to end first, with their
    highest bid, the stars held for it and whether they lead."""
    mine = Bid.objects.filter(auction=OuterRef("pk"), bidder=user)
    auctions = (
        Auction.objects.filter(
            status=Auction.Status.ACTIVE,
            pk__in=Bid.objects.filter(bidder=user).values("auction_id"),
        )
        .annotate(
            my_bid=Subquery(mine.order_by("-amount").values("amount")[:1]),
            my_held=Subquery(
                AuctionHold.objects.filter(auction=OuterRef("pk"), user=user).values(
                    "amount_stars"
                )[:1]
            ),
        )
        .order_by("ends_at", "pk")[:limit]
    )
    now = timezone.now()
    return [
        ActiveBid(
            auction=auction,
            my_bid=auction.my_bid,
            held=auction.my_held or 0,
            state=_bid_state(auction, user),
            price=auction_price_now(auction, now),
        )
        for auction in auctions
    ]


def _bid_state(auction: Auction, user: User) -> str:
    if auction.type == Auction.Type.SEALED:
        return BidState.SEALED
    return BidState.LEADING if auction.leader_id == user.pk else BidState.OUTBID


def notifications_recent(
    *, user: User, limit: int = DASHBOARD_LIMIT
) -> list[RecentNotification]:
    """The newest notifications, as the bot worded them, in the user's language,
    except the kinds the user turned off "on the site". The link the Telegram
    text ends with becomes a link on the page."""
    hidden_kinds = NotificationPreference.objects.filter(
        user=user, channel=NotificationChannel.SITE, enabled=False
    ).values("kind")
    notifications = (
        Notification.objects.filter(recipient=user)
        .exclude(kind__in=hidden_kinds)
        .order_by("-created_at", "-pk")[:limit]
    )
    recent = []
    for notification in notifications:
        try:
            text = notification_render(
                kind=notification.kind,
                payload=notification.payload,
                recipient=user,
            ).text
        except (UnknownNotificationKind, NotificationRenderError):
            text = ""
        link = ""
        auction = notification.payload.get("auction")
        if auction:
            link = f"/auction/{auction}"
            lines = text.rsplit("\n", 1)
            if len(lines) == 2 and lines[1].endswith(link):
                text = lines[0]
        recent.append(
            RecentNotification(notification=notification, text=text, link=link)
        )
    return recent
