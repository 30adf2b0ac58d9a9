"""Auctions, their bids, the stars held for them, images and watchers.

Money is integer stars in fields named `*_stars` or `amount`. The rows here that
carry money or state (Auction, Bid, AuctionHold) are written only by
`auctions.services`; the stars themselves move only through `payments.services`.
"""

from __future__ import annotations

import uuid

from django.conf import settings
from django.db import models
from django.db.models import F, Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _


class Category(models.Model):
    # Translated per language by django-modeltranslation (auctions/translation.py).
    name = models.CharField(_("name"), max_length=100)
    slug = models.SlugField(_("slug"), max_length=100, unique=True)
    position = models.PositiveSmallIntegerField(_("position"), default=0)

    class Meta:
        verbose_name = _("category")
        verbose_name_plural = _("categories")
        ordering = ["position", "pk"]

    def __str__(self) -> str:
        return self.name


class Auction(models.Model):
    class Type(models.TextChoices):
        ENGLISH = "english", _("English (ascending)")
        DUTCH = "dutch", _("Dutch (descending)")
        SEALED = "sealed", _("Sealed-bid")
        PERPETUAL = "perpetual", _("Perpetual")

    class Status(models.TextChoices):
        DRAFT = "draft", _("draft")
        SCHEDULED = "scheduled", _("scheduled")
        ACTIVE = "active", _("active")
        FINISHED = "finished", _("finished")
        CANCELLED = "cancelled", _("cancelled")

    class SealedPricing(models.TextChoices):
        FIRST_PRICE = "first", _("first price (the winner pays their bid)")
        SECOND_PRICE = "second", _("second price (the winner pays the next bid)")

    class Outcome(models.TextChoices):
        SOLD = "sold", _("sold")
        NO_BIDS = "no_bids", _("no bids")
        RESERVE_NOT_MET = "reserve_not_met", _("reserve not met")
        CANCELLED = "cancelled", _("cancelled")

    uuid = models.UUIDField(_("public id"), default=uuid.uuid4, unique=True)
    seller = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("seller"),
        on_delete=models.PROTECT,
        related_name="auctions_selling",
    )
    title = models.CharField(_("title"), max_length=200)
    description = models.TextField(_("description"), blank=True)
    # Video links as the seller typed them (at most five); pages embed only those
    # `auctions.media` recognises, built from the parsed video id.
    media_links = models.JSONField(_("video links"), default=list, blank=True)
    category = models.ForeignKey(
        Category,
        verbose_name=_("category"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="auctions",
    )
    type = models.CharField(
        _("type"), max_length=16, choices=Type.choices, default=Type.ENGLISH
    )
    status = models.CharField(
        _("status"), max_length=16, choices=Status.choices, default=Status.DRAFT
    )

    starting_price_stars = models.BigIntegerField(_("starting price"))
    # English/perpetual: the leading price (the starting price until the first
    # bid). Dutch: the accepted price once accepted (the live price is
    # `dutch_price_at`). Sealed: the starting price until the close.
    current_price_stars = models.BigIntegerField(_("current price"))
    min_increment_stars = models.BigIntegerField(_("minimum increment"), default=1)
    # Hidden from everyone but the seller; pages only say whether it is met.
    reserve_price_stars = models.BigIntegerField(
        _("reserve price"), null=True, blank=True
    )
    buy_now_price_stars = models.BigIntegerField(
        _("buy-it-now price"), null=True, blank=True
    )

    starts_at = models.DateTimeField(_("starts at"), default=timezone.now)
    # For perpetual auctions: the last activity plus the inactivity window, so one
    # sweep on ends_at closes every type.
    ends_at = models.DateTimeField(_("ends at"))

    # Soft close (English): a bid in the last `soft_close_minutes` that changes the
    # leader or the price extends the end by `extension_minutes`, at most
    # `max_extensions` times.
    soft_close_minutes = models.PositiveSmallIntegerField(
        _("soft close window (minutes)"), default=5
    )
    extension_minutes = models.PositiveSmallIntegerField(
        _("extension (minutes)"), default=5
    )
    max_extensions = models.PositiveSmallIntegerField(
        _("maximum extensions"), default=10
    )
    extensions_used = models.PositiveSmallIntegerField(_("extensions used"), default=0)

    sealed_pricing = models.CharField(
        _("sealed-bid pricing"),
        max_length=8,
        choices=SealedPricing.choices,
        default=SealedPricing.FIRST_PRICE,
    )
    dutch_step_stars = models.BigIntegerField(_("price step"), null=True, blank=True)
    dutch_interval_minutes = models.PositiveIntegerField(
        _("step interval (minutes)"), null=True, blank=True
    )
    dutch_floor_stars = models.BigIntegerField(_("floor price"), null=True, blank=True)
    inactivity_minutes = models.PositiveIntegerField(
        _("inactivity window (minutes)"), default=24 * 60
    )

    # English/perpetual: who leads now and their hidden proxy maximum (equal to
    # the price they bid when they gave no maximum).
    leader = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("leader"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
    )
    leader_max_stars = models.BigIntegerField(
        _("leader's maximum"), null=True, blank=True
    )
    bid_count = models.PositiveIntegerField(_("bids"), default=0)

    winner = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("winner"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="auctions_won",
    )
    final_price_stars = models.BigIntegerField(_("final price"), null=True, blank=True)
    close_outcome = models.CharField(
        _("outcome"), max_length=16, choices=Outcome.choices, blank=True
    )
    closed_at = models.DateTimeField(_("closed at"), null=True, blank=True)
    # "Ending soon" reminders already sent (a count of the configured lead times,
    # longest first), so the sweep sends each one once.
    reminders_sent = models.PositiveSmallIntegerField(_("reminders sent"), default=0)

    created_at = models.DateTimeField(_("created at"), auto_now_add=True)
    updated_at = models.DateTimeField(_("updated at"), auto_now=True)

    class Meta:
        verbose_name = _("auction")
        verbose_name_plural = _("auctions")
        ordering = ["-created_at", "-id"]
        indexes = [
            models.Index(fields=["status", "ends_at"]),
            models.Index(fields=["status", "starts_at"]),
        ]
        constraints = [
            models.CheckConstraint(
                condition=Q(starting_price_stars__gte=1),
                name="auction_starting_price_gte_1",
            ),
            models.CheckConstraint(
                condition=Q(current_price_stars__gte=1),
                name="auction_current_price_gte_1",
            ),
            models.CheckConstraint(
                condition=Q(min_increment_stars__gte=1),
                name="auction_min_increment_gte_1",
            ),
            models.CheckConstraint(
                condition=Q(reserve_price_stars__isnull=True)
                | Q(reserve_price_stars__gte=F("starting_price_stars")),
                name="auction_reserve_gte_starting",
            ),
            models.CheckConstraint(
                condition=Q(buy_now_price_stars__isnull=True)
                | Q(buy_now_price_stars__gt=F("starting_price_stars")),
                name="auction_buy_now_gt_starting",
            ),
            models.CheckConstraint(
                condition=Q(buy_now_price_stars__isnull=True)
                | Q(reserve_price_stars__isnull=True)
                | Q(buy_now_price_stars__gte=F("reserve_price_stars")),
                name="auction_buy_now_gte_reserve",
            ),
            models.CheckConstraint(
                condition=Q(dutch_floor_stars__isnull=True)
                | Q(
                    dutch_floor_stars__gte=1,
                    dutch_floor_stars__lte=F("starting_price_stars"),
                ),
                name="auction_dutch_floor_within_start",
            ),
            models.CheckConstraint(
                condition=Q(dutch_step_stars__isnull=True) | Q(dutch_step_stars__gte=1),
                name="auction_dutch_step_gte_1",
            ),
            models.CheckConstraint(
                condition=Q(dutch_interval_minutes__isnull=True)
                | Q(dutch_interval_minutes__gte=1),
                name="auction_dutch_interval_gte_1",
            ),
            models.CheckConstraint(
                condition=~Q(type="dutch")
                | Q(
                    dutch_step_stars__isnull=False,
                    dutch_interval_minutes__isnull=False,
                    dutch_floor_stars__isnull=False,
                ),
                name="auction_dutch_settings_present",
            ),
            models.CheckConstraint(
                condition=Q(inactivity_minutes__gte=1),
                name="auction_inactivity_gte_1",
            ),
            models.CheckConstraint(
                condition=Q(ends_at__gt=F("starts_at")),
                name="auction_ends_after_start",
            ),
            models.CheckConstraint(
                condition=Q(extensions_used__lte=F("max_extensions")),
                name="auction_extensions_within_max",
            ),
            models.CheckConstraint(
                condition=Q(leader_max_stars__isnull=True)
                | Q(leader_max_stars__gte=F("current_price_stars")),
                name="auction_leader_max_gte_price",
            ),
            models.CheckConstraint(
                condition=Q(final_price_stars__isnull=True)
                | Q(final_price_stars__gte=1),
                name="auction_final_price_gte_1",
            ),
        ]

    def __str__(self) -> str:
        return self.title

    def get_absolute_url(self) -> str:
        return f"/auction/{self.uuid}"

    @property
    def web_url(self) -> str:
        """The full link (for Telegram messages and buttons)."""
        return f"{settings.BASE_URL}/auction/{self.uuid}"


class AuctionImage(models.Model):
    auction = models.ForeignKey(
        Auction,
        verbose_name=_("auction"),
        on_delete=models.CASCADE,
        related_name="images",
    )
    image = models.ImageField(_("image"), upload_to="auctions/%Y/%m/")
    thumbnail = models.ImageField(
        _("thumbnail"), upload_to="auctions/thumbs/%Y/%m/", blank=True
    )
    position = models.PositiveSmallIntegerField(_("position"), default=0)
    width = models.PositiveIntegerField(_("width"), default=0)
    height = models.PositiveIntegerField(_("height"), default=0)
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)

    class Meta:
        verbose_name = _("auction image")
        verbose_name_plural = _("auction images")
        ordering = ["position", "pk"]

    def __str__(self) -> str:
        return f"{self.auction_id} #{self.position}"


