"""The catalogue of notification kinds: each kind says the right thing, in the
recipient's language, and a payload that does not fit fails without sending."""

from __future__ import annotations

import pytest

from accounts.models import Notification
from accounts.notifications import (
    TELEGRAM_TEXT_LIMIT,
    NotificationRenderError,
    UnknownNotificationKind,
    notification_kind,
    notification_kind_unregister,
    notification_kinds,
    notification_render,
)
from accounts.tasks import notification_deliver

from .factories import NotificationFactory, UserFactory

SAMPLE_PAYLOADS = {
    "welcome": {},
    "test": {},
    "payment_credited": {"amount": 5, "balance": 105},
    "subscription_expiring": {"ends_at": "2030-03-01T12:00:00+00:00"},
    "subscription_expired": {},
    "refund": {"payment_id": 1, "amount_stars": 250},
}


def render(kind: str, payload: dict, **user) -> str:
    return notification_render(
        kind=kind, payload=payload, recipient=UserFactory.build(**user)
    ).text


@pytest.mark.parametrize("language", ["en", "ru", "ar"])
@pytest.mark.parametrize("kind", sorted(SAMPLE_PAYLOADS))
def test_every_kind_renders_in_every_language(kind, language):
    assert render(kind, SAMPLE_PAYLOADS[kind], language=language).strip()


def test_the_catalogue_holds_the_kinds_that_exist_today():
    assert set(SAMPLE_PAYLOADS) <= set(notification_kinds())


def test_a_welcome_greets_the_user_by_name():
    text = render("welcome", {}, first_name="Alice", last_name="")
    assert text.startswith("Welcome to Bot-Auction, Alice!")


def test_a_credited_payment_counts_the_stars():
    assert render("payment_credited", {"amount": 1}) == (
        "1 star was credited to your balance."
    )
    assert render("payment_credited", {"amount": 100, "balance": 250}) == (
        "100 stars were credited to your balance.\nYour balance: 250 stars."
    )


def test_an_expiring_subscription_tells_the_date_in_the_users_language():
    payload = {"ends_at": "2030-03-01T12:00:00+00:00"}
    assert "March 1, 2030" in render("subscription_expiring", payload, language="en")
    # The date follows the recipient's locale (Django's formats), not the worker's.
    assert "March" not in render("subscription_expiring", payload, language="ru")


def test_a_payload_that_does_not_fit_its_kind_is_refused():
    with pytest.raises(NotificationRenderError):
        render("payment_credited", {})
    with pytest.raises(NotificationRenderError):
        render("subscription_expiring", {"ends_at": "next tuesday"})
    with pytest.raises(UnknownNotificationKind):
        render("no_such_kind", {})


def test_an_overlong_text_is_cut_to_telegrams_limit():
    @notification_kind("test_overlong")
    def overlong(payload, recipient) -> str:
        return "x" * 5000

    try:
        text = render("test_overlong", {})
    finally:
        notification_kind_unregister("test_overlong")
    assert len(text) == TELEGRAM_TEXT_LIMIT
    assert text.endswith("…")


@pytest.mark.django_db
def test_a_notification_with_a_bad_payload_fails_without_sending(fake_botapi):
    notification = NotificationFactory(kind="payment_credited", payload={})

    notification_deliver(notification.pk)

    notification.refresh_from_db()
    assert notification.status == Notification.Status.FAILED
    assert "amount" in notification.last_error
    assert fake_botapi.calls_to("sendMessage") == []
