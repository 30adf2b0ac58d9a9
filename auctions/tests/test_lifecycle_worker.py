"""The lifecycle as it runs in production: `celery -A auction_bot beat` (the
schedule from settings, in django-celery-beat's database scheduler) and
`celery -A auction_bot worker`, each in its own process with the production
settings, on Redis when REDIS_URL is set, else on kombu's SQLite transport. No
test calls a close: auctions end, and the processes close, settle and tell
everyone through the (fake) Bot API.

AUCTION_SWEEP_SECONDS=1 makes beat sweep every second instead of every five."""

from __future__ import annotations

import os
import subprocess
import sys
import time
import uuid
from collections.abc import Iterator
from datetime import timedelta
from pathlib import Path

import pytest
from django.conf import settings
from django.utils import timezone

from accounts.tests.factories import UserFactory
from accounts.tests.test_celery_worker import _database_env, _publishing_to, _stop
from auctions.models import Auction
from auctions.services import bid_place
from auctions.tests.checks import assert_money_sound, holds_of
from auctions.tests.factories import AuctionFactory, WatchFactory
from payments.tests.factories import funded_user
from telegrambot.tests.fake_botapi import FakeBotAPI

# Two processes write to the database: the test's rows must be committed.
pytestmark = pytest.mark.django_db(transaction=True)

# Generous: the worker and beat start first, and the machine is shared.
TIMEOUT = 90.0
CELERY = str(Path(sys.executable).with_name("celery"))


