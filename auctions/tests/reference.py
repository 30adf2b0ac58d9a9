"""A small reference model of English proxy bidding (SPEC §4), stated directly in
terms of maxima ("commitments"): the highest maximum leads, the earlier on a tie;
the price is one increment over the loser's maximum, capped at the winner's, or
the winner's own bid when it is above the leader's maximum; a maximum that
reaches the reserve lifts the price to it. It uses only the tier table
(`increment_for`, tested on its own), not the services' resolution code."""

from __future__ import annotations

from dataclasses import dataclass, field

from auctions.errors import BidRefused, BidTooLow
from auctions.rules import increment_for
from payments.errors import InsufficientStars


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
