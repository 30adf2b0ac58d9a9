"""The notification outbox, end to end: a notified event reaches the user's Telegram
(the fake Bot API) once, in their language, despite failures and crashes."""

from __future__ import annotations

import threading
import uuid
from collections.abc import Iterator
from datetime import timedelta

import pytest
from django.db import close_old_connections, connection, transaction
from django.utils import timezone, translation
from django_otp import DEVICE_ID_SESSION_KEY
from django_otp.plugins.otp_totp.models import TOTPDevice

from accounts import services_notifications
from accounts.models import Notification
from accounts.notifications import notification_kind, notification_kind_unregister
from accounts.services import notify
from accounts.services_notifications import CLAIM_LEASE, notifications_retry
from accounts.tasks import notification_deliver, notifications_requeue_stuck
from auction_bot.celery import app as celery_app

from .factories import NotificationFactory, SuperUserFactory, UserFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def celery_eager() -> Iterator[None]:
    """Run queued tasks at once, in the test: `.delay()` after commit then really
    delivers. (tests/test_celery_worker.py does the same with a real worker.)"""
    saved = celery_app.conf.task_always_eager, celery_app.conf.task_eager_propagates
    celery_app.conf.task_always_eager = True
    celery_app.conf.task_eager_propagates = True
    try:
        yield
    finally:
        (
            celery_app.conf.task_always_eager,
            celery_app.conf.task_eager_propagates,
        ) = saved


@pytest.fixture
def language_echo_kind() -> Iterator[str]:
    """A kind that says which language it was rendered in, so the switch is tested
    whatever the state of the translation catalogues."""

    @notification_kind("test_language_echo")
    def render(payload, recipient) -> str:
        return f"language={translation.get_language()}"

    yield "test_language_echo"
    notification_kind_unregister("test_language_echo")


def time_passes(notification: Notification) -> None:
    """Make the notification's next attempt due now."""
    Notification.objects.filter(pk=notification.pk).update(
        next_attempt_at=timezone.now() - timedelta(seconds=1)
    )


def test_a_notification_of_a_rolled_back_event_is_never_sent(
    fake_botapi, celery_eager, django_capture_on_commit_callbacks
):
    user = UserFactory()

    with (
        django_capture_on_commit_callbacks(execute=True) as callbacks,
        pytest.raises(RuntimeError),
        transaction.atomic(),
    ):
        notify(recipient=user, kind="test")
        raise RuntimeError("the event failed")
    notifications_requeue_stuck()

    assert callbacks == []
    assert not Notification.objects.exists()
    assert fake_botapi.calls_to("sendMessage") == []


def test_a_committed_notification_reaches_the_user_on_telegram(
    fake_botapi, celery_eager, django_capture_on_commit_callbacks
):
    user = UserFactory(language="en")

    with django_capture_on_commit_callbacks(execute=True):
        notify(recipient=user, kind="payment_credited", payload={"amount": 50})

    assert fake_botapi.sent_texts(user.telegram_id) == [
        "50 stars were credited to your balance."
    ]
    notification = Notification.objects.get()
    assert notification.status == Notification.Status.SENT
    assert notification.sent_at is not None
    assert notification.attempts == 1


def test_a_notification_is_rendered_in_the_recipients_language(
    fake_botapi, language_echo_kind
):
    russian = UserFactory(language="ru")
    arabic = UserFactory(language="ar")
    undecided = UserFactory(language="")

    for user in (russian, arabic, undecided):
        notification = NotificationFactory(recipient=user, kind=language_echo_kind)
        notification_deliver(notification.pk)

    assert fake_botapi.sent_texts(russian.telegram_id) == ["language=ru"]
    assert fake_botapi.sent_texts(arabic.telegram_id) == ["language=ar"]
    assert fake_botapi.sent_texts(undecided.telegram_id) == ["language=en"]
    # The worker's own language is left as it was.
    assert translation.get_language() == "en"


def test_the_same_event_notified_twice_is_one_message(
    fake_botapi, celery_eager, django_capture_on_commit_callbacks
):
    user = UserFactory()

    with django_capture_on_commit_callbacks(execute=True):
        first = notify(recipient=user, kind="test", event_key="test:1")
        second = notify(recipient=user, kind="test", event_key="test:1")

    assert first is not None
    assert second is None
    assert len(fake_botapi.sent_texts(user.telegram_id)) == 1


def test_delivering_twice_sends_once(fake_botapi):
    notification = NotificationFactory()

    notification_deliver(notification.pk)
    notification_deliver(notification.pk)
    notifications_requeue_stuck()

    assert len(fake_botapi.calls_to("sendMessage")) == 1


