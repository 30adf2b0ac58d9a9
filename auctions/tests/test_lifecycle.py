"""The lifecycle sweeps beat runs: due auctions close (once, and after a crash),
scheduled ones open, and bidders and watchers hear "ending soon" once per stage."""

from __future__ import annotations

import threading
import uuid
from datetime import timedelta

import pytest
from django.db import connection
from django.utils import timezone

from accounts.models import Notification
from accounts.notifications import notification_render
from accounts.tests.factories import UserFactory
from auctions import tasks
from auctions.models import Auction
from auctions.services import auction_cancel, bid_place, closing, lifecycle
from auctions.services.lifecycle import (
    auctions_close_due,
    auctions_open_due,
    auctions_send_reminders,
)
from auctions.tests.checks import assert_money_sound, holds_of
from auctions.tests.factories import AuctionFactory, WatchFactory
from payments.tests.factories import funded_user

pytestmark = pytest.mark.django_db

Status = Auction.Status


def status_of(auction: Auction) -> str:
    auction.refresh_from_db()
    return auction.status


def reminders(auction: Auction) -> list[tuple[int, str]]:
    """(recipient, event key) of every "ending soon" sent for the auction."""
    return sorted(
        Notification.objects.filter(
            kind="auction_ending_soon", event_key__startswith=f"auction:{auction.pk}:"
        ).values_list("recipient_id", "event_key")
    )


def end(auction: Auction, ago: timedelta = timedelta(seconds=1)) -> None:
    """Move the end into the past, as time would."""
    Auction.objects.filter(pk=auction.pk).update(ends_at=timezone.now() - ago)


def ending_in(minutes: float, **kwargs) -> Auction:
    """An auction that started a day ago and ends `minutes` from now."""
    now = timezone.now()
    return AuctionFactory(
        starts_at=now - timedelta(days=1),
        ends_at=now + timedelta(minutes=minutes),
        **kwargs,
    )


# -- closing ----------------------------------------------------------------------


def test_the_sweep_closes_every_due_auction_and_leaves_the_running_ones():
    due = [AuctionFactory(due=True) for _ in range(3)]
    running = AuctionFactory()
    scheduled = AuctionFactory(
        status=Status.SCHEDULED,
        starts_at=timezone.now() + timedelta(hours=1),
        ends_at=timezone.now() + timedelta(hours=2),
    )

    sweep = auctions_close_due()

    assert sweep.closed == 3 and sweep.failed == [] and sweep.finished
    assert {status_of(a) for a in due} == {Status.FINISHED}
    assert status_of(running) == Status.ACTIVE
    assert status_of(scheduled) == Status.SCHEDULED


def test_a_sold_auction_is_settled_and_everyone_is_told_by_the_sweep():
    auction = ending_in(30)
    alice, bob = funded_user(500), funded_user(500)
    watcher = WatchFactory(auction=auction).user
    bid_place(auction=auction, bidder=alice, amount=50)
    bid_place(auction=auction, bidder=bob, amount=60)

    auctions_close_due(now=auction.ends_at + timedelta(seconds=1))

    auction.refresh_from_db()
    assert (auction.status, auction.winner_id, auction.final_price_stars) == (
        Status.FINISHED,
        bob.pk,
        60,
    )
    assert holds_of(auction) == {}
    told = dict(
        Notification.objects.filter(
            event_key=f"auction:{auction.pk}:close"
        ).values_list("recipient_id", "kind")
    )
    assert told == {
        bob.pk: "auction_won",
        alice.pk: "auction_lost",
        auction.seller_id: "auction_sold",
        watcher.pk: "auction_ended",
    }
    assert_money_sound(alice, bob, auction.seller)


def test_running_the_sweep_twice_closes_and_notifies_once():
    auction = AuctionFactory()
    bidder = funded_user(500)
    bid_place(auction=auction, bidder=bidder, amount=20)
    end(auction)

    first = auctions_close_due()
    second = auctions_close_due()

    assert (first.closed, second.closed) == (1, 0)
    assert (
        Notification.objects.filter(event_key=f"auction:{auction.pk}:close").count()
        == 2
    )
    bidder.refresh_from_db()
    assert (bidder.stars_balance, bidder.stars_held) == (480, 0)
    assert_money_sound(bidder, auction.seller)


