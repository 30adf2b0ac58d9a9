"""Reads: what anyone may see of an auction, and what stays hidden."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.contrib.auth.models import AnonymousUser
from django.utils import timezone

from auctions.models import Auction
from auctions.selectors import (
    auction_bid_history,
    auction_extensions_left,
    auction_get_public,
    auction_hold_for,
    auction_is_watched,
    auction_min_next_bid,
    auction_price_now,
    auctions_due_for_close,
    reserve_met,
    watchlist_for_user,
)
from auctions.services import auction_close, bid_place, unwatch, watch
from auctions.tests.factories import AuctionFactory
from payments.tests.factories import funded_user

pytestmark = pytest.mark.django_db


def test_a_public_auction_is_found_by_its_uuid_but_a_draft_or_a_bad_id_is_not():
    auction = AuctionFactory()
    assert auction_get_public(uuid=str(auction.uuid)) == auction
    assert auction_get_public(uuid=auction.uuid) == auction
    assert auction_get_public(uuid=AuctionFactory(status="draft").uuid) is None
    assert auction_get_public(uuid="not-a-uuid") is None


def test_the_history_marks_automatic_steps_and_shows_a_maximum_only_to_its_owner():
    auction = AuctionFactory(starting_price_stars=10)
    alice, bob = funded_user(500), funded_user(500)
    bid_place(auction=auction, bidder=alice, amount=10, max_amount=100)
    bid_place(auction=auction, bidder=bob, amount=30)

    seen_by_bob = auction_bid_history(auction=auction, viewer=bob)
    assert [(b.amount, b.is_automatic, b.is_own) for b in seen_by_bob] == [
        (31, True, False),
        (30, False, True),
        (10, False, False),
    ]
    assert all(b.own_max_amount is None for b in seen_by_bob)
    assert auction_bid_history(auction=auction, viewer=AnonymousUser())[0].amount == 31
    seen_by_alice = auction_bid_history(auction=auction, viewer=alice)
    assert seen_by_alice[0].own_max_amount == 100


def test_sealed_bids_show_to_everyone_once_the_auction_is_over():
    auction = AuctionFactory(sealed=True)
    alice, bob = funded_user(500), funded_user(500)
    bid_place(auction=auction, bidder=alice, amount=70)
    bid_place(auction=auction, bidder=bob, amount=90)
    Auction.objects.filter(pk=auction.pk).update(ends_at=timezone.now())
    auction_close(auction_id=auction.pk)
    auction.refresh_from_db()

    history = auction_bid_history(auction=auction, viewer=None)
    assert [b.amount for b in history] == [90, 70]


def test_the_minimum_next_bid_by_type():
    english = AuctionFactory(starting_price_stars=100)
    assert auction_min_next_bid(english) == 100
    bid_place(auction=english, bidder=funded_user(500), amount=100)
    english.refresh_from_db()
    assert auction_min_next_bid(english) == 105
    assert (
        auction_min_next_bid(AuctionFactory(sealed=True, starting_price_stars=7)) == 7
    )
    dutch = AuctionFactory(dutch=True, starts_at=timezone.now() - timedelta(minutes=21))
    assert auction_min_next_bid(dutch) == auction_price_now(dutch) == 80


def test_due_auctions_are_the_active_ones_whose_end_passed_oldest_first():
    now = timezone.now()
    late = AuctionFactory(ends_at=now - timedelta(minutes=1))
    later = AuctionFactory(ends_at=now - timedelta(seconds=5))
    AuctionFactory(ends_at=now + timedelta(minutes=1))
    AuctionFactory(ends_at=now - timedelta(minutes=2), status="cancelled")
    assert auctions_due_for_close(now=now, limit=10) == [late.pk, later.pk]
    assert auctions_due_for_close(now=now, limit=1) == [late.pk]


def test_extensions_left_count_down_for_english_auctions_only():
    auction = AuctionFactory(max_extensions=10, extensions_used=3)
    assert auction_extensions_left(auction) == 7
    assert auction_extensions_left(AuctionFactory(perpetual=True)) == 0


def test_whether_the_reserve_is_met_is_told_without_telling_the_reserve():
    assert reserve_met(AuctionFactory()) is None
    auction = AuctionFactory(reserve_price_stars=50)
    assert reserve_met(auction) is False
    bid_place(auction=auction, bidder=funded_user(500), amount=50)
    auction.refresh_from_db()
    assert reserve_met(auction) is True
    # A running sealed auction would give its bids away.
    sealed = AuctionFactory(sealed=True, reserve_price_stars=50)
    bid_place(auction=sealed, bidder=funded_user(500), amount=60)
    assert reserve_met(sealed) is None


def test_holds_and_the_watchlist_are_read_per_user():
    auction = AuctionFactory()
    alice = funded_user(500)
    bid_place(auction=auction, bidder=alice, amount=40)
    assert auction_hold_for(auction=auction, user=alice) == 40
    assert auction_hold_for(auction=auction, user=AnonymousUser()) == 0

    assert not auction_is_watched(auction=auction, user=alice)
    watch(user=alice, auction=auction)
    watch(user=alice, auction=auction)
    assert auction_is_watched(auction=auction, user=alice)
    assert list(watchlist_for_user(user=alice)) == [auction]
    assert unwatch(user=alice, auction=auction) is True
    assert unwatch(user=alice, auction=auction) is False
    assert not auction_is_watched(auction=auction, user=alice)