def test_a_failed_delivery_is_retried_and_eventually_sent(fake_botapi):
    notification = NotificationFactory(kind="test")
    fake_botapi.fail_next("sendMessage", error_code=500)

    notification_deliver(notification.pk)

    notification.refresh_from_db()
    assert notification.status == Notification.Status.PENDING
    assert notification.attempts == 1
    assert "Internal Server Error" in notification.last_error
    assert notification.next_attempt_at > timezone.now() + timedelta(seconds=10)

    # Not yet due: a second run (say, the sweep) leaves it alone.
    notifications_requeue_stuck()
    notification_deliver(notification.pk)
    assert len(fake_botapi.calls_to("sendMessage")) == 1

    time_passes(notification)
    notification_deliver(notification.pk)

    notification.refresh_from_db()
    assert notification.status == Notification.Status.SENT
    assert notification.attempts == 2
    # The fake records every call: the refused one, then the one that arrived.
    assert (
        fake_botapi.sent_texts(notification.recipient.telegram_id)
        == ["This is a test notification from Bot-Auction."] * 2
    )


def test_a_network_failure_is_retried(settings, fake_botapi):
    notification = NotificationFactory()
    settings.TELEGRAM_API_BASE_URL = "http://127.0.0.1:9"  # nothing listens there

    notification_deliver(notification.pk)

    notification.refresh_from_db()
    assert notification.status == Notification.Status.PENDING
    assert notification.next_attempt_at > timezone.now()
    assert notification.last_error.startswith("network")


def test_flood_control_waits_at_least_as_long_as_telegram_asks(fake_botapi):
    notification = NotificationFactory()
    fake_botapi.fail_next(
        "sendMessage", error_code=429, description="Too Many Requests", retry_after=120
    )
    before = timezone.now()

    notification_deliver(notification.pk)

    notification.refresh_from_db()
    assert notification.status == Notification.Status.PENDING
    assert notification.next_attempt_at >= before + timedelta(seconds=120)


def test_a_user_who_blocked_the_bot_is_not_retried(fake_botapi):
    notification = NotificationFactory()
    fake_botapi.fail_next(
        "sendMessage",
        error_code=403,
        description="Forbidden: bot was blocked by the user",
    )

    notification_deliver(notification.pk)
    time_passes(notification)
    notifications_requeue_stuck()
    notification_deliver(notification.pk)

    notification.refresh_from_db()
    assert notification.status == Notification.Status.FAILED
    assert "blocked" in notification.last_error
    assert notification.attempts == 1
    assert len(fake_botapi.calls_to("sendMessage")) == 1


def test_delivery_gives_up_after_the_maximum_attempts(settings, fake_botapi):
    settings.NOTIFICATION_MAX_ATTEMPTS = 3
    notification = NotificationFactory()
    fake_botapi.fail_next("sendMessage", error_code=502, times=10)

    for _attempt in range(5):
        notification_deliver(notification.pk)
        time_passes(notification)

    notification.refresh_from_db()
    assert notification.status == Notification.Status.FAILED
    assert notification.attempts == 3
    assert "gave up after 3 attempts" in notification.last_error
    assert len(fake_botapi.calls_to("sendMessage")) == 3


def test_a_recipient_without_telegram_fails_with_a_clear_reason(fake_botapi):
    notification = NotificationFactory(recipient=UserFactory(telegram_id=None))

    notification_deliver(notification.pk)

    notification.refresh_from_db()
    assert notification.status == Notification.Status.FAILED
    assert "no Telegram id" in notification.last_error
    assert fake_botapi.calls_to("sendMessage") == []


def test_an_unknown_kind_fails_without_sending(fake_botapi):
    notification = NotificationFactory(kind="no_such_kind")

    notification_deliver(notification.pk)

    notification.refresh_from_db()
    assert notification.status == Notification.Status.FAILED
    assert "no_such_kind" in notification.last_error
    assert fake_botapi.calls_to("sendMessage") == []


def test_a_notification_left_pending_by_a_dead_worker_is_delivered_by_the_sweep(
    fake_botapi, celery_eager
):
    long_ago = timezone.now() - timedelta(minutes=10)
    # Never picked up: the task queued on commit was lost.
    lost = NotificationFactory()
    Notification.objects.filter(pk=lost.pk).update(created_at=long_ago)
    # Claimed by a worker that died mid-send: its lease has run out.
    abandoned = NotificationFactory(attempts=1, next_attempt_at=long_ago + CLAIM_LEASE)
    # Claimed a moment ago by a worker that is still sending: not touched.
    in_flight = NotificationFactory(
        attempts=1, next_attempt_at=timezone.now() + CLAIM_LEASE
    )
    # Just written; its own task is on the way.
    fresh = NotificationFactory()

    assert notifications_requeue_stuck() == 2

    assert len(fake_botapi.sent_texts(lost.recipient.telegram_id)) == 1
    assert len(fake_botapi.sent_texts(abandoned.recipient.telegram_id)) == 1
    assert fake_botapi.sent_texts(in_flight.recipient.telegram_id) == []
    assert fake_botapi.sent_texts(fresh.recipient.telegram_id) == []
    assert Notification.objects.get(pk=abandoned.pk).attempts == 2


