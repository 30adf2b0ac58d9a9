"""Subscriptions: bought with stars, extended while active, warned about and
expired by the beat sweep, each notice once."""

from __future__ import annotations

import threading
from datetime import timedelta

import pytest
from django.db import connection
from django.utils import formats, timezone

from accounts.models import Notification
from accounts.notifications import notification_render
from accounts.tests.factories import UserFactory
from payments.errors import InsufficientStars
from payments.models import LedgerTransaction, Subscription
from payments.selectors import ledger_discrepancies, subscription_is_active
from payments.services import (
    subscription_purchase,
    subscriptions_expire_due,
    subscriptions_warn_expiring,
)
from payments.tasks import subscriptions_sweep
from payments.tests.factories import SubscriptionFactory, funded_user

pytestmark = pytest.mark.django_db

DAY = timedelta(days=1)


@pytest.fixture(autouse=True)
def price(settings):
    settings.SUBSCRIPTION_PRICE_STARS = 100
    settings.SUBSCRIPTION_DAYS = 30


def stars(user) -> int:
    user.refresh_from_db()
    return user.stars_balance


def test_subscribing_spends_the_price_for_thirty_days():
    user = funded_user(250)
    before = timezone.now()

    subscription = subscription_purchase(user=user)

    assert stars(user) == 150
    assert subscription.status == Subscription.Status.ACTIVE
    assert before + 30 * DAY <= subscription.ends_at <= timezone.now() + 30 * DAY
    assert subscription_is_active(user)
    txn = LedgerTransaction.objects.get(kind=LedgerTransaction.Kind.SUBSCRIPTION)
    assert txn.reason.startswith("until ")
    assert ledger_discrepancies() == []


def test_subscribing_again_while_active_extends_from_the_current_end():
    user = funded_user(250)
    first_end = subscription_purchase(user=user).ends_at

    subscription = subscription_purchase(user=user)

    assert subscription.ends_at == first_end + 30 * DAY
    assert stars(user) == 50
    assert Subscription.objects.count() == 1


def test_subscribing_after_expiry_starts_a_new_period_from_now():
    user = funded_user(250)
    old = SubscriptionFactory(
        user=user,
        started_at=timezone.now() - 40 * DAY,
        ends_at=timezone.now() - 10 * DAY,
        status=Subscription.Status.EXPIRED,
    )
    assert not subscription_is_active(user)

    subscription = subscription_purchase(user=user)

    assert subscription.pk == old.pk
    assert subscription.status == Subscription.Status.ACTIVE
    assert subscription.started_at > timezone.now() - DAY
    assert subscription.ends_at > timezone.now() + 29 * DAY


def test_subscribing_with_too_few_stars_is_refused_with_the_price_and_charges_nothing():
    user = funded_user(99)

    with pytest.raises(InsufficientStars) as caught:
        subscription_purchase(user=user)

    assert "100" in str(caught.value) and "99" in str(caught.value)
    assert stars(user) == 99
    assert not Subscription.objects.exists()
    assert not subscription_is_active(user)


def test_the_same_click_delivered_twice_charges_once():
    user = funded_user(500)

    first = subscription_purchase(user=user, idempotency_key="click-1")
    second = subscription_purchase(user=user, idempotency_key="click-1")

    assert first.ends_at == second.ends_at
    assert stars(user) == 400


def test_another_users_key_does_not_collide():
    alice, bob = funded_user(100), funded_user(100)

    subscription_purchase(user=alice, idempotency_key="click-1")
    subscription_purchase(user=bob, idempotency_key="click-1")

    assert stars(alice) == stars(bob) == 0


def test_a_subscription_stops_at_its_end_even_before_the_sweep_runs():
    sub = SubscriptionFactory(ends_at=timezone.now() - timedelta(seconds=1))

    assert sub.status == Subscription.Status.ACTIVE
    assert not subscription_is_active(sub.user)


def test_nobody_anonymous_or_unsubscribed_is_active():
    from django.contrib.auth.models import AnonymousUser

    assert not subscription_is_active(AnonymousUser())
    assert not subscription_is_active(UserFactory())


def test_the_sweep_warns_three_days_before_the_end_once():
    now = timezone.now()
    soon = SubscriptionFactory(ends_at=now + 2 * DAY)
    later = SubscriptionFactory(ends_at=now + 4 * DAY)

    assert subscriptions_warn_expiring(now=now) == 1
    assert subscriptions_warn_expiring(now=now + timedelta(hours=1)) == 0

    (notice,) = Notification.objects.filter(kind="subscription_expiring")
    assert notice.recipient == soon.user
    assert notice.payload == {"ends_at": soon.ends_at.isoformat()}
    assert not Notification.objects.filter(recipient=later.user).exists()
    # The message the user will read names the end date.
    text = notification_render(
        kind=notice.kind, payload=notice.payload, recipient=notice.recipient
    ).text
    assert formats.date_format(soon.ends_at, "DATE_FORMAT") in text


def test_a_renewed_subscription_is_warned_again_before_its_new_end():
    user = funded_user(100)
    now = timezone.now()
    sub = SubscriptionFactory(user=user, ends_at=now + 2 * DAY)
    subscriptions_warn_expiring(now=now)

    sub = subscription_purchase(user=user)
    subscriptions_warn_expiring(now=sub.ends_at - 2 * DAY)

    assert Notification.objects.filter(kind="subscription_expiring").count() == 2


def test_the_sweep_expires_ended_subscriptions_and_tells_each_user_once():
    now = timezone.now()
    ended = SubscriptionFactory(ends_at=now - timedelta(minutes=1))
    running = SubscriptionFactory(ends_at=now + DAY)

    assert subscriptions_expire_due(now=now) == 1
    assert subscriptions_expire_due(now=now) == 0

    ended.refresh_from_db()
    running.refresh_from_db()
    assert ended.status == Subscription.Status.EXPIRED
    assert running.status == Subscription.Status.ACTIVE
    (notice,) = Notification.objects.filter(kind="subscription_expired")
    assert notice.recipient == ended.user
    assert notice.payload == {"ends_at": ended.ends_at.isoformat()}


def test_the_beat_task_warns_and_expires(settings):
    now = timezone.now()
    SubscriptionFactory(ends_at=now + DAY)
    SubscriptionFactory(ends_at=now - DAY)

    subscriptions_sweep()
    subscriptions_sweep()

    assert Notification.objects.filter(kind="subscription_expiring").count() == 1
    assert Notification.objects.filter(kind="subscription_expired").count() == 1
    assert "payments-subscriptions-sweep" in settings.CELERY_BEAT_SCHEDULE


@pytest.mark.django_db(transaction=True)
def test_two_clicks_at_once_charge_once():
    user = funded_user(1000)
    barrier = threading.Barrier(8)
    errors: list[BaseException] = []

    def click() -> None:
        try:
            barrier.wait()
            subscription_purchase(user=user, idempotency_key="double-click")
        except BaseException as exc:  # reported below
            errors.append(exc)
        finally:
            connection.close()

    threads = [threading.Thread(target=click) for _ in range(8)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()

    assert errors == []
    assert stars(user) == 900
    assert LedgerTransaction.objects.filter(kind="subscription").count() == 1
    assert ledger_discrepancies() == []