class Bid(models.Model):
    """One accepted bid. Proxy steps the system made for a bidder are bids too,
    marked automatic. A sealed bid that is raised is a new row; the bidder's
    highest row is their bid."""

    auction = models.ForeignKey(
        Auction,
        verbose_name=_("auction"),
        on_delete=models.PROTECT,
        related_name="bids",
    )
    bidder = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("bidder"),
        on_delete=models.PROTECT,
        related_name="bids",
    )
    amount = models.BigIntegerField(_("amount"))
    # The bidder's proxy maximum when they gave one; never shown to others.
    max_amount = models.BigIntegerField(_("maximum"), null=True, blank=True)
    is_automatic = models.BooleanField(_("automatic"), default=False)
    created_at = models.DateTimeField(_("created at"), default=timezone.now)

    class Meta:
        verbose_name = _("bid")
        verbose_name_plural = _("bids")
        ordering = ["-created_at", "-id"]
        indexes = [
            models.Index(fields=["auction", "-amount"]),
            models.Index(fields=["bidder", "auction"]),
        ]
        constraints = [
            models.CheckConstraint(condition=Q(amount__gte=1), name="bid_amount_gte_1"),
            models.CheckConstraint(
                condition=Q(max_amount__isnull=True) | Q(max_amount__gte=F("amount")),
                name="bid_max_gte_amount",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.amount}★ by {self.bidder_id} on {self.auction_id}"


class AuctionHold(models.Model):
    """The stars currently held from `user` for `auction`. The sum of a user's
    rows equals `user.stars_held`; a hold released to zero is deleted."""

    auction = models.ForeignKey(
        Auction,
        verbose_name=_("auction"),
        on_delete=models.PROTECT,
        related_name="holds",
    )
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("user"),
        on_delete=models.PROTECT,
        related_name="auction_holds",
    )
    amount_stars = models.BigIntegerField(_("held stars"))
    updated_at = models.DateTimeField(_("updated at"), auto_now=True)

    class Meta:
        verbose_name = _("held stars")
        verbose_name_plural = _("held stars")
        constraints = [
            models.UniqueConstraint(
                fields=["auction", "user"], name="auction_hold_once_per_user"
            ),
            models.CheckConstraint(
                condition=Q(amount_stars__gt=0), name="auction_hold_amount_gt_0"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.amount_stars}★ of {self.user_id} on {self.auction_id}"


class Watch(models.Model):
    """A user's watchlist entry."""

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("user"),
        on_delete=models.CASCADE,
        related_name="watches",
    )
    auction = models.ForeignKey(
        Auction,
        verbose_name=_("auction"),
        on_delete=models.CASCADE,
        related_name="watches",
    )
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)

    class Meta:
        verbose_name = _("watched auction")
        verbose_name_plural = _("watchlist")
        ordering = ["-created_at"]
        constraints = [
            models.UniqueConstraint(fields=["user", "auction"], name="watch_once")
        ]

    def __str__(self) -> str:
        return f"{self.user_id} watches {self.auction_id}"