@pytest.fixture(scope="module")
def lifecycle_env(django_db_setup, tmp_path_factory) -> Iterator[dict]:
    """A fake Bot API, a worker, and the environment a beat needs to join them
    (on a queue of this run's own)."""
    tmp_path = tmp_path_factory.mktemp("lifecycle")
    server = FakeBotAPI(settings.TELEGRAM_BOT_TOKEN).start()
    queue = f"test-{os.environ.get('PYTEST_XDIST_WORKER', 'main')}-{uuid.uuid4().hex}"
    broker_url = settings.REDIS_URL or f"sqla+sqlite:///{tmp_path / 'broker.sqlite3'}"
    env = {
        **os.environ,
        **_database_env(),
        "DJANGO_SETTINGS_MODULE": "auction_bot.settings",
        "DEBUG": "1",
        "SECRET_KEY": "celery-lifecycle-test",
        "SENTRY_DSN": "",
        "REDIS_URL": settings.REDIS_URL,
        "CELERY_BROKER_URL": broker_url,
        "CELERY_TASK_DEFAULT_QUEUE": queue,
        "TELEGRAM_BOT_TOKEN": settings.TELEGRAM_BOT_TOKEN,
        "TELEGRAM_API_BASE_URL": server.root,
        "AUCTION_SWEEP_SECONDS": "1",
        "LOG_LEVEL": "INFO",
    }
    log = tmp_path / "worker.log"
    with _publishing_to(broker_url, queue), log.open("w") as out:
        worker = subprocess.Popen(
            [
                CELERY,
                "-A",
                "auction_bot",
                "worker",
                "--pool=prefork",
                "--concurrency=2",
                "--without-gossip",
                "--without-mingle",
                "--without-heartbeat",
                f"--hostname=lifecycle-{uuid.uuid4().hex[:8]}@%h",
                "--loglevel=INFO",
            ],
            cwd=settings.BASE_DIR,
            env=env,
            stdout=out,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
        try:
            yield {"bot": server, "env": env, "tmp": tmp_path, "worker_log": log}
        finally:
            _stop(worker)
            server.stop()


@pytest.fixture
def bot(lifecycle_env, transactional_db) -> Iterator[FakeBotAPI]:
    """Beat for one test: started after the database is ready and stopped before
    the test's rows are flushed (its scheduler keeps the schedule in the
    database). The logs are printed after the test; pytest shows them when it
    fails."""
    tmp = lifecycle_env["tmp"]
    beat_log = tmp / f"beat-{uuid.uuid4().hex[:6]}.log"
    worker_log = lifecycle_env["worker_log"]
    with beat_log.open("w") as out, worker_log.open("rb") as worker_out:
        worker_out.seek(0, os.SEEK_END)
        beat = subprocess.Popen(
            [
                CELERY,
                "-A",
                "auction_bot",
                "beat",
                "--loglevel=INFO",
                f"--pidfile={tmp / 'beat.pid'}",
            ],
            cwd=settings.BASE_DIR,
            env=lifecycle_env["env"],
            stdout=out,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
        try:
            yield lifecycle_env["bot"]
        finally:
            _stop(beat)
            print("--- beat ---\n" + beat_log.read_text(errors="replace"))
            print("--- worker ---\n" + worker_out.read().decode(errors="replace"))


def wait_until(check, *, timeout: float = TIMEOUT, what: str = "") -> None:
    deadline = time.monotonic() + timeout
    while not check():
        if time.monotonic() > deadline:
            raise AssertionError(f"timed out waiting for {what or check}")
        time.sleep(0.2)


def to(user):
    return lambda params: int(params.get("chat_id", 0)) == user.telegram_id


def saying(user, start: str):
    return lambda params: to(user)(params) and params["text"].startswith(start)


def ends_in(auction: Auction, seconds: float) -> None:
    """Time passes: the end comes close. (Bids are placed first, while the end is
    still far away, so soft close does not move it.)"""
    Auction.objects.filter(pk=auction.pk).update(
        ends_at=timezone.now() + timedelta(seconds=seconds)
    )


def test_auctions_that_end_are_closed_settled_and_told_with_nobody_calling_the_close(
    bot,
):
    seller = UserFactory(language="en")
    alice, bob = funded_user(500, language="en"), funded_user(500, language="en")
    watcher = UserFactory(language="en")
    lamp = AuctionFactory(seller=seller, title="Brass lamp")
    WatchFactory(auction=lamp, user=watcher)
    bid_place(auction=lamp, bidder=alice, amount=50)
    bid_place(auction=lamp, bidder=bob, amount=60)
    sealed = AuctionFactory(seller=seller, title="Sealed box", sealed=True)
    bid_place(auction=sealed, bidder=alice, amount=80)
    quiet = AuctionFactory(seller=seller, title="Nobody's vase")
    for auction in (lamp, sealed, quiet):
        ends_in(auction, 2)

    won = bot.wait_for("sendMessage", to(bob), timeout=TIMEOUT)
    assert won.params["text"].startswith("You won “Brass lamp” for 60 stars.")
    texts = {
        "sold": (seller, "Your auction “Brass lamp” sold for 60 stars."),
        "lost": (alice, "“Brass lamp” went to another bidder for 60 stars."),
        "watched": (watcher, "“Brass lamp”, which you watch, sold for 60 stars."),
        "sealed won": (alice, "You won “Sealed box” for 80 stars."),
        "sealed sold": (seller, "Your auction “Sealed box” sold for 80 stars."),
        "no bids": (seller, "Your auction “Nobody's vase” ended without a winner"),
    }
    for user, start in texts.values():
        bot.wait_for("sendMessage", saying(user, start), timeout=30)

    for auction in (lamp, sealed, quiet):
        auction.refresh_from_db()
        assert auction.status == Auction.Status.FINISHED
        assert holds_of(auction) == {}
    assert (lamp.winner_id, sealed.winner_id, quiet.winner_id) == (
        bob.pk,
        alice.pk,
        None,
    )
    for user in (alice, bob, seller):
        user.refresh_from_db()
    assert (bob.stars_balance, bob.stars_held) == (440, 0)
    assert (alice.stars_balance, alice.stars_held) == (420, 0)
    # 60 + 80 sold, less the platform fee (5%, rounded down).
    assert seller.stars_balance == 57 + 76
    assert_money_sound(alice, bob, seller)
    # Closed once, told once, however many sweeps ran meanwhile.
    time.sleep(2)
    assert len([t for t in bot.sent_texts(bob.telegram_id) if "You won" in t]) == 1
    assert len(bot.sent_texts(watcher.telegram_id)) == 1


def test_a_scheduled_auction_opens_at_its_start_and_then_closes_at_its_end(bot):
    now = timezone.now()
    auction = AuctionFactory(
        title="Clock",
        status=Auction.Status.SCHEDULED,
        starts_at=now + timedelta(seconds=2),
        ends_at=now + timedelta(hours=1),
    )

    def status() -> str:
        auction.refresh_from_db()
        return auction.status

    wait_until(lambda: status() == Auction.Status.ACTIVE, what="the opening")
    bidder = funded_user(100)
    bid_place(auction=auction, bidder=bidder, amount=10)
    ends_in(auction, 1)

    bot.wait_for("sendMessage", saying(bidder, "You won “Clock”"), timeout=TIMEOUT)
    assert status() == Auction.Status.FINISHED
