"""Proxy bidding against a small reference model: for any sequence of plain bids,
proxy bids and raised maxima by a few bidders, the services leave the leader, the
price and the holds where the rules say, refuse exactly what the rules refuse, and
keep the ledger sound after every step (the model: auctions/tests/reference.py)."""

from __future__ import annotations

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from accounts.models import User
from auction_bot.errors import DomainError
from auctions.models import Auction, Bid
from auctions.services import bid_place
from auctions.tests.checks import assert_money_sound, holds_of
from auctions.tests.factories import AuctionFactory
from auctions.tests.reference import Model
from payments.tests.factories import funded_user

BIDDERS = 4

step = st.tuples(
    st.integers(0, BIDDERS - 1),  # who
    st.sampled_from(["plain", "proxy", "raise"]),
    st.integers(-3, 60),  # the bid, relative to the minimum
    st.integers(0, 400),  # the maximum, relative to the bid
)


def run(auction: Auction, users: list[User], model: Model, steps: list) -> None:
    for who, kind, offset, extra in steps:
        amount = max(1, model.minimum() + offset)
        maximum = None if kind == "plain" else amount + extra
        if kind == "raise" and who == model.leader:
            maximum = model.leader_max + extra  # extra == 0: not higher
        expected = model.bid(who, amount, maximum)
        from hypothesis import event

        lead = "lead" if model.leader == who else "lose"
        event(kind + ":" + (expected.__name__ if expected else "ok") + ":" + lead)
        if expected is None:
            bid_place(
                auction=auction, bidder=users[who], amount=amount, max_amount=maximum
            )
        else:
            with pytest.raises(DomainError) as refused:
                bid_place(
                    auction=auction,
                    bidder=users[who],
                    amount=amount,
                    max_amount=maximum,
                )
            assert type(refused.value) is expected, refused.value
        check(auction, users, model)


def check(auction: Auction, users: list[User], model: Model) -> None:
    auction.refresh_from_db()
    leader = users[model.leader].pk if model.leader is not None else None
    assert auction.leader_id == leader
    if leader is None:
        assert not Bid.objects.filter(auction=auction).exists()
        assert holds_of(auction) == {}
    else:
        assert auction.current_price_stars == model.price
        assert auction.leader_max_stars == model.leader_max
        assert holds_of(auction) == {leader: model.leader_max}
        amounts = list(
            Bid.objects.filter(auction=auction)
            .order_by("created_at", "id")
            .values_list("amount", flat=True)
        )
        # The history rises strictly (no two bids share a price) to the price.
        assert amounts == sorted(set(amounts)) and amounts[-1] == model.price
        last = Bid.objects.filter(auction=auction).order_by("-id").first()
        assert last.bidder_id == leader
    assert auction.bid_count == Bid.objects.filter(auction=auction).count()
    assert_money_sound(*users)
    for index, user in enumerate(users):
        assert user.stars_balance == model.available(index)


@pytest.mark.django_db
@settings(
    max_examples=40,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
)
@given(
    starting=st.sampled_from([1, 10, 95, 490, 990, 1_990]),
    min_increment=st.sampled_from([1, 1, 7]),
    reserve_extra=st.one_of(st.none(), st.integers(0, 300)),
    wealth=st.lists(st.sampled_from([1, 2, 4]), min_size=BIDDERS, max_size=BIDDERS),
    steps=st.lists(step, min_size=1, max_size=14),
)
def test_proxy_bidding_follows_the_rules_for_any_sequence_of_bids(
    starting, min_increment, reserve_extra, wealth, steps
):
    # Enough stars for a few rounds, so that some bids are short of stars and
    # most are not.
    funds = [(starting + 150) * times for times in wealth]
    reserve = None if reserve_extra is None else starting + reserve_extra
    auction = AuctionFactory(
        starting_price_stars=starting,
        min_increment_stars=min_increment,
        reserve_price_stars=reserve,
    )
    users = [funded_user(amount) for amount in funds]
    model = Model(
        starting=starting, min_increment=min_increment, reserve=reserve, funds=funds
    )
    run(auction, users, model, steps)
