"""The arithmetic of the rules (SPEC §4), without a database."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.utils import timezone

from auctions.rules import dutch_price_at, increment_for, min_next_bid, proxy_resolve


@pytest.mark.parametrize(
    ("price", "step"),
    [
        (1, 1),
        (99, 1),
        (100, 5),
        (499, 5),
        (500, 10),
        (999, 10),
        (1_000, 25),
        (4_999, 25),
        (5_000, 50),
        (9_999, 50),
        (10_000, 100),
        (10**9, 100),
    ],
)
def test_the_increment_follows_the_tier_table(price, step):
    assert increment_for(price) == step


def test_the_sellers_minimum_increment_wins_when_it_is_larger():
    assert increment_for(50, 20) == 20
    assert increment_for(600, 3) == 10


def test_the_first_bid_may_be_the_starting_price_and_later_ones_add_an_increment():
    assert min_next_bid(price=150, has_bids=False, starting_price=150) == 150
    assert min_next_bid(price=150, has_bids=True, starting_price=150) == 155
    assert (
        min_next_bid(price=150, has_bids=True, starting_price=150, min_increment=20)
        == 170
    )


def test_the_dutch_price_drops_a_step_per_whole_interval_down_to_the_floor():
    start = timezone.now()

    def price(minutes: float) -> int:
        return dutch_price_at(
            starting_price=100,
            step=10,
            interval_minutes=10,
            floor=55,
            starts_at=start,
            when=start + timedelta(minutes=minutes),
        )

    assert price(-5) == 100
    assert price(0) == 100
    assert price(9.99) == 100
    assert price(10) == 90
    assert price(29) == 80
    assert price(40) == 60
    assert price(50) == 55  # 50 would be below the floor
    assert price(10_000) == 55


def steps(resolution):
    return [(s.who, s.amount, s.automatic) for s in resolution.steps]


def test_a_challenger_below_the_leaders_maximum_is_answered_by_the_leaders_proxy():
    result = proxy_resolve(leader_max=50, amount=20, challenger_max=20)
    assert not result.challenger_leads
    assert result.price == 21
    assert steps(result) == [("challenger", 20, False), ("leader", 21, True)]


def test_a_challenger_proxy_loses_at_its_maximum_and_the_leader_pays_one_more_step():
    result = proxy_resolve(leader_max=200, amount=110, challenger_max=150)
    assert result.price == 155
    assert steps(result) == [
        ("challenger", 110, False),
        ("challenger", 150, True),
        ("leader", 155, True),
    ]


def test_equal_maxima_go_to_the_earlier_bidder_at_that_maximum():
    result = proxy_resolve(leader_max=80, amount=30, challenger_max=80)
    assert not result.challenger_leads
    assert result.price == 80
    assert steps(result) == [("challenger", 30, False), ("leader", 80, True)]


def test_a_bid_equal_to_the_leaders_maximum_shows_the_earlier_maximum_instead():
    result = proxy_resolve(leader_max=80, amount=80, challenger_max=80)
    assert not result.challenger_leads
    assert steps(result) == [("leader", 80, True)]


def test_a_higher_maximum_leads_one_increment_above_the_leaders_maximum():
    result = proxy_resolve(leader_max=100, amount=60, challenger_max=300)
    assert result.challenger_leads
    assert result.price == 105
    assert steps(result) == [
        ("challenger", 60, False),
        ("leader", 100, True),
        ("challenger", 105, True),
    ]


def test_a_bid_above_the_leaders_maximum_leads_at_its_own_amount():
    result = proxy_resolve(leader_max=100, amount=101, challenger_max=500)
    assert result.challenger_leads
    assert result.price == 101
    assert steps(result) == [("challenger", 101, False)]


def test_a_proxy_that_reaches_the_reserve_bids_up_to_it():
    result = proxy_resolve(leader_max=30, amount=20, challenger_max=500, reserve=200)
    assert result.price == 200
    assert steps(result)[-1] == ("challenger", 200, True)
    # A maximum below the reserve does not go there.
    result = proxy_resolve(leader_max=30, amount=20, challenger_max=150, reserve=200)
    assert result.price == 31


def test_every_step_is_strictly_above_the_one_before():
    for leader_max in range(10, 40, 3):
        for amount in range(5, 45, 4):
            for extra in (0, 1, 7, 30):
                result = proxy_resolve(
                    leader_max=leader_max, amount=amount, challenger_max=amount + extra
                )
                amounts = [step.amount for step in result.steps]
                assert amounts == sorted(set(amounts))
                assert amounts[-1] == result.price
