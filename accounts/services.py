"""Writes to accounts: users (created from Telegram), language, notification
preferences, and the outbox. (Two-factor authentication: services_two_factor.)"""

from __future__ import annotations

import logging
from collections import defaultdict
from collections.abc import Sequence
from typing import Any

from django.conf import settings
from django.db import IntegrityError, transaction
from django.db.models.constants import OnConflict
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
    written = notify_many(
        notifications=[
            Notification(
                recipient=recipient,
                kind=kind,
                channel=channel,
                payload=payload or {},
                event_key=event_key,
            )
        ]
    )
    return written[0] if written else None


def notify_many(*, notifications: Sequence[Notification]) -> list[Notification]:
    """Write several notifications (unsaved rows: recipient, kind, channel,
    payload, event_key) to the outbox in one statement inside the caller's
    transaction, and queue their delivery with one hook after commit. A row whose
    event was already notified (same recipient, kind, channel and event_key) is
    skipped; returns the rows written, with their ids, in the order given."""
    if not notifications:
        return []
    opts = Notification._meta
    returning = [opts.pk, *(opts.get_field(name) for name in _NOTIFICATION_KEY)]
    # INSERT … ON CONFLICT DO NOTHING RETURNING (INSERT OR IGNORE on SQLite):
    # a duplicate is skipped by the database itself, so it needs no savepoint to
    # keep the caller's transaction alive, and the rows returned are exactly the
    # ones written. bulk_create(ignore_conflicts=True) would not return their ids.
    rows = Notification.objects._insert(
        list(notifications),
        fields=[field for field in opts.concrete_fields if field is not opts.pk],
        returning_fields=returning,
        on_conflict=OnConflict.IGNORE,
    )
    waiting: dict[tuple[Any, ...], list[Notification]] = defaultdict(list)
    for notification in notifications:
        waiting[_notification_key(notification)].append(notification)
    written: set[int] = set()
    for row in rows:
        if row is None:  # a single row that was skipped
            continue
        pk, *key = row
        notification = waiting[tuple(key)].pop(0)
        notification.pk = pk
        notification._state.adding = False
        notification._state.db = Notification.objects.db
        written.add(id(notification))
    created = [n for n in notifications if id(n) in written]
    if created:
        ids = [notification.pk for notification in created]

        # A named function, not functools.partial: Django's robust on_commit logs a
        # failing hook by its __qualname__, which a partial does not have.
        def deliver() -> None:
            _deliver_after_commit(ids)

        transaction.on_commit(deliver, robust=True)
    return created


_NOTIFICATION_KEY = ("recipient", "kind", "channel", "event_key")


def _notification_key(notification: Notification) -> tuple[Any, ...]:
    return (
        notification.recipient_id,
        notification.kind,
        notification.channel,
        notification.event_key,
    )


def _deliver_after_commit(ids: list[int]) -> None:
    """One message to the broker per event, not one per recipient: a close that
    tells a dozen people would otherwise spend most of its time publishing."""
    from .tasks import notification_deliver, notifications_deliver

    if len(ids) == 1:
        notification_deliver.delay(ids[0])
        return
    for start in range(0, len(ids), DELIVERY_BATCH):
        notifications_deliver.delay(ids[start : start + DELIVERY_BATCH])


# At most this many notifications per delivery task: each is a Bot API call, and
# the task must finish well inside its time limit.
DELIVERY_BATCH = 20
