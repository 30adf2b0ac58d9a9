"""Sales that end an auction at once: the Dutch accept and buy-it-now."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.utils import timezone

from auctions.errors import (
    BidRefused,
    BidTooLow,
    BuyNowUnavailable,
    DutchAlreadyAccepted,
)
from auctions.models import Auction
from auctions.services import (
    auction_buy_now,
    auction_close,
    bid_place,
    dutch_accept,
    dutch_price_at,
)
from auctions.tests.checks import assert_money_sound, holds_of
from auctions.tests.factories import AuctionFactory
from payments.errors import InsufficientStars
from payments.models import Account
from payments.selectors import ledger_account_totals
from payments.tests.factories import funded_user

pytestmark = pytest.mark.django_db


def dutch_auction(minutes_ago: float = 25, **kwargs) -> Auction:
    """100 stars, 10 less every 10 minutes, floor 50; started `minutes_ago`."""
    return AuctionFactory(
        dutch=True,
        starts_at=timezone.now() - timedelta(minutes=minutes_ago),
        **kwargs,
    )


def test_the_dutch_price_is_a_function_of_the_time():
    auction = dutch_auction(minutes_ago=0)
    start = auction.starts_at
    assert dutch_price_at(auction, start) == 100
    assert dutch_price_at(auction, start + timedelta(minutes=25)) == 80
    assert dutch_price_at(auction, start + timedelta(days=3)) == 50


def test_accepting_the_dutch_price_buys_at_once_and_pays_the_seller(settings):
    settings.PLATFORM_FEE_PERCENT = 5
    auction = dutch_auction()
    buyer = funded_user(200)
    fee_before = ledger_account_totals()[Account.PLATFORM]

    result = dutch_accept(auction=auction, buyer=buyer)

    assert result.finished and result.price_stars == 80
    auction.refresh_from_db()
    assert auction.status == Auction.Status.FINISHED
    assert (auction.winner_id, auction.final_price_stars) == (buyer.pk, 80)
    assert auction.close_outcome == Auction.Outcome.SOLD
    buyer.refresh_from_db()
    auction.seller.refresh_from_db()
    assert (buyer.stars_balance, buyer.stars_held) == (120, 0)
    assert auction.seller.stars_balance == 76
    assert ledger_account_totals()[Account.PLATFORM] - fee_before == 4
    assert holds_of(auction) == {}
    assert_money_sound(buyer, auction.seller)


def test_a_bid_on_a_dutch_auction_accepts_the_current_price_if_it_covers_it():
    auction = dutch_auction()
    with pytest.raises(BidTooLow, match="The price is now 80 stars."):
        bid_place(auction=auction, bidder=funded_user(200), amount=79)
    # The price may have dropped since the bidder saw 90: they pay 80.
    result = bid_place(auction=auction, bidder=funded_user(200), amount=90)
    assert result.finished and result.auction.final_price_stars == 80


def test_a_dutch_accept_after_someone_else_accepted_is_refused():
    auction = dutch_auction()
    dutch_accept(auction=auction, buyer=funded_user(200))
    late = funded_user(200)
    with pytest.raises(DutchAlreadyAccepted, match="accepted the price first"):
        dutch_accept(auction=auction, buyer=late)
    late.refresh_from_db()
    assert late.stars_balance == 200


def test_a_dutch_accept_without_the_stars_is_refused():
    with pytest.raises(InsufficientStars):
        dutch_accept(auction=dutch_auction(), buyer=funded_user(79))


def test_only_a_dutch_auction_has_a_price_to_accept():
    with pytest.raises(BidRefused, match="Only a Dutch auction"):
        dutch_accept(auction=AuctionFactory(), buyer=funded_user(200))


def test_a_dutch_auction_nobody_accepted_ends_without_a_winner():
    auction = dutch_auction(minutes_ago=120, due=True)
    result = auction_close(auction_id=auction.pk)
    assert result.closed and result.outcome == Auction.Outcome.NO_BIDS


def test_buy_it_now_ends_the_auction_at_the_buy_now_price(settings):
    settings.PLATFORM_FEE_PERCENT = 10
    auction = AuctionFactory(buy_now_price_stars=150)
    buyer = funded_user(200)

    result = auction_buy_now(auction=auction, buyer=buyer)

    assert result.finished
    auction.refresh_from_db()
    assert auction.status == Auction.Status.FINISHED
    assert (auction.winner_id, auction.final_price_stars) == (buyer.pk, 150)
    assert auction.ends_at <= timezone.now()
    auction.seller.refresh_from_db()
    assert auction.seller.stars_balance == 135
    assert_money_sound(buyer, auction.seller)


def test_buy_it_now_is_gone_after_the_first_bid():
    auction = AuctionFactory(buy_now_price_stars=150)
    bid_place(auction=auction, bidder=funded_user(200), amount=10)
    with pytest.raises(BuyNowUnavailable, match="already has bids"):
        auction_buy_now(auction=auction, buyer=funded_user(200))


def test_buy_it_now_needs_a_buy_now_price_and_the_stars():
    with pytest.raises(BuyNowUnavailable, match="no buy-it-now price"):
        auction_buy_now(auction=AuctionFactory(), buyer=funded_user(200))
    with pytest.raises(InsufficientStars):
        auction_buy_now(
            auction=AuctionFactory(buy_now_price_stars=150), buyer=funded_user(149)
        )


def test_the_seller_cannot_buy_their_own_auction():
    auction = AuctionFactory(buy_now_price_stars=150)
    with pytest.raises(BidRefused, match="your own auction"):
        auction_buy_now(auction=auction, buyer=auction.seller)
