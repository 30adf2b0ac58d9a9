"""bid_place on English and perpetual auctions: the minimum, proxy bidding, holds,
soft close, the countdown, notifications, and every refusal."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.utils import timezone

from accounts.models import Notification
from auctions.errors import AuctionNotOpen, BidRefused, BidTooLow
from auctions.models import Auction, Bid
from auctions.services import bid_place
from auctions.tests.checks import assert_money_sound, holds_of
from auctions.tests.factories import AuctionFactory, WatchFactory
from payments.errors import InsufficientStars, InvalidAmount
from payments.tests.factories import funded_user

pytestmark = pytest.mark.django_db


def history(auction: Auction) -> list[tuple[int, int, bool]]:
    """(bidder id, amount, automatic), oldest first."""
    return list(
        Bid.objects.filter(auction=auction)
        .order_by("created_at", "id")
        .values_list("bidder_id", "amount", "is_automatic")
    )


def notified(kind: str) -> list[tuple[int, dict]]:
    return list(
        Notification.objects.filter(kind=kind)
        .order_by("id")
        .values_list("recipient_id", "payload")
    )


# -- the minimum -------------------------------------------------------------------


def test_the_first_bid_at_the_starting_price_leads_and_holds_its_stars():
    auction = AuctionFactory(starting_price_stars=50)
    alice = funded_user(200)

    result = bid_place(auction=auction, bidder=alice, amount=50)

    assert result.leading and result.price_stars == 50
    assert result.bid.amount == 50 and not result.bid.is_automatic
    auction.refresh_from_db()
    assert (auction.leader_id, auction.current_price_stars, auction.bid_count) == (
        alice.pk,
        50,
        1,
    )
    assert holds_of(auction) == {alice.pk: 50}
    alice.refresh_from_db()
    assert (alice.stars_balance, alice.stars_held) == (150, 50)
    assert_money_sound(alice)


def test_a_first_bid_below_the_starting_price_is_refused_naming_the_minimum():
    auction = AuctionFactory(starting_price_stars=50)
    with pytest.raises(BidTooLow, match="The minimum bid is 50 stars."):
        bid_place(auction=auction, bidder=funded_user(200), amount=49)
    assert not Bid.objects.exists()


def test_a_bid_must_add_the_tier_increment_to_the_price():
    auction = AuctionFactory(starting_price_stars=100)
    bid_place(auction=auction, bidder=funded_user(500), amount=100)

    with pytest.raises(BidTooLow, match="The minimum bid is 105 stars.") as refused:
        bid_place(auction=auction, bidder=funded_user(500), amount=104)
    assert refused.value.params["minimum"] == 105
    assert bid_place(auction=auction, bidder=funded_user(500), amount=105).leading


def test_the_sellers_larger_minimum_increment_applies():
    auction = AuctionFactory(starting_price_stars=10, min_increment_stars=20)
    bid_place(auction=auction, bidder=funded_user(500), amount=10)
    with pytest.raises(BidTooLow, match="30 stars"):
        bid_place(auction=auction, bidder=funded_user(500), amount=29)


# -- plain bids and holds ----------------------------------------------------------


def test_an_outbid_bidder_gets_their_stars_back_at_once_and_is_told_the_new_price(
    settings,
):
    settings.BASE_URL = "https://auction.example"
    auction = AuctionFactory(starting_price_stars=10)
    alice, bob = funded_user(100), funded_user(100)
    bid_place(auction=auction, bidder=alice, amount=10)

    result = bid_place(auction=auction, bidder=bob, amount=15)

    assert result.leading and result.price_stars == 15
    assert holds_of(auction) == {bob.pk: 15}
    alice.refresh_from_db()
    assert (alice.stars_balance, alice.stars_held) == (100, 0)
    [(recipient, payload)] = notified("auction_outbid")
    assert recipient == alice.pk
    assert payload["price"] == 15 and payload["next_bid"] == 16
    assert payload["auction"] == str(auction.uuid)
    assert_money_sound(alice, bob)


def test_the_seller_hears_of_each_new_bid_but_watchers_do_not():
    auction = AuctionFactory()
    watcher = WatchFactory(auction=auction).user
    bid_place(auction=auction, bidder=funded_user(100), amount=10)
    bid_place(auction=auction, bidder=funded_user(100), amount=11)

    assert [r for r, _p in notified("auction_new_bid")] == [auction.seller_id] * 2
    assert notified("auction_new_bid")[-1][1]["price"] == 11
    assert not Notification.objects.filter(recipient=watcher).exists()


# -- proxy bidding -----------------------------------------------------------------


def test_a_proxy_answers_a_lower_bid_with_the_least_needed_to_lead():
    auction = AuctionFactory(starting_price_stars=10)
    alice, bob = funded_user(500), funded_user(500)
    bid_place(auction=auction, bidder=alice, amount=10, max_amount=100)

    result = bid_place(auction=auction, bidder=bob, amount=30)

    assert not result.leading
    assert result.price_stars == 31
    assert history(auction) == [
        (alice.pk, 10, False),
        (bob.pk, 30, False),
        (alice.pk, 31, True),
    ]
    # Alice's whole maximum stays held; Bob, never leading, holds nothing.
    assert holds_of(auction) == {alice.pk: 100}
    assert not notified("auction_outbid")
    assert_money_sound(alice, bob)


def test_a_higher_maximum_takes_the_lead_one_increment_above_the_other():
    auction = AuctionFactory(starting_price_stars=10)
    alice, bob = funded_user(500), funded_user(500)
    bid_place(auction=auction, bidder=alice, amount=10, max_amount=100)

    result = bid_place(auction=auction, bidder=bob, amount=20, max_amount=300)

    assert result.leading and result.price_stars == 105
    assert history(auction)[1:] == [
        (bob.pk, 20, False),
        (alice.pk, 100, True),
        (bob.pk, 105, True),
    ]
    assert holds_of(auction) == {bob.pk: 300}
    assert [r for r, _p in notified("auction_outbid")] == [alice.pk]
    assert_money_sound(alice, bob)


def test_equal_maxima_go_to_the_earlier_bidder():
    auction = AuctionFactory(starting_price_stars=10)
    alice, bob = funded_user(500), funded_user(500)
    bid_place(auction=auction, bidder=alice, amount=10, max_amount=80)

    result = bid_place(auction=auction, bidder=bob, amount=20, max_amount=80)

    assert not result.leading and result.price_stars == 80
    auction.refresh_from_db()
    assert auction.leader_id == alice.pk
    assert holds_of(auction) == {alice.pk: 80}


def test_a_leader_raising_their_maximum_holds_only_the_difference_and_keeps_the_price():
    auction = AuctionFactory(starting_price_stars=10)
    alice = funded_user(500)
    bid_place(auction=auction, bidder=alice, amount=10, max_amount=100)

    result = bid_place(auction=auction, bidder=alice, amount=11, max_amount=250)

    assert result.leading and result.bid is None and result.bids == ()
    assert result.price_stars == 10
    assert holds_of(auction) == {alice.pk: 250}
    alice.refresh_from_db()
    assert (alice.stars_balance, alice.stars_held) == (250, 250)
    assert_money_sound(alice)


def test_the_leader_cannot_bid_against_themselves_or_lower_their_maximum():
    auction = AuctionFactory()
    alice = funded_user(500)
    bid_place(auction=auction, bidder=alice, amount=10, max_amount=100)

    with pytest.raises(BidRefused, match="already the highest bidder"):
        bid_place(auction=auction, bidder=alice, amount=20)
    with pytest.raises(BidRefused, match="already 100 stars"):
        bid_place(auction=auction, bidder=alice, amount=20, max_amount=100)


def test_a_maximum_below_ones_own_bid_is_refused():
    auction = AuctionFactory()
    with pytest.raises(BidRefused, match="at least your bid of 30 stars"):
        bid_place(auction=auction, bidder=funded_user(500), amount=30, max_amount=20)


def test_a_proxy_that_can_reach_the_reserve_bids_up_to_it():
    auction = AuctionFactory(starting_price_stars=10, reserve_price_stars=150)
    alice = funded_user(500)

    result = bid_place(auction=auction, bidder=alice, amount=10, max_amount=200)

    assert result.price_stars == 150
    assert history(auction) == [(alice.pk, 10, False), (alice.pk, 150, True)]


# -- refusals ----------------------------------------------------------------------


def test_a_bid_beyond_the_available_stars_is_refused_and_changes_nothing():
    auction = AuctionFactory()
    alice = funded_user(50)
    with pytest.raises(InsufficientStars, match="50 available, 60 needed"):
        bid_place(auction=auction, bidder=alice, amount=60)
    # A proxy maximum must be backed too, even though the bid itself is smaller.
    with pytest.raises(InsufficientStars):
        bid_place(auction=auction, bidder=alice, amount=10, max_amount=51)
    assert not Bid.objects.exists() and holds_of(auction) == {}
    assert_money_sound(alice)


def test_a_losing_bid_must_be_backed_by_stars_too():
    auction = AuctionFactory()
    bid_place(auction=auction, bidder=funded_user(500), amount=10, max_amount=300)
    with pytest.raises(InsufficientStars):
        bid_place(auction=auction, bidder=funded_user(20), amount=40)


def test_stars_held_on_another_auction_are_not_available():
    alice = funded_user(100)
    bid_place(auction=AuctionFactory(), bidder=alice, amount=80)
    with pytest.raises(InsufficientStars, match="20 available"):
        bid_place(auction=AuctionFactory(), bidder=alice, amount=30)


def test_a_seller_cannot_bid_on_their_own_auction():
    seller = funded_user(100)
    auction = AuctionFactory(seller=seller)
    with pytest.raises(BidRefused, match="your own auction"):
        bid_place(auction=auction, bidder=seller, amount=10)


def test_a_suspended_user_cannot_bid():
    alice = funded_user(100)
    alice.is_suspended = True
    alice.save()
    with pytest.raises(BidRefused, match="suspended"):
        bid_place(auction=AuctionFactory(), bidder=alice, amount=10)


@pytest.mark.parametrize("amount", ["10", 10.0, 10.5, -5, 0, True, None])
def test_an_amount_that_is_not_a_positive_whole_number_is_refused(amount):
    with pytest.raises(InvalidAmount):
        bid_place(auction=AuctionFactory(), bidder=funded_user(100), amount=amount)


def test_a_malformed_maximum_is_refused():
    with pytest.raises(InvalidAmount):
        bid_place(
            auction=AuctionFactory(), bidder=funded_user(100), amount=10, max_amount=-1
        )


@pytest.mark.parametrize(
    ("state", "message"),
    [
        ({"status": Auction.Status.DRAFT}, "not started"),
        ({"status": Auction.Status.SCHEDULED}, "not started"),
        ({"starts_at": timezone.now() + timedelta(hours=1)}, "not started"),
        ({"status": Auction.Status.CANCELLED}, "cancelled"),
        ({"status": Auction.Status.FINISHED}, "has ended"),
        ({"due": True}, "has ended"),
    ],
)
def test_a_bid_on_an_auction_that_is_not_running_is_refused(state, message):
    if "starts_at" in state:
        state["ends_at"] = state["starts_at"] + timedelta(days=1)
    auction = AuctionFactory(**state)
    with pytest.raises(AuctionNotOpen, match=message):
        bid_place(auction=auction, bidder=funded_user(100), amount=10)


# -- soft close and the perpetual countdown ----------------------------------------


def test_a_bid_in_the_last_minutes_extends_the_end_and_tells_bidders_and_watchers():
    ends_at = timezone.now() + timedelta(minutes=3)
    auction = AuctionFactory(ends_at=ends_at, max_extensions=2)
    watcher = WatchFactory(auction=auction).user
    alice, bob = funded_user(100), funded_user(100)
    bid_place(auction=auction, bidder=alice, amount=10)
    auction.refresh_from_db()
    assert auction.ends_at == ends_at + timedelta(minutes=5)
    assert auction.extensions_used == 1

    # Now 8 minutes are left: outside the window, no extension.
    result = bid_place(auction=auction, bidder=bob, amount=11)
    assert not result.extended
    assert result.auction.ends_at == ends_at + timedelta(minutes=5)

    told = {r for r, _p in notified("auction_extended")}
    assert told == {alice.pk, watcher.pk}
    payload = notified("auction_extended")[0][1]
    assert (payload["extensions_left"], payload["max_extensions"]) == (1, 2)


def test_no_extension_is_granted_beyond_the_maximum_even_at_the_last_second():
    auction = AuctionFactory(
        ends_at=timezone.now() + timedelta(seconds=30),
        max_extensions=1,
        extension_minutes=1,
    )
    results = [
        bid_place(auction=auction, bidder=funded_user(100), amount=10 + i)
        for i in range(3)
    ]
    assert [r.extended for r in results] == [True, False, False]
    assert results[-1].auction.extensions_used == 1


def test_a_proxy_step_in_the_last_minutes_extends_too():
    auction = AuctionFactory(ends_at=timezone.now() + timedelta(hours=1))
    bid_place(auction=auction, bidder=funded_user(500), amount=10, max_amount=100)
    Auction.objects.filter(pk=auction.pk).update(
        ends_at=timezone.now() + timedelta(minutes=2)
    )

    result = bid_place(auction=auction, bidder=funded_user(500), amount=20)

    assert not result.leading and result.extended


def test_each_bid_on_a_perpetual_auction_restarts_the_inactivity_countdown():
    auction = AuctionFactory(perpetual=True, inactivity_minutes=90)
    before = timezone.now()
    result = bid_place(auction=auction, bidder=funded_user(100), amount=10)
    after = timezone.now()

    ends_at = result.auction.ends_at
    assert before + timedelta(minutes=90) <= ends_at <= after + timedelta(minutes=90)
    assert result.auction.extensions_used == 0