def test_a_last_attempt_that_never_reported_fails_the_notification(
    settings, fake_botapi, celery_eager
):
    settings.NOTIFICATION_MAX_ATTEMPTS = 2
    notification = NotificationFactory(
        attempts=2, next_attempt_at=timezone.now() - timedelta(seconds=1)
    )

    notifications_requeue_stuck()

    notification.refresh_from_db()
    assert notification.status == Notification.Status.FAILED
    assert "never finished" in notification.last_error
    assert fake_botapi.calls_to("sendMessage") == []


def test_staff_can_retry_a_failed_notification(
    fake_botapi, celery_eager, django_capture_on_commit_callbacks
):
    failed = NotificationFactory(
        status=Notification.Status.FAILED, attempts=6, last_error="502: Bad Gateway"
    )
    sent = NotificationFactory(status=Notification.Status.SENT)

    with django_capture_on_commit_callbacks(execute=True):
        count = notifications_retry(notification_ids=[failed.pk, sent.pk])

    assert count == 1
    failed.refresh_from_db()
    assert failed.status == Notification.Status.SENT
    assert failed.attempts == 1
    assert len(fake_botapi.sent_texts(failed.recipient.telegram_id)) == 1
    assert fake_botapi.sent_texts(sent.recipient.telegram_id) == []


def test_sending_is_held_back_above_the_bot_wide_rate_limit(
    settings, monkeypatch, fake_botapi
):
    settings.TELEGRAM_MESSAGES_PER_SECOND = 2
    # A counter of its own, untouched by the sends of earlier tests.
    monkeypatch.setattr(
        services_notifications, "SEND_COUNTER_KEY", f"test-sends-{uuid.uuid4()}"
    )
    notifications = NotificationFactory.create_batch(6)
    # All six within one second, however slow the machine is today.
    moment = timezone.now()
    monkeypatch.setattr(services_notifications.timezone, "now", lambda: moment)

    for notification in notifications:
        notification_deliver(notification.pk)

    # Two go out; the rest wait for a later second without losing an attempt.
    sent = len(fake_botapi.calls_to("sendMessage"))
    assert sent == 2
    waiting = Notification.objects.filter(status=Notification.Status.PENDING)
    assert waiting.count() == 6 - sent
    assert all(n.attempts == 0 for n in waiting)
    assert all(
        n.next_attempt_at <= moment + timedelta(seconds=2) for n in waiting
    )


@pytest.mark.django_db(transaction=True)
def test_two_workers_delivering_the_same_notification_send_it_once(fake_botapi):
    notification = NotificationFactory()
    workers = 4
    start = threading.Barrier(workers)
    outcomes: list[str] = []
    errors: list[BaseException] = []

    def worker() -> None:
        try:
            start.wait()
            outcomes.append(notification_deliver(notification.pk))
        except BaseException as exc:
            errors.append(exc)
        finally:
            connection.close()

    threads = [threading.Thread(target=worker) for _ in range(workers)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=30)
    close_old_connections()

    assert errors == []
    assert sorted(outcomes) == ["sent"] + ["skipped"] * (workers - 1)
    assert len(fake_botapi.calls_to("sendMessage")) == 1
    assert Notification.objects.get(pk=notification.pk).status == "sent"


def test_staff_retry_failed_notifications_from_the_admin(
    client, fake_botapi, celery_eager, django_capture_on_commit_callbacks
):
    staff = SuperUserFactory()
    device = TOTPDevice.objects.create(user=staff, name="phone", confirmed=True)
    client.force_login(staff)
    session = client.session
    session[DEVICE_ID_SESSION_KEY] = device.persistent_id  # passed the second factor
    session.save()
    failed = NotificationFactory(
        status=Notification.Status.FAILED, attempts=6, last_error="502: Bad Gateway"
    )

    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(
            "/admin/accounts/notification/",
            {"action": "retry_delivery", "_selected_action": [failed.pk]},
            follow=True,
        )

    assert "1 notification queued for delivery again." in response.content.decode()
    assert len(fake_botapi.sent_texts(failed.recipient.telegram_id)) == 1
    failed.refresh_from_db()
    assert failed.status == Notification.Status.SENT
