"""Proxy bidding against a small reference model: for any sequence of plain bids,
proxy bids and raised maxima by a few bidders, the services leave the leader, the
price and the holds where the rules say, refuse exactly what the rules refuse, and
keep the ledger sound after every step.

The model states the rules directly in terms of maxima ("commitments"): the
highest maximum leads (the earlier on a tie); the price is one increment over
the loser's maximum, capped at the winner's, or the winner's own bid if that is
higher than the leader's maximum; a maximum that reaches the reserve lifts the
price to it. It uses only the tier table (`increment_for`), tested on its own."""

from __future__ import annotations

from dataclasses import dataclass, field

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from accounts.models import User
from auction_bot.errors import DomainError
from auctions.errors import BidRefused, BidTooLow
from auctions.models import Auction, Bid
from auctions.rules import increment_for
from auctions.services import bid_place
from auctions.tests.checks import assert_money_sound, holds_of
from auctions.tests.factories import AuctionFactory
from payments.errors import InsufficientStars
from payments.tests.factories import funded_user

BIDDERS = 4

step = st.tuples(
    st.integers(0, BIDDERS - 1),  # who
    st.sampled_from(["plain", "proxy", "raise"]),
    st.integers(-3, 60),  # the bid, relative to the minimum
    st.integers(0, 400),  # the maximum, relative to the bid
)


@dataclass
class Model:
    starting: int
    min_increment: int
    reserve: int | None
    funds: list[int]
    price: int = 0
    leader: int | None = None
    leader_max: int = 0
    held: dict[int, int] = field(default_factory=dict)

    def minimum(self) -> int:
        if self.leader is None:
            return self.starting
        return self.price + increment_for(self.price, self.min_increment)

    def available(self, who: int) -> int:
        return self.funds[who] - self.held.get(who, 0)

    def lift(self, price: int, maximum: int) -> int:
        if self.reserve is not None and price < self.reserve <= maximum:
            return self.reserve
        return price

    def bid(self, who: int, amount: int, maximum: int | None) -> type | None:
        """Apply a bid; return the refusal it must meet, or None."""
        if who == self.leader:
            if maximum is None or maximum <= self.leader_max:
                return BidRefused
            if self.available(who) < maximum - self.leader_max:
                return InsufficientStars
            self.leader_max = self.held[who] = maximum
            self.price = self.lift(self.price, maximum)
            return None
        if amount < self.minimum():
            return BidTooLow
        commitment = amount if maximum is None else maximum
        if commitment < amount:
            return BidRefused
        if self.available(who) < commitment:
            return InsufficientStars
        if self.leader is None:
            self._lead(who, commitment, self.lift(amount, commitment))
            return None
        ahead = self.leader_max
        if commitment > ahead:  # a tie stays with the earlier maximum
            if amount > ahead:
                price = amount
            else:
                price = min(
                    commitment, ahead + increment_for(ahead, self.min_increment)
                )
            self.held.pop(self.leader)
            self._lead(who, commitment, self.lift(price, commitment))
        else:
            price = min(
                ahead, commitment + increment_for(commitment, self.min_increment)
            )
            self.price = self.lift(price, ahead)
        return None

    def _lead(self, who: int, commitment: int, price: int) -> None:
        self.leader, self.leader_max, self.price = who, commitment, price
        self.held = {who: commitment}


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