def test_a_perpetual_auction_closes_once_no_bid_came_within_the_window():
    auction = AuctionFactory(perpetual=True, inactivity_minutes=60)
    alice = funded_user(500)
    bid_place(auction=auction, bidder=alice, amount=30)
    auction.refresh_from_db()
    quiet_until = auction.ends_at

    auctions_close_due(now=quiet_until - timedelta(minutes=1))
    assert status_of(auction) == Status.ACTIVE

    auctions_close_due(now=quiet_until + timedelta(seconds=1))
    auction.refresh_from_db()
    assert (auction.status, auction.winner_id, auction.final_price_stars) == (
        Status.FINISHED,
        alice.pk,
        30,
    )


def test_a_close_that_crashes_is_left_for_the_next_sweep_and_the_others_still_close(
    monkeypatch,
):
    broken = AuctionFactory()
    fine_1, fine_2 = AuctionFactory(due=True), AuctionFactory(due=True)
    bidder = funded_user(500)
    bid_place(auction=broken, bidder=bidder, amount=40)
    end(broken, ago=timedelta(minutes=5))  # the longest overdue: picked first
    real_close = closing.close_locked

    def crashing_close(*, auction, now, **kwargs):
        result = real_close(auction=auction, now=now, **kwargs)
        if auction.pk == broken.pk:
            # Dies after settling and notifying, before commit: all rolled back.
            raise ConnectionError("the database went away")
        return result

    monkeypatch.setattr(lifecycle, "close_locked", crashing_close)
    sweep = auctions_close_due()

    assert sweep.closed == 2 and sweep.failed == [broken.pk]
    assert status_of(fine_1) == status_of(fine_2) == Status.FINISHED
    assert status_of(broken) == Status.ACTIVE
    assert holds_of(broken) == {bidder.pk: 40}
    assert not Notification.objects.filter(
        event_key=f"auction:{broken.pk}:close"
    ).exists()

    monkeypatch.setattr(lifecycle, "close_locked", real_close)
    assert auctions_close_due().closed == 1
    broken.refresh_from_db()
    assert (broken.status, broken.winner_id) == (Status.FINISHED, bidder.pk)
    assert (
        Notification.objects.filter(
            event_key=f"auction:{broken.pk}:close", kind="auction_won"
        ).count()
        == 1
    )
    assert_money_sound(bidder, broken.seller)


def test_a_spent_time_budget_leaves_the_rest_for_the_next_sweep():
    for _ in range(3):
        AuctionFactory(due=True)

    sweep = auctions_close_due(budget_seconds=0)

    assert (sweep.closed, sweep.finished) == (0, False)
    assert auctions_close_due().closed == 3


def test_the_close_task_returns_how_many_it_closed_and_calls_in_no_helpers_for_a_few(
    monkeypatch,
):
    queued = []
    monkeypatch.setattr(
        tasks.auctions_close_due, "delay", lambda **kw: queued.append(kw)
    )
    AuctionFactory(due=True)

    assert tasks.auctions_close_due() == 1
    assert queued == []


def test_a_large_backlog_calls_in_helper_sweeps(monkeypatch, settings):
    settings.AUCTION_CLOSE_HELPERS = 3
    queued = []
    monkeypatch.setattr(
        tasks.auctions_close_due, "delay", lambda **kw: queued.append(kw)
    )
    monkeypatch.setattr(lifecycle, "auctions_close_backlog", lambda: 450)
    monkeypatch.setattr(
        lifecycle, "auctions_close_due", lambda: lifecycle.CloseSweep(closed=450)
    )

    tasks.auctions_close_due()

    # 450 due: three batches' worth, so two helpers beside this sweep.
    assert queued == [{"helpers": False}, {"helpers": False}]


@pytest.mark.django_db(transaction=True)
def test_several_sweeps_at_once_close_each_auction_once():
    auctions = [AuctionFactory() for _ in range(12)]
    bidders = [funded_user(500) for _ in range(3)]
    for auction, bidder in zip(auctions, bidders * 4, strict=True):
        bid_place(auction=auction, bidder=bidder, amount=25)
    for auction in auctions:
        end(auction)
    closed: list[int] = []
    errors: list[BaseException] = []
    barrier = threading.Barrier(4)

    def sweep() -> None:
        try:
            barrier.wait(timeout=30)
            closed.append(auctions_close_due().closed)
        except BaseException as exc:  # reported by the main thread
            errors.append(exc)
        finally:
            connection.close()

    threads = [threading.Thread(target=sweep) for _ in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=120)

    assert errors == []
    assert sum(closed) == 12
    assert Notification.objects.filter(kind="auction_won").count() == 12
    assert not Auction.objects.exclude(status=Status.FINISHED).exists()
    assert_money_sound(*bidders)


