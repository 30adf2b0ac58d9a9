"""Sealed bids: one hidden bid per bidder, raised only, its whole amount held."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.utils import timezone

from accounts.models import Notification
from auctions.errors import BidRefused, BidTooLow
from auctions.models import Bid
from auctions.selectors import auction_bid_history
from auctions.services import bid_place
from auctions.tests.checks import assert_money_sound, holds_of
from auctions.tests.factories import AuctionFactory
from payments.errors import InsufficientStars
from payments.tests.factories import funded_user

pytestmark = pytest.mark.django_db


def test_a_sealed_bid_holds_its_amount_and_leaves_the_visible_price_alone():
    auction = AuctionFactory(sealed=True, starting_price_stars=20)
    alice, bob = funded_user(300), funded_user(300)

    first = bid_place(auction=auction, bidder=alice, amount=100)
    second = bid_place(auction=auction, bidder=bob, amount=40)

    assert not first.leading and not second.leading
    assert second.price_stars == 20
    assert holds_of(auction) == {alice.pk: 100, bob.pk: 40}
    assert_money_sound(alice, bob)


def test_a_sealed_bid_can_be_raised_and_only_the_difference_is_held():
    auction = AuctionFactory(sealed=True)
    alice = funded_user(300)
    bid_place(auction=auction, bidder=alice, amount=100)

    bid_place(auction=auction, bidder=alice, amount=160)

    assert holds_of(auction) == {alice.pk: 160}
    alice.refresh_from_db()
    assert (alice.stars_balance, alice.stars_held) == (140, 160)
    assert_money_sound(alice)


@pytest.mark.parametrize("amount", [100, 99])
def test_a_second_sealed_bid_that_does_not_raise_the_first_is_refused(amount):
    auction = AuctionFactory(sealed=True)
    alice = funded_user(300)
    bid_place(auction=auction, bidder=alice, amount=100)

    with pytest.raises(BidRefused, match="your bid is 100 stars"):
        bid_place(auction=auction, bidder=alice, amount=amount)
    assert Bid.objects.filter(auction=auction).count() == 1


def test_a_sealed_bid_below_the_starting_price_is_refused():
    auction = AuctionFactory(sealed=True, starting_price_stars=50)
    with pytest.raises(BidTooLow, match="50 stars"):
        bid_place(auction=auction, bidder=funded_user(300), amount=49)


def test_a_sealed_bid_has_no_proxy_maximum():
    auction = AuctionFactory(sealed=True)
    with pytest.raises(BidRefused, match="no maximum"):
        bid_place(auction=auction, bidder=funded_user(300), amount=20, max_amount=90)


def test_raising_a_sealed_bid_needs_stars_for_the_difference_only():
    auction = AuctionFactory(sealed=True)
    alice = funded_user(150)
    bid_place(auction=auction, bidder=alice, amount=100)
    with pytest.raises(InsufficientStars, match="50 available, 60 needed"):
        bid_place(auction=auction, bidder=alice, amount=160)
    bid_place(auction=auction, bidder=alice, amount=150)
    assert holds_of(auction) == {alice.pk: 150}


def test_sealed_bids_do_not_extend_the_auction_and_the_seller_hears_no_amount():
    ends_at = timezone.now() + timedelta(minutes=1)
    auction = AuctionFactory(sealed=True, ends_at=ends_at)
    result = bid_place(auction=auction, bidder=funded_user(300), amount=70)

    assert not result.extended and result.auction.ends_at == ends_at
    payload = Notification.objects.get(kind="auction_new_bid").payload
    assert "price" not in payload and payload["bids"] == 1


def test_sealed_bids_are_hidden_from_everyone_but_their_bidder_until_the_end():
    auction = AuctionFactory(sealed=True)
    alice, bob = funded_user(300), funded_user(300)
    bid_place(auction=auction, bidder=alice, amount=70)
    bid_place(auction=auction, bidder=bob, amount=90)

    assert auction_bid_history(auction=auction, viewer=None) == []
    assert auction_bid_history(auction=auction, viewer=auction.seller) == []
    [own] = auction_bid_history(auction=auction, viewer=alice)
    assert own.amount == 70 and own.is_own
