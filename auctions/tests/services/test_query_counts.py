"""The bid and the close are the hot paths: each makes a small, fixed number of
queries, whatever the number of bidders and watchers. (Inside a test the
service's transaction is a savepoint: two of the queries counted are SAVEPOINT
and RELEASE.) The limits leave one query of headroom; a change that needs more
should say why here."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.db import connection, transaction
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from accounts.models import Notification, User
from accounts.services import notify, notify_many
from auctions.models import Auction
from auctions.services import auction_close, bid_place, closing, lifecycle
from auctions.services.lifecycle import auctions_close_due
from auctions.tests.checks import assert_money_sound, holds_of
from auctions.tests.factories import AuctionFactory, WatchFactory
from payments.errors import InsufficientStars
from payments.models import LedgerTransaction
from payments.selectors import ledger_discrepancies
from payments.services.ledger import hold_posting, ledger_post_many, release_posting
from payments.tests.factories import funded_user

pytestmark = pytest.mark.django_db


def end(auction: Auction) -> None:
    Auction.objects.filter(pk=auction.pk).update(
        ends_at=timezone.now() - timedelta(seconds=1)
    )


def closing_queries(bidders: int, watchers: int) -> int:
    """The queries of closing a sold English auction with this many bidders."""
    auction = AuctionFactory(starting_price_stars=10)
    for _ in range(watchers):
        WatchFactory(auction=auction)
    for step in range(bidders):
        bid_place(auction=auction, bidder=funded_user(500), amount=20 + 5 * step)
    end(auction)
    with CaptureQueriesContext(connection) as queries:
        result = auction_close(auction_id=auction.pk)
    assert result.closed and result.outcome == Auction.Outcome.SOLD
    return len(queries)


def test_a_first_bid_makes_at_most_12_queries(django_assert_max_num_queries):
    auction = AuctionFactory(starting_price_stars=10)
    alice = funded_user(500)

    with django_assert_max_num_queries(12):
        bid_place(auction=auction, bidder=alice, amount=20)

    assert holds_of(auction) == {alice.pk: 20}


def test_outbidding_the_leader_makes_at_most_13_queries(
    django_assert_max_num_queries,
):
    auction = AuctionFactory(starting_price_stars=10)
    alice, bob = funded_user(500), funded_user(500)
    WatchFactory(auction=auction)
    bid_place(auction=auction, bidder=alice, amount=20)

    with django_assert_max_num_queries(13):
        result = bid_place(auction=auction, bidder=bob, amount=30)

    assert result.leading
    assert holds_of(auction) == {bob.pk: 30}
    assert Notification.objects.filter(kind="auction_outbid").get().recipient == alice
    assert_money_sound(alice, bob)


def test_a_proxy_defending_its_lead_with_automatic_steps_makes_at_most_8_queries(
    django_assert_max_num_queries,
):
    auction = AuctionFactory(starting_price_stars=10)
    alice, bob = funded_user(500), funded_user(500)
    bid_place(auction=auction, bidder=alice, amount=20, max_amount=200)

    with django_assert_max_num_queries(8):
        result = bid_place(auction=auction, bidder=bob, amount=60, max_amount=100)

    assert not result.leading and len(result.bids) == 3
    assert holds_of(auction) == {alice.pk: 200}


def test_an_outbid_that_extends_the_end_costs_the_same_for_any_number_of_watchers(
    django_assert_max_num_queries,
):
    auction = AuctionFactory(
        starting_price_stars=10,
        ends_at=timezone.now() + timedelta(seconds=30),
        soft_close_minutes=5,
        extension_minutes=1,
        max_extensions=5,
    )
    for _ in range(12):
        WatchFactory(auction=auction)
    alice, bob = funded_user(500), funded_user(500)
    bid_place(auction=auction, bidder=alice, amount=20)

    with django_assert_max_num_queries(14):
        result = bid_place(auction=auction, bidder=bob, amount=30)

    assert result.extended
    # The twelve watchers and both bidders hear of the second extension.
    told = Notification.objects.filter(
        kind="auction_extended", event_key=f"auction:{auction.pk}:extension:2"
    )
    assert told.count() == 14


def test_a_sealed_bid_makes_at_most_13_queries(django_assert_max_num_queries):
    auction = AuctionFactory(sealed=True)
    alice = funded_user(500)
    bid_place(auction=auction, bidder=alice, amount=20)

    with django_assert_max_num_queries(13):
        bid_place(auction=auction, bidder=alice, amount=30)

    assert holds_of(auction) == {alice.pk: 30}


def test_closing_a_two_bidder_auction_makes_at_most_13_queries():
    assert closing_queries(bidders=2, watchers=1) <= 13


def test_closing_costs_the_same_for_ten_bidders_and_ten_watchers_as_for_two():
    assert closing_queries(bidders=10, watchers=10) == closing_queries(
        bidders=2, watchers=1
    )


def test_closing_a_sealed_auction_costs_the_same_for_ten_bidders_as_for_two(
    settings,
):
    settings.PLATFORM_FEE_PERCENT = 5

    def sealed_close(bidders: int) -> int:
        auction = AuctionFactory(vickrey=True, starting_price_stars=10)
        for step in range(bidders):
            bid_place(auction=auction, bidder=funded_user(500), amount=20 + step)
        end(auction)
        with CaptureQueriesContext(connection) as queries:
            result = auction_close(auction_id=auction.pk)
        # Every losing bid was held until the end and is released now.
        assert result.closed and holds_of(auction) == {}
        return len(queries)

    two = sealed_close(2)
    assert two <= 14
    assert sealed_close(10) == two


# -- the sweep: many closes per transaction ----------------------------------------


def sweep_queries(auctions: int) -> tuple[int, int]:
    """(closed, queries) of one sweep over this many due auctions, each sold
    to one of two bidders (the other outbid) with a watcher."""
    for _ in range(auctions):
        auction = AuctionFactory(starting_price_stars=10)
        WatchFactory(auction=auction)
        bid_place(auction=auction, bidder=funded_user(500), amount=20)
        bid_place(auction=auction, bidder=funded_user(500), amount=30)
        end(auction)
    with CaptureQueriesContext(connection) as queries:
        sweep = auctions_close_due()
    return sweep.closed, len(queries)


def test_the_sweep_closes_a_batch_of_auctions_for_the_queries_of_about_one():
    closed, queries = sweep_queries(30)

    assert closed == 30
    # One batch (the pick, the reads, the writes: 13) and the empty pick that
    # ends the sweep; a close alone costs 12.
    assert queries <= 16
    assert Notification.objects.filter(kind="auction_won").count() == 30
    assert_money_sound(*User.objects.all())


def test_a_sweep_over_more_auctions_than_a_batch_costs_a_batch_more():
    closed, queries = sweep_queries(lifecycle.CLOSE_BATCH + 5)

    assert closed == lifecycle.CLOSE_BATCH + 5
    # Two batches of 13 and the empty pick.
    assert queries <= 28
    assert not Auction.objects.filter(status=Auction.Status.ACTIVE).exists()


def test_a_broken_auction_in_a_batch_is_closed_again_alone_and_the_rest_settle(
    monkeypatch,
):
    auctions = [AuctionFactory(starting_price_stars=10) for _ in range(4)]
    bidders = [funded_user(500) for _ in auctions]
    for auction, bidder in zip(auctions, bidders, strict=True):
        bid_place(auction=auction, bidder=bidder, amount=20)
        end(auction)
    broken = auctions[2]
    real_close = closing.close_locked

    def close_unless_broken(*, auction, now, **kwargs):
        if auction.pk == broken.pk:
            raise RuntimeError("a bug in one close")
        return real_close(auction=auction, now=now, **kwargs)

    monkeypatch.setattr(lifecycle, "close_locked", close_unless_broken)
    sweep = auctions_close_due()

    assert sweep.closed == 3 and sweep.failed == [broken.pk]
    broken.refresh_from_db()
    assert broken.status == Auction.Status.ACTIVE
    assert holds_of(broken) == {bidders[2].pk: 20}
    assert_money_sound(*bidders)


# -- the batched writes underneath ------------------------------------------------


def test_notify_many_writes_new_events_and_skips_ones_already_told(
    django_capture_on_commit_callbacks,
):
    alice, bob = funded_user(0), funded_user(0)
    first = notify(recipient=alice, kind="test", event_key="test:1")

    with django_capture_on_commit_callbacks() as callbacks:
        written = notify_many(
            notifications=[
                Notification(recipient=alice, kind="test", event_key="test:1"),
                Notification(recipient=bob, kind="test", event_key="test:1"),
                Notification(recipient=alice, kind="test", event_key="test:2"),
                Notification(recipient=alice, kind="test"),
            ]
        )

    assert first is not None
    assert [(n.recipient_id, n.event_key) for n in written] == [
        (bob.pk, "test:1"),
        (alice.pk, "test:2"),
        (alice.pk, ""),
    ]
    assert all(n.pk for n in written)
    assert Notification.objects.filter(recipient=alice, event_key="test:1").count() == 1
    assert len(callbacks) == 1  # one delivery hook for the batch


def test_a_ledger_batch_with_one_overdraft_writes_nothing():
    alice = funded_user(100)
    before = LedgerTransaction.objects.count()

    with pytest.raises(InsufficientStars), transaction.atomic():
        ledger_post_many(
            postings=[
                hold_posting(user=alice, amount=60),
                hold_posting(user=alice, amount=60),  # 40 left by then
            ]
        )

    alice.refresh_from_db()
    assert (alice.stars_balance, alice.stars_held) == (100, 0)
    assert LedgerTransaction.objects.count() == before
    assert_money_sound(alice)


def test_a_ledger_batch_moves_each_balance_by_the_sum_of_its_postings():
    alice, bob = funded_user(100), funded_user(100)

    ledger_post_many(
        postings=[
            hold_posting(user=alice, amount=60),
            hold_posting(user=bob, amount=10),
            release_posting(user=alice, amount=25),
        ]
    )

    alice.refresh_from_db()
    bob.refresh_from_db()
    assert (alice.stars_balance, alice.stars_held) == (65, 35)
    assert (bob.stars_balance, bob.stars_held) == (90, 10)
    assert ledger_discrepancies() == []