# -- opening ----------------------------------------------------------------------


def test_a_scheduled_auction_opens_at_its_start_and_not_before():
    now = timezone.now()
    starting = AuctionFactory(
        status=Status.SCHEDULED,
        starts_at=now + timedelta(minutes=5),
        ends_at=now + timedelta(hours=2),
    )
    later = AuctionFactory(
        status=Status.SCHEDULED,
        starts_at=now + timedelta(hours=1),
        ends_at=now + timedelta(hours=2),
    )

    assert auctions_open_due(now=now) == 0
    assert auctions_open_due(now=now + timedelta(minutes=5)) == 1
    assert auctions_open_due(now=now + timedelta(minutes=5)) == 0

    assert status_of(starting) == Status.ACTIVE
    assert status_of(later) == Status.SCHEDULED


def test_an_opened_auction_takes_bids():
    auction = AuctionFactory(
        status=Status.SCHEDULED,
        starts_at=timezone.now() - timedelta(seconds=1),
    )
    assert tasks.auctions_open_scheduled() == 1

    result = bid_place(auction=auction, bidder=funded_user(100), amount=10)

    assert result.leading


def test_a_scheduled_auction_the_seller_cancelled_is_not_opened():
    seller = UserFactory()
    auction = AuctionFactory(
        seller=seller,
        status=Status.SCHEDULED,
        starts_at=timezone.now() + timedelta(minutes=1),
    )
    auction_cancel(auction=auction, user=seller)

    assert auctions_open_due(now=timezone.now() + timedelta(minutes=2)) == 0
    assert status_of(auction) == Status.CANCELLED


# -- "ending soon" ----------------------------------------------------------------


def test_bidders_and_watchers_hear_an_hour_before_and_ten_minutes_before_once_each():
    auction = ending_in(24 * 60)
    alice, bob = funded_user(500), funded_user(500)
    watcher = WatchFactory(auction=auction).user
    WatchFactory(auction=auction, user=alice)  # a bidder who also watches
    WatchFactory(auction=auction, user=auction.seller)  # never told: it is theirs
    bid_place(auction=auction, bidder=alice, amount=20)
    bid_place(auction=auction, bidder=bob, amount=30)
    end = auction.ends_at
    people = sorted([alice.pk, bob.pk, watcher.pk])

    assert auctions_send_reminders(now=end - timedelta(minutes=61)) == 0
    assert auctions_send_reminders(now=end - timedelta(minutes=60)) == 1
    assert auctions_send_reminders(now=end - timedelta(minutes=59)) == 0
    assert auctions_send_reminders(now=end - timedelta(minutes=30)) == 0
    assert auctions_send_reminders(now=end - timedelta(minutes=10)) == 1
    assert auctions_send_reminders(now=end - timedelta(minutes=1)) == 0

    hour, ten = f"auction:{auction.pk}:reminder:60", f"auction:{auction.pk}:reminder:10"
    assert reminders(auction) == sorted(
        [(pk, hour) for pk in people] + [(pk, ten) for pk in people]
    )
    assert not Notification.objects.filter(
        recipient=auction.seller, kind="auction_ending_soon"
    ).exists()


def test_the_reminder_tells_the_time_left_and_who_leads():
    auction = ending_in(24 * 60, title="Brass lamp")
    alice, bob = funded_user(500), funded_user(500)
    bid_place(auction=auction, bidder=alice, amount=20)
    bid_place(auction=auction, bidder=bob, amount=30)

    auctions_send_reminders(now=auction.ends_at - timedelta(minutes=60))

    texts = {
        n.recipient_id: notification_render(
            kind=n.kind, payload=n.payload, recipient=n.recipient
        ).text
        for n in Notification.objects.filter(kind="auction_ending_soon")
    }
    assert texts[bob.pk].startswith(
        "“Brass lamp” ends in about 1 hour. You are the highest bidder at 30 stars."
    )
    assert texts[alice.pk].startswith(
        "“Brass lamp” ends in about 1 hour. The price is now 30 stars."
    )


@pytest.mark.parametrize("language", ["en", "ru", "ar"])
@pytest.mark.parametrize(
    "extra", [{}, {"price": 30, "leading": True}, {"price": 30, "leading": False}]
)
def test_the_reminder_renders_in_every_language_with_the_link(language, extra):
    auction = {"auction": str(uuid.UUID(int=5)), "title": "Old clock"}
    message = notification_render(
        kind="auction_ending_soon",
        payload=auction | {"minutes": 10} | extra,
        recipient=UserFactory.build(language=language),
    )
    assert "Old clock" in message.text
    assert message.text.endswith(f"/auction/{auction['auction']}")
    assert message.reply_markup


