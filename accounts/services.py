"""Writes to accounts: users (created from Telegram), language, notification
preferences, and the outbox. (Two-factor authentication: services_two_factor.)"""

from __future__ import annotations

import logging
from typing import Any

from django.conf import settings
from django.db import IntegrityError, transaction
from django.utils.translation import gettext_lazy as _

from auction_bot.errors import DomainError

from .models import Language, Notification, NotificationPreference, User

logger = logging.getLogger(__name__)

SUPPORTED_LANGUAGES = {code for code, _name in Language.choices}


def language_from_telegram(language_code: str | None) -> str:
    """Telegram sends an IETF tag such as "ru", "en-US" or "pt-br"."""
    base = (language_code or "").split("-")[0].lower()
    return base if base in SUPPORTED_LANGUAGES else settings.LANGUAGE_CODE


def user_get_or_create_from_telegram(
    *,
    telegram_id: int,
    username: str | None = None,
    first_name: str | None = None,
    last_name: str | None = None,
    language_code: str | None = None,
    photo_url: str | None = None,
) -> tuple[User, bool]:
    """Find the person by Telegram id or create them; refresh what Telegram says
    about them. The bot's /start and the web log-in both come through here, so one
    person is one user whichever door they use first."""
    fields = {
        "telegram_id": telegram_id,
        "username": username,
        "first_name": first_name,
        "last_name": last_name,
        "language_code": language_code,
        "photo_url": photo_url,
    }
    try:
        with transaction.atomic():
            user, created = _user_upsert_from_telegram(**fields)
    except IntegrityError:
        # Two first contacts at once (a double-tapped /start, or bot and web in the
        # same second): the other one created the row; update it instead.
        with transaction.atomic():
            user, created = _user_upsert_from_telegram(**fields)
    if created:
        logger.info("user created from telegram", extra={"user_id": user.pk})
    return user, created


def _user_upsert_from_telegram(
    *,
    telegram_id: int,
    username: str | None,
    first_name: str | None,
    last_name: str | None,
    language_code: str | None,
    photo_url: str | None,
) -> tuple[User, bool]:
    user = User.objects.select_for_update().filter(telegram_id=telegram_id).first()
    created = user is None
    if user is None:
        user = User(
            telegram_id=telegram_id,
            username=f"tg{telegram_id}",
            language=language_from_telegram(language_code),
        )
        user.set_unusable_password()
    user.telegram_username = (username or "")[:64]
    user.first_name = (first_name or "")[:150]
    user.last_name = (last_name or "")[:150]
    if photo_url:
        user.photo_url = photo_url[:512]
    if not user.language:
        user.language = language_from_telegram(language_code)
    user.save()
    return user, created


def user_set_language(*, user: User, language: str) -> User:
    if language not in SUPPORTED_LANGUAGES:
        raise DomainError(_("This language is not supported."))
    User.objects.filter(pk=user.pk).update(language=language)
    user.language = language
    return user


def notification_preferences_save(
    *, user: User, choices: dict[tuple[str, str], bool]
) -> None:
    """Store the user's choice for each (kind, channel) given; one statement, so
    saving the same form twice (a double click) is harmless."""
    NotificationPreference.objects.bulk_create(
        [
            NotificationPreference(
                user=user, kind=kind, channel=channel, enabled=enabled
            )
            for (kind, channel), enabled in choices.items()
        ],
        update_conflicts=True,
        unique_fields=["user", "kind", "channel"],
        update_fields=["enabled", "updated_at"],
    )


def notify(
    *,
    recipient: User,
    kind: str,
    payload: dict[str, Any] | None = None,
    event_key: str = "",
    channel: str = Notification.Channel.TELEGRAM,
) -> Notification | None:
    """Write a notification to the outbox inside the caller's transaction and
    arrange its delivery after commit. Returns None when this event was already
    notified to this recipient (same kind, channel and event_key)."""
    from .tasks import notification_deliver

    if event_key:
        # A savepoint, so a duplicate does not poison the caller's transaction.
        try:
            with transaction.atomic():
                notification = Notification.objects.create(
                    recipient=recipient,
                    kind=kind,
                    channel=channel,
                    payload=payload or {},
                    event_key=event_key,
                )
        except IntegrityError:
            return None
    else:
        notification = Notification.objects.create(
            recipient=recipient, kind=kind, channel=channel, payload=payload or {}
        )
    transaction.on_commit(
        lambda: notification_deliver.delay(notification.pk), robust=True
    )
    return notification
