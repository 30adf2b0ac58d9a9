from __future__ import annotations

from django.conf import settings
from django.contrib.auth.models import AbstractUser
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _


class Language(models.TextChoices):
    RUSSIAN = "ru", "Русский"
    ENGLISH = "en", "English"
    ARABIC = "ar", "العربية"


class User(AbstractUser):
    """A person on the platform. Telegram is the identity: the bot's /start and the
    web's "Log in with Telegram" meet on `telegram_id`.

    `stars_balance` (available) and `stars_held` are caches of the star ledger in
    `payments`, written only by its services in the same transaction as the entries;
    the database refuses a negative value whatever the code does.
    """

    telegram_id = models.BigIntegerField(
        _("Telegram id"), unique=True, null=True, blank=True
    )
    telegram_username = models.CharField(
        _("Telegram username"), max_length=64, blank=True
    )
    photo_url = models.URLField(_("photo URL"), max_length=512, blank=True)
    language = models.CharField(
        _("language"), max_length=8, choices=Language.choices, blank=True
    )
    stars_balance = models.BigIntegerField(
        _("available stars"), default=0, editable=False
    )
    stars_held = models.BigIntegerField(_("held stars"), default=0, editable=False)
    is_suspended = models.BooleanField(_("suspended"), default=False)
    # Whether the user has a confirmed authenticator (TOTP) device. Kept in step
    # with the devices by signals (accounts/signals.py) so that the check every
    # page makes ("must this session pass the second step?") costs no query.
    two_factor_enabled = models.BooleanField(
        _("two-factor authentication"), default=False, editable=False
    )

    class Meta:
        verbose_name = _("user")
        verbose_name_plural = _("users")
        constraints = [
            models.CheckConstraint(
                condition=Q(stars_balance__gte=0), name="user_stars_balance_gte_0"
            ),
            models.CheckConstraint(
                condition=Q(stars_held__gte=0), name="user_stars_held_gte_0"
            ),
        ]

    def __str__(self) -> str:
        return self.display_name

    @property
    def display_name(self) -> str:
        full = f"{self.first_name} {self.last_name}".strip()
        if full:
            return full
        if self.telegram_username:
            return f"@{self.telegram_username}"
        return self.username

    @property
    def preferred_language(self) -> str:
        return self.language or settings.LANGUAGE_CODE


class Notification(models.Model):
    """The outbox. A row is written in the same transaction as the event it tells
    of, so a rolled-back event is never announced and a committed one is never lost:
    a worker delivers it after commit, and a beat sweep picks up whatever a crashed
    worker left pending."""

    class Channel(models.TextChoices):
        TELEGRAM = "telegram", _("Telegram")

    class Status(models.TextChoices):
        PENDING = "pending", _("pending")
        SENT = "sent", _("sent")
        FAILED = "failed", _("failed")

    recipient = models.ForeignKey(
        User, on_delete=models.CASCADE, related_name="notifications"
    )
    kind = models.CharField(_("kind"), max_length=40)
    channel = models.CharField(
        _("channel"), max_length=16, choices=Channel.choices, default=Channel.TELEGRAM
    )
    payload = models.JSONField(_("payload"), default=dict, blank=True)
    # Identifies the event (e.g. "bid:123"): with recipient, kind and channel it is
    # unique, so an event retried by its producer is still notified once.
    event_key = models.CharField(_("event key"), max_length=100, blank=True)
    status = models.CharField(
        _("status"), max_length=12, choices=Status.choices, default=Status.PENDING
    )
    attempts = models.PositiveSmallIntegerField(_("attempts"), default=0)
    last_error = models.TextField(_("last error"), blank=True)
    next_attempt_at = models.DateTimeField(_("next attempt at"), null=True, blank=True)
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)
    updated_at = models.DateTimeField(_("updated at"), auto_now=True)
    sent_at = models.DateTimeField(_("sent at"), null=True, blank=True)

    class Meta:
        verbose_name = _("notification")
        verbose_name_plural = _("notifications")
        ordering = ["-created_at"]
        indexes = [models.Index(fields=["status", "next_attempt_at"])]
        constraints = [
            models.UniqueConstraint(
                fields=["recipient", "kind", "channel", "event_key"],
                condition=~Q(event_key=""),
                name="notification_once_per_event",
            )
        ]

    def __str__(self) -> str:
        return f"{self.kind} → {self.recipient_id} ({self.status})"


class NotificationChannel(models.TextChoices):
    TELEGRAM = "telegram", _("Telegram")
    EMAIL = "email", _("E-mail")
    PUSH = "push", _("Push")
    SITE = "site", _("On the site")


class NotificationPreference(models.Model):
    """A user's choice for one kind of notification on one channel. Only choices
    the user saved are stored; a missing row means the default
    (`accounts.notification_preferences.DEFAULT_CHANNELS`)."""

    user = models.ForeignKey(
        User, on_delete=models.CASCADE, related_name="notification_preferences"
    )
    kind = models.CharField(_("kind"), max_length=40)
    channel = models.CharField(
        _("channel"), max_length=16, choices=NotificationChannel.choices
    )
    enabled = models.BooleanField(_("enabled"))
    updated_at = models.DateTimeField(_("updated at"), auto_now=True)

    class Meta:
        verbose_name = _("notification preference")
        verbose_name_plural = _("notification preferences")
        constraints = [
            models.UniqueConstraint(
                fields=["user", "kind", "channel"],
                name="notification_preference_once",
            )
        ]

    def __str__(self) -> str:
        state = "on" if self.enabled else "off"
        return f"{self.user_id} {self.kind}/{self.channel}: {state}"
