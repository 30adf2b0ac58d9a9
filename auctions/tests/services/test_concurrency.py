"""Many bidders on one auction at once, and several workers closing it at once.

Each thread has its own database connection and they start together at a
barrier. On PostgreSQL the auction row lock queues the bids; on SQLite the
IMMEDIATE transactions do. Afterwards: every accepted bid is in the history, no
two bids share a price, the final leader and price are what the rules give for
the accepted bids in the order they were accepted, each bidder holds their
leading commitment or nothing, the ledger is sound — and the close settles
once."""

from __future__ import annotations

import random
import threading
from datetime import timedelta

import pytest
from django.core.management import call_command
from django.db import connection
from django.utils import timezone

from accounts.models import Notification, User
from auctions.errors import BidRefused, BidTooLow
from auctions.models import Auction, Bid
from auctions.selectors import auction_min_next_bid
from auctions.services import auction_close, bid_place
from auctions.tests.checks import assert_money_sound, holds_of
from auctions.tests.factories import AuctionFactory
from auctions.tests.reference import Model
from payments.models import LedgerTransaction
from payments.selectors import ledger_discrepancies
from payments.tests.factories import funded_user

THREADS = 32
BIDS_PER_THREAD = 3
ATTEMPTS_PER_THREAD = 25
FUNDS = 10_000


def run_threads(count: int, target) -> list[BaseException]:
    barrier = threading.Barrier(count)
    errors: list[BaseException] = []

    def body(number: int) -> None:
        try:
            barrier.wait(timeout=60)
            target(number)
        except BaseException as exc:  # reported by the main thread
            errors.append(exc)
        finally:
            connection.close()

    threads = [threading.Thread(target=body, args=(n,)) for n in range(count)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=240)
    assert not any(thread.is_alive() for thread in threads)
    return errors


@pytest.mark.django_db(transaction=True)
def test_thirty_two_bidders_at_once_leave_a_history_and_holds_the_rules_explain():
    auction = AuctionFactory(starting_price_stars=10)
    bidders = [funded_user(FUNDS) for _ in range(THREADS)]
    accepted: list[tuple[int, int, int, int | None]] = []  # first row, who, bid, max
    recorded: list[int] = []  # every row the accepted calls reported
    refused: list[str] = []
    lock = threading.Lock()

    def bid(number: int) -> None:
        rng = random.Random(number)
        me = User.objects.get(pk=bidders[number].pk)
        # Half the bidders open with a proxy maximum; once one of their bids is
        # accepted they bid plainly, so nobody ever only raises a maximum (a call
        # that writes no row). A bid that lost the race is retried at the new
        # minimum, as a person would.
        placed = 0
        for _attempt in range(ATTEMPTS_PER_THREAD):
            if placed == BIDS_PER_THREAD:
                break
            current = Auction.objects.get(pk=auction.pk)
            amount = auction_min_next_bid(current) + rng.choice([0, 0, 1, 3, 10, 40])
            maximum = None
            if placed == 0 and number % 2:
                maximum = amount + rng.randint(0, 300)
            try:
                result = bid_place(
                    auction=current, bidder=me, amount=amount, max_amount=maximum
                )
            except (BidTooLow, BidRefused) as exc:  # outbid meanwhile / leading
                with lock:
                    refused.append(type(exc).__name__)
                continue
            placed += 1
            with lock:
                accepted.append((result.bids[0].pk, number, amount, maximum))
                recorded.extend(row.pk for row in result.bids)

    errors = run_threads(THREADS, bid)

    assert errors == []
    rows = list(Bid.objects.filter(auction=auction).order_by("id"))
    # Every accepted bid (and each automatic step it caused) is in the history,
    # and the history holds nothing else.
    assert len(accepted) >= THREADS and refused
    assert sorted(recorded) == [row.pk for row in rows]
    # No two bids share a price; prices only ever rose.
    amounts = [row.amount for row in rows]
    assert amounts == sorted(set(amounts))

    # Replaying the accepted bids in the order they were accepted through the
    # reference model gives the same leader, price and maximum.
    model = Model(starting=10, min_increment=1, reserve=None, funds=[FUNDS] * THREADS)
    for _pk, number, amount, maximum in sorted(accepted):
        assert model.bid(number, amount, maximum) is None
    auction.refresh_from_db()
    assert auction.leader_id == bidders[model.leader].pk
    assert auction.current_price_stars == model.price == rows[-1].amount
    assert auction.leader_max_stars == model.leader_max
    assert auction.bid_count == len(rows)

    # Each bidder holds their leading commitment, or nothing.
    assert holds_of(auction) == {auction.leader_id: model.leader_max}
    for index, user in enumerate(bidders):
        user.refresh_from_db()
        held = model.leader_max if index == model.leader else 0
        assert (user.stars_balance, user.stars_held) == (FUNDS - held, held)
    assert ledger_discrepancies() == []
    call_command("check_ledger")
    assert_money_sound(*bidders)


@pytest.mark.django_db(transaction=True)
def test_several_workers_closing_one_auction_settle_it_once(settings):
    settings.PLATFORM_FEE_PERCENT = 5
    auction = AuctionFactory(starting_price_stars=10)
    alice, bob = funded_user(1000), funded_user(1000)
    bid_place(auction=auction, bidder=alice, amount=100, max_amount=300)
    bid_place(auction=auction, bidder=bob, amount=200)  # Alice leads at 205
    Auction.objects.filter(pk=auction.pk).update(
        ends_at=timezone.now() - timedelta(seconds=1)
    )
    results = []

    def close(number: int) -> None:
        results.append(auction_close(auction_id=auction.pk))

    errors = run_threads(8, close)

    assert errors == []
    assert [r.closed for r in results].count(True) == 1
    auction.refresh_from_db()
    assert (auction.status, auction.winner_id, auction.final_price_stars) == (
        Auction.Status.FINISHED,
        alice.pk,
        205,
    )
    assert (
        LedgerTransaction.objects.filter(
            kind="settlement", auction_id=auction.pk
        ).count()
        == 1
    )
    assert Notification.objects.filter(kind="auction_won").count() == 1
    alice.refresh_from_db()
    auction.seller.refresh_from_db()
    assert (alice.stars_balance, alice.stars_held) == (795, 0)
    assert auction.seller.stars_balance == 205 - 10
    assert holds_of(auction) == {}
    assert ledger_discrepancies() == []
