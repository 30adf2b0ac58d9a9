"""The pure arithmetic of the auction rules (SPEC §4): increments, the proxy
resolution and the Dutch price. No database here, so the services, the selectors
and the tests' reference models share one definition of each number."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

# (prices below this, whole-star increment); 10,000 and up → 100.
INCREMENT_TIERS = ((100, 1), (500, 5), (1_000, 10), (5_000, 25), (10_000, 50))
TOP_INCREMENT = 100


def increment_for(price: int, min_increment: int = 1) -> int:
    """The step above `price`: the tier table's, or the seller's minimum if larger."""
    for below, step in INCREMENT_TIERS:
        if price < below:
            return max(step, min_increment)
    return max(TOP_INCREMENT, min_increment)


def min_next_bid(
    *, price: int, has_bids: bool, starting_price: int, min_increment: int = 1
) -> int:
    """The least a new (non-leading) bid may be: the starting price for the first
    bid, then the current price plus one increment."""
    if not has_bids:
        return starting_price
    return price + increment_for(price, min_increment)


@dataclass(frozen=True)
class Step:
    """One bid row the resolution records, in order: `who` is "challenger" or
    "leader"."""

    who: str
    amount: int
    automatic: bool


@dataclass(frozen=True)
class Resolution:
    challenger_leads: bool
    price: int
    steps: tuple[Step, ...]


def proxy_resolve(
    *,
    leader_max: int,
    amount: int,
    challenger_max: int,
    min_increment: int = 1,
    reserve: int | None = None,
) -> Resolution:
    """A challenger bids `amount` (with a proxy maximum `challenger_max` ≥ amount,
    equal to it for a plain bid) against a leader whose earlier maximum is
    `leader_max` (their bid, if they gave no maximum). Each proxy bids the least
    needed to lead, up to its maximum; equal maxima go to the leader, who was
    first.

    Price: a bid above the leader's maximum simply leads at its amount; otherwise
    the winner pays one increment over the loser's maximum, capped at their own.
    If the reserve lies between that price and the winner's maximum, the proxy
    goes on to the reserve, since below it nobody wins anything.

    The steps are the rows the history shows, each strictly above the one before
    (so no two bids share a price): the challenger's bid, unless it merely equals
    the leader's maximum (which outranks it and shows instead), the loser's proxy
    reaching its maximum, and the winner's automatic bid."""
    inc = increment_for
    steps: list[Step] = []
    if challenger_max > leader_max:
        if amount > leader_max:
            price = amount
            steps.append(Step("challenger", amount, automatic=False))
        else:
            price = min(challenger_max, leader_max + inc(leader_max, min_increment))
            if amount < leader_max:
                steps.append(Step("challenger", amount, automatic=False))
            steps.append(Step("leader", leader_max, automatic=True))
        lifted = reserve_lift(price=price, leader_max=challenger_max, reserve=reserve)
        if lifted > steps[-1].amount:
            steps.append(Step("challenger", lifted, automatic=True))
        return Resolution(challenger_leads=True, price=lifted, steps=tuple(steps))

    price = min(leader_max, challenger_max + inc(challenger_max, min_increment))
    price = reserve_lift(price=price, leader_max=leader_max, reserve=reserve)
    if amount < leader_max:
        steps.append(Step("challenger", amount, automatic=False))
    if amount < challenger_max < leader_max:
        steps.append(Step("challenger", challenger_max, automatic=True))
    steps.append(Step("leader", price, automatic=True))
    return Resolution(challenger_leads=False, price=price, steps=tuple(steps))


def reserve_lift(*, price: int, leader_max: int, reserve: int | None) -> int:
    """A proxy whose maximum reaches the reserve bids up to it: below the reserve
    the leader would win nothing."""
    if reserve is not None and price < reserve <= leader_max:
        return reserve
    return price


def dutch_price_at(
    *,
    starting_price: int,
    step: int,
    interval_minutes: int,
    floor: int,
    starts_at: datetime,
    when: datetime,
) -> int:
    """starting − step × ⌊elapsed / interval⌋, never below the floor; the
    starting price before the start."""
    elapsed = (when - starts_at).total_seconds()
    if elapsed <= 0:
        return starting_price
    steps_taken = int(elapsed // (interval_minutes * 60))
    return max(floor, starting_price - step * steps_taken)
