"""auction_close: who wins and what they pay by type, the settlement and the fee,
every other hold released, everyone told — once, even when re-run or when a
worker dies in the middle."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.utils import timezone

from accounts.models import Notification
from auctions.errors import AuctionNotOpen, CloseRefused
from auctions.models import Auction
from auctions.services import auction_close, auction_close_early, bid_place
from auctions.tests.checks import assert_money_sound, holds_of
from auctions.tests.factories import AuctionFactory, WatchFactory
from payments.models import Account, LedgerTransaction
from payments.selectors import ledger_account_totals
from payments.tests.factories import funded_user

pytestmark = pytest.mark.django_db


def end(auction: Auction) -> None:
    """Move the end into the past, as time would."""
    Auction.objects.filter(pk=auction.pk).update(
        ends_at=timezone.now() - timedelta(seconds=1)
    )


def told(auction: Auction) -> dict[str, set[int]]:
    kinds: dict[str, set[int]] = {}
    for kind, recipient in Notification.objects.filter(
        event_key=f"auction:{auction.pk}:close"
    ).values_list("kind", "recipient_id"):
        kinds.setdefault(kind, set()).add(recipient)
    return kinds


def test_the_leader_wins_pays_the_price_not_their_maximum_and_the_seller_is_paid(
    settings,
):
    settings.PLATFORM_FEE_PERCENT = 5
    auction = AuctionFactory(starting_price_stars=10)
    alice, bob = funded_user(500), funded_user(500)
    watcher = WatchFactory(auction=auction).user
    bid_place(auction=auction, bidder=alice, amount=100)
    bid_place(auction=auction, bidder=bob, amount=105, max_amount=400)
    bid_place(auction=auction, bidder=alice, amount=150)  # Bob's proxy: 155
    platform_before = ledger_account_totals()[Account.PLATFORM]
    end(auction)

    result = auction_close(auction_id=auction.pk)

    assert result.closed and result.outcome == Auction.Outcome.SOLD
    assert (result.winner_id, result.final_price_stars, result.fee_stars) == (
        bob.pk,
        155,
        7,  # 5% of 155 = 7.75, rounded down
    )
    auction.refresh_from_db()
    assert auction.status == Auction.Status.FINISHED
    assert auction.winner_id == bob.pk and auction.closed_at is not None
    bob.refresh_from_db()
    auction.seller.refresh_from_db()
    assert (bob.stars_balance, bob.stars_held) == (345, 0)
    assert auction.seller.stars_balance == 148
    assert ledger_account_totals()[Account.PLATFORM] - platform_before == 7
    assert holds_of(auction) == {}
    assert told(auction) == {
        "auction_won": {bob.pk},
        "auction_sold": {auction.seller_id},
        "auction_lost": {alice.pk},
        "auction_ended": {watcher.pk},
    }
    assert_money_sound(alice, bob, auction.seller)


def test_an_auction_without_bids_ends_without_a_winner():
    auction = AuctionFactory(due=True)
    watcher = WatchFactory(auction=auction).user

    result = auction_close(auction_id=auction.pk)

    assert result.closed and result.outcome == Auction.Outcome.NO_BIDS
    assert result.winner_id is None
    assert told(auction) == {
        "auction_no_winner": {auction.seller_id},
        "auction_ended": {watcher.pk},
    }


def test_below_the_reserve_nobody_wins_and_every_hold_is_released():
    auction = AuctionFactory(reserve_price_stars=300)
    alice, bob = funded_user(500), funded_user(500)
    bid_place(auction=auction, bidder=alice, amount=100)
    bid_place(auction=auction, bidder=bob, amount=200)
    end(auction)

    result = auction_close(auction_id=auction.pk)

    assert result.outcome == Auction.Outcome.RESERVE_NOT_MET
    assert result.winner_id is None and result.final_price_stars is None
    for user in (alice, bob, auction.seller):
        user.refresh_from_db()
    assert (bob.stars_balance, bob.stars_held) == (500, 0)
    assert auction.seller.stars_balance == 0
    assert told(auction) == {
        "auction_reserve_not_met": {auction.seller_id, alice.pk, bob.pk}
    }
    assert_money_sound(alice, bob)


def test_a_met_reserve_sells():
    auction = AuctionFactory(reserve_price_stars=100)
    alice = funded_user(500)
    bid_place(auction=auction, bidder=alice, amount=100)
    end(auction)
    result = auction_close(auction_id=auction.pk)
    assert (result.outcome, result.final_price_stars) == (Auction.Outcome.SOLD, 100)


def sealed_bids(auction: Auction, *amounts: int) -> list:
    users = [funded_user(1000) for _ in amounts]
    for user, amount in zip(users, amounts, strict=True):
        bid_place(auction=auction, bidder=user, amount=amount)
    end(auction)
    return users


def test_first_price_sealed_the_highest_bid_wins_and_pays_itself():
    auction = AuctionFactory(sealed=True)
    low, high, mid = sealed_bids(auction, 100, 300, 200)

    result = auction_close(auction_id=auction.pk)

    assert (result.winner_id, result.final_price_stars) == (high.pk, 300)
    for user, balance in ((low, 1000), (mid, 1000), (high, 700)):
        user.refresh_from_db()
        assert (user.stars_balance, user.stars_held) == (balance, 0)
    assert_money_sound(low, high, mid)


def test_second_price_sealed_the_winner_pays_the_second_highest_bid():
    auction = AuctionFactory(vickrey=True)
    _low, high, _mid = sealed_bids(auction, 100, 300, 200)

    result = auction_close(auction_id=auction.pk)

    assert (result.winner_id, result.final_price_stars) == (high.pk, 200)
    high.refresh_from_db()
    assert (high.stars_balance, high.stars_held) == (800, 0)


def test_second_price_sealed_a_lone_bidder_pays_the_starting_price():
    auction = AuctionFactory(vickrey=True, starting_price_stars=40)
    (alone,) = sealed_bids(auction, 250)
    assert auction_close(auction_id=auction.pk).final_price_stars == 40


def test_second_price_sealed_the_price_is_at_least_a_met_reserve():
    auction = AuctionFactory(vickrey=True, reserve_price_stars=180)
    _low, high = sealed_bids(auction, 100, 300)
    result = auction_close(auction_id=auction.pk)
    assert (result.winner_id, result.final_price_stars) == (high.pk, 180)


def test_a_raised_sealed_bid_counts_once_for_its_bidder():
    auction = AuctionFactory(vickrey=True)
    alice, bob = funded_user(1000), funded_user(1000)
    bid_place(auction=auction, bidder=alice, amount=100)
    bid_place(auction=auction, bidder=bob, amount=120)
    bid_place(auction=auction, bidder=alice, amount=300)
    end(auction)
    result = auction_close(auction_id=auction.pk)
    # Alice's own earlier 100 is not "the second-highest bid": Bob's 120 is.
    assert (result.winner_id, result.final_price_stars) == (alice.pk, 120)


def test_equal_sealed_bids_go_to_the_earlier_one():
    auction = AuctionFactory(vickrey=True)
    first, second = sealed_bids(auction, 200, 200)
    result = auction_close(auction_id=auction.pk)
    assert (result.winner_id, result.final_price_stars) == (first.pk, 200)


def test_a_sealed_reserve_not_met_releases_every_bid():
    auction = AuctionFactory(sealed=True, reserve_price_stars=500)
    users = sealed_bids(auction, 100, 300)
    result = auction_close(auction_id=auction.pk)
    assert result.outcome == Auction.Outcome.RESERVE_NOT_MET
    assert holds_of(auction) == {}
    assert_money_sound(*users)


def test_a_perpetual_auction_closes_to_its_leader_after_the_inactivity_window():
    auction = AuctionFactory(perpetual=True)
    alice = funded_user(500)
    bid_place(auction=auction, bidder=alice, amount=10, max_amount=50)
    assert auction_close(auction_id=auction.pk).closed is False  # not yet
    end(auction)
    result = auction_close(auction_id=auction.pk)
    assert (result.winner_id, result.final_price_stars) == (alice.pk, 10)


def test_an_auction_that_is_not_due_is_not_closed():
    auction = AuctionFactory()
    assert auction_close(auction_id=auction.pk) == auction_close(
        auction_id=auction.pk, now=timezone.now()
    )
    auction.refresh_from_db()
    assert auction.status == Auction.Status.ACTIVE


def test_closing_again_changes_nothing_and_tells_nobody_twice():
    auction = AuctionFactory()
    alice = funded_user(500)
    bid_place(auction=auction, bidder=alice, amount=10)
    end(auction)
    assert auction_close(auction_id=auction.pk).closed
    settlements = LedgerTransaction.objects.filter(kind="settlement").count()
    notifications = Notification.objects.count()

    again = auction_close(auction_id=auction.pk)

    assert again.closed is False
    assert LedgerTransaction.objects.filter(kind="settlement").count() == settlements
    assert Notification.objects.count() == notifications
    assert_money_sound(alice, auction.seller)


def test_a_close_that_dies_midway_leaves_the_auction_for_the_next_sweep(monkeypatch):
    from auctions.services import closing

    auction = AuctionFactory()
    alice = funded_user(500)
    bid_place(auction=auction, bidder=alice, amount=10, max_amount=60)
    end(auction)

    def die(**kwargs):
        raise SystemExit("worker killed")  # after the settlement was written

    monkeypatch.setattr(closing.notices, "notify_closed", die)
    with pytest.raises(SystemExit):
        auction_close(auction_id=auction.pk)

    auction.refresh_from_db()
    assert auction.status == Auction.Status.ACTIVE
    assert holds_of(auction) == {alice.pk: 60}
    assert not LedgerTransaction.objects.filter(kind="settlement").exists()
    assert_money_sound(alice, auction.seller)

    monkeypatch.undo()
    result = auction_close(auction_id=auction.pk)
    assert result.closed and result.winner_id == alice.pk
    assert LedgerTransaction.objects.filter(kind="settlement").count() == 1
    assert_money_sound(alice, auction.seller)


# -- closing a perpetual auction early --------------------------------------------


def test_the_seller_may_close_a_perpetual_auction_with_a_bid_early():
    auction = AuctionFactory(perpetual=True)
    alice = funded_user(500)
    bid_place(auction=auction, bidder=alice, amount=30)

    result = auction_close_early(auction=auction, seller=auction.seller)

    assert (result.winner_id, result.final_price_stars) == (alice.pk, 30)
    auction.refresh_from_db()
    assert auction.status == Auction.Status.FINISHED
    assert auction.ends_at <= timezone.now()


def test_closing_early_is_refused_without_a_bid_to_others_and_to_other_types():
    perpetual = AuctionFactory(perpetual=True)
    with pytest.raises(CloseRefused, match="once it has a bid"):
        auction_close_early(auction=perpetual, seller=perpetual.seller)
    bid_place(auction=perpetual, bidder=funded_user(100), amount=10)
    with pytest.raises(CloseRefused, match="Only the seller"):
        auction_close_early(auction=perpetual, seller=funded_user(0))
    english = AuctionFactory()
    with pytest.raises(CloseRefused, match="Only a perpetual auction"):
        auction_close_early(auction=english, seller=english.seller)


def test_closing_early_is_refused_below_the_reserve_and_after_the_end():
    auction = AuctionFactory(perpetual=True, reserve_price_stars=100)
    bid_place(auction=auction, bidder=funded_user(100), amount=10)
    with pytest.raises(CloseRefused, match="reserve"):
        auction_close_early(auction=auction, seller=auction.seller)
    end(auction)
    auction_close(auction_id=auction.pk)
    with pytest.raises(AuctionNotOpen):
        auction_close_early(auction=auction, seller=auction.seller)