def test_a_sealed_reminder_reveals_no_price():
    auction = ending_in(24 * 60, sealed=True)
    bidder = funded_user(500)
    bid_place(auction=auction, bidder=bidder, amount=70)

    auctions_send_reminders(now=auction.ends_at - timedelta(minutes=10))

    [notification] = Notification.objects.filter(kind="auction_ending_soon")
    assert "price" not in notification.payload
    text = notification_render(
        kind=notification.kind, payload=notification.payload, recipient=bidder
    ).text
    assert "70" not in text and "ends in about 10 minutes" in text


def test_an_auction_created_with_less_than_an_hour_left_gets_only_the_ten_minute_one():
    now = timezone.now()
    auction = AuctionFactory(starts_at=now, ends_at=now + timedelta(minutes=50))
    watcher = WatchFactory(auction=auction).user

    assert auctions_send_reminders(now=now + timedelta(seconds=5)) == 0
    assert auctions_send_reminders(now=auction.ends_at - timedelta(minutes=10)) == 1

    assert reminders(auction) == [(watcher.pk, f"auction:{auction.pk}:reminder:10")]


def test_a_sweep_that_first_sees_an_auction_inside_ten_minutes_sends_only_that_one():
    auction = ending_in(5)
    watcher = WatchFactory(auction=auction).user

    assert auctions_send_reminders() == 1
    assert auctions_send_reminders() == 0

    assert reminders(auction) == [(watcher.pk, f"auction:{auction.pk}:reminder:10")]
    [payload] = Notification.objects.filter(kind="auction_ending_soon").values_list(
        "payload", flat=True
    )
    assert payload["minutes"] == 5


def test_a_soft_close_extension_does_not_repeat_a_reminder():
    auction = ending_in(24 * 60, soft_close_minutes=30, extension_minutes=60)
    alice, bob = funded_user(500), funded_user(500)
    WatchFactory(auction=auction, user=alice)
    auctions_send_reminders(now=auction.ends_at - timedelta(minutes=60))
    auctions_send_reminders(now=auction.ends_at - timedelta(minutes=10))
    # A late bid pushes the end an hour back: both moments come round again.
    Auction.objects.filter(pk=auction.pk).update(
        ends_at=timezone.now() + timedelta(minutes=8)
    )
    result = bid_place(auction=auction, bidder=bob, amount=20)
    assert result.extended
    auction.refresh_from_db()

    assert auctions_send_reminders(now=auction.ends_at - timedelta(minutes=60)) == 0
    assert auctions_send_reminders(now=auction.ends_at - timedelta(minutes=10)) == 0

    assert [pk for pk, _key in reminders(auction)] == [alice.pk, alice.pk]


def test_no_reminder_after_the_close_or_for_a_cancelled_auction():
    closed = ending_in(24 * 60)
    WatchFactory(auction=closed)
    auctions_close_due(now=closed.ends_at + timedelta(seconds=1))
    cancelled = ending_in(5)
    WatchFactory(auction=cancelled)
    auction_cancel(auction=cancelled, user=cancelled.seller)

    assert auctions_send_reminders(now=closed.ends_at - timedelta(minutes=10)) == 0
    assert auctions_send_reminders() == 0
    assert not Notification.objects.filter(kind="auction_ending_soon").exists()


def test_an_auction_nobody_follows_is_marked_reminded_without_a_message():
    auction = ending_in(5)

    assert auctions_send_reminders() == 0

    auction.refresh_from_db()
    assert auction.reminders_sent == 2
    assert not Notification.objects.exists()


def test_the_reminder_stages_come_from_settings(settings):
    settings.AUCTION_REMINDERS_MINUTES = [10, 180, 60]
    auction = ending_in(24 * 60)
    watcher = WatchFactory(auction=auction).user

    assert lifecycle.reminder_leads() == [180, 60, 10]
    assert auctions_send_reminders(now=auction.ends_at - timedelta(minutes=179)) == 1
    assert reminders(auction) == [(watcher.pk, f"auction:{auction.pk}:reminder:180")]


def test_the_reminder_task_runs_the_sweep():
    auction = ending_in(5)
    WatchFactory(auction=auction)

    assert tasks.auctions_send_reminders() == 1
