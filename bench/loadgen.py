"""The load generator: logged-in bidders posting bids over HTTP exactly as the
auction page's htmx forms do (session and CSRF cookies, the CSRF header,
`HX-Request: true`, answered with the live partial), one keep-alive connection
each, on one asyncio loop.

What a bidder knows is what the site showed: the price and the minimum next bid
in the partials it got back, or the minimum in a "price moved" refusal. All the
bidders share that board, as if each one's page had just polled. A bidder never
bids against itself: while the board says it leads an auction it picks another
one (many auctions) or waits for news and then polls the page's cheap live
endpoint (one hot auction).

Strategies: "min" posts a plain bid of exactly the minimum shown (most people
tap the prefilled button); "max" posts a proxy maximum a few increments above
it, and the site bids for the bidder."""

from __future__ import annotations

import asyncio
import html
import random
import re
import time
from dataclasses import dataclass, field

import httpx

from auctions.rules import increment_for

PRICE_RE = re.compile(r'data-testid="auction-price">(\d+) ')
MIN_SHOWN_RE = re.compile(r'data-testid="min-next-bid">Minimum bid: (\d+) ')
NOTICE_RE = re.compile(r'data-testid="bid-notice">([^<]*)<')
ERROR_RE = re.compile(r'data-testid="bid-errors">\s*<div>([^<]*)</div>')
MIN_ERROR_RE = re.compile(r"The minimum bid is (\d+) stars")
LEADING_RE = re.compile(r"You are the highest bidder at (\d+) ")
OUTBID_RE = re.compile(r"another bidder.s maximum is higher: the price is now (\d+) ")
RAISED_RE = re.compile(r"Your maximum is now (\d+) ")

# Refusals that are the rules working, not failures.
LEGIT_REFUSALS = {  # and "price_moved_though_maximum_covered_it", see _bid_once
    "price_moved": MIN_ERROR_RE,
    "already_leading": re.compile(r"already the highest bidder"),
    # A maximum posted by a bidder who (unknown to it) leads with a higher one.
    "maximum_not_higher": re.compile(r"Your maximum is already \d+ stars"),
}


@dataclass
class Lot:
    id: int
    uuid: str
    price: int
    min_next: int
    leader: int | None = None
    changed: asyncio.Event = field(default_factory=asyncio.Event)

    def learn_minimum(self, minimum: int) -> None:
        if minimum > self.min_next:
            self.min_next = minimum
            self.leader = None  # someone else's bid moved it
            self._wake()

    def learn_lead(self, user_id: int, price: int) -> None:
        """`user_id` leads at `price` (what its own answer showed)."""
        minimum = price + increment_for(price)
        if minimum >= self.min_next:
            self.price = price
            self.min_next = minimum
            self.leader = user_id
            self._wake()

    def learn_price(self, price: int) -> None:
        self.price = max(self.price, price)
        self.learn_minimum(price + increment_for(price))

    def _wake(self) -> None:
        self.changed.set()
        self.changed = asyncio.Event()


@dataclass
class Record:
    started: float
    latency: float
    kind: str  # "bid", "poll", "trivial"
    outcome: str  # "accepted", a legit refusal, or "error:<what>"


@dataclass
class Accepted:
    auction_id: int
    user_id: int
    answer: str  # "leading", "outbid_by_proxy", "max_raised"
    price: int  # the price the answer named (the bid's amount for a plain bid)
    amount: int | None  # a plain bid's amount


@dataclass
class Run:
    records: list[Record] = field(default_factory=list)
    accepted: list[Accepted] = field(default_factory=list)
    error_samples: list[str] = field(default_factory=list)
    stale_panels: int = 0

    def error(self, started: float, latency: float, kind: str, what: str) -> None:
        self.records.append(Record(started, latency, kind, f"error:{what}"))
        if len(self.error_samples) < 20:
            self.error_samples.append(what)


def _client(base_url: str, login: dict, connections: int = 1) -> httpx.AsyncClient:
    return httpx.AsyncClient(
        base_url=base_url,
        headers={
            "Cookie": f"sessionid={login['session']}; csrftoken={login['csrf']}",
            "X-CSRFToken": login["csrf"],
            "HX-Request": "true",
        },
        limits=httpx.Limits(
            max_connections=connections, max_keepalive_connections=connections
        ),
        timeout=30.0,
    )


def _classify_refusal(body: str) -> tuple[str, int | None]:
    match = ERROR_RE.search(body)
    if not match:
        return "error:no notice and no refusal in the answer", None
    text = html.unescape(match.group(1)).strip()
    minimum = MIN_ERROR_RE.search(text)
    if minimum:
        return "price_moved", int(minimum.group(1))
    for name in ("already_leading", "maximum_not_higher"):
        if LEGIT_REFUSALS[name].search(text):
            return name, None
    return f"error:refused: {text[:120]}", None


async def _bid_once(
    client: httpx.AsyncClient,
    run: Run,
    lot: Lot,
    user_id: int,
    strategy: str,
    spread: int,
) -> None:
    maximum = None
    if strategy == "min":
        amount: int | None = lot.min_next
        url, data = f"/auction/{lot.uuid}/bid", {"amount": str(amount)}
    else:
        amount = None
        step = increment_for(lot.min_next)
        maximum = lot.min_next + random.randint(0, spread) * step
        url, data = f"/auction/{lot.uuid}/max", {"max_amount": str(maximum)}
    started = time.perf_counter()
    try:
        response = await client.post(url, data=data)
    except httpx.HTTPError as exc:
        run.error(started, time.perf_counter() - started, "bid", type(exc).__name__)
        return
    latency = time.perf_counter() - started
    client.cookies.clear()  # the Cookie header above is the session
    if response.status_code != 200:
        run.error(started, latency, "bid", f"HTTP {response.status_code}")
        return
    body = response.text
    notice = NOTICE_RE.search(body)
    if notice:
        text = html.unescape(notice.group(1))
        if m := LEADING_RE.search(text):
            price = int(m.group(1))
            run.accepted.append(Accepted(lot.id, user_id, "leading", price, amount))
            lot.learn_lead(user_id, price)
        elif m := OUTBID_RE.search(text):
            price = int(m.group(1))
            run.accepted.append(
                Accepted(lot.id, user_id, "outbid_by_proxy", price, amount)
            )
            lot.learn_price(price)
        elif m := RAISED_RE.search(text):
            run.accepted.append(
                Accepted(lot.id, user_id, "max_raised", int(m.group(1)), None)
            )
        else:
            run.error(started, latency, "bid", f"unknown notice: {text[:80]}")
            return
        shown = PRICE_RE.search(body)
        if shown:
            lot.learn_price(int(shown.group(1)))
        run.records.append(Record(started, latency, "bid", "accepted"))
        return
    outcome, minimum = _classify_refusal(body)
    if minimum is not None:
        lot.learn_minimum(minimum)
        shown = PRICE_RE.search(body)
        if shown and int(shown.group(1)) + increment_for(int(shown.group(1))) < minimum:
            # The refusal names the fresh minimum, but the panel next to it
            # still shows the price read before the bid waited for the lock.
            run.stale_panels += 1
        if maximum is not None and maximum >= minimum:
            # A maximum that covers the minimum refused as "price moved": the
            # /max view fixes the opening amount before taking the lock.
            outcome = "price_moved_though_maximum_covered_it"
    run.records.append(Record(started, latency, "bid", outcome))
    if outcome.startswith("error:") and len(run.error_samples) < 20:
        run.error_samples.append(outcome)


async def _poll(client: httpx.AsyncClient, run: Run, lot: Lot, user_id: int) -> None:
    """The page's live poll: who leads now, and the minimum if not us."""
    started = time.perf_counter()
    try:
        response = await client.get(f"/auction/{lot.uuid}/live")
    except httpx.HTTPError as exc:
        run.error(started, time.perf_counter() - started, "poll", type(exc).__name__)
        return
    latency = time.perf_counter() - started
    client.cookies.clear()
    if response.status_code != 200:
        run.error(started, latency, "poll", f"HTTP {response.status_code}")
        return
    shown = MIN_SHOWN_RE.search(response.text)
    if shown:
        lot.learn_minimum(int(shown.group(1)))
    run.records.append(Record(started, latency, "poll", "ok"))


async def _bidder(
    base_url: str,
    login: dict,
    lots: list[Lot],
    run: Run,
    deadline: float,
    strategy: str,
    spread: int,
) -> None:
    user_id = login["user_id"]
    async with _client(base_url, login) as client:
        while time.perf_counter() < deadline:
            if len(lots) == 1:
                lot = lots[0]
                if lot.leader == user_id:
                    # Leading: wait for news of another bid, else ask the page.
                    try:
                        await asyncio.wait_for(lot.changed.wait(), timeout=0.2)
                    except TimeoutError:
                        await _poll(client, run, lot, user_id)
                    continue
            else:
                lot = random.choice(lots)
                while lot.leader == user_id:
                    lot = random.choice(lots)
            await _bid_once(client, run, lot, user_id, strategy, spread)


async def _trivial_client(
    base_url: str, login: dict, run: Run, deadline: float, path: str
) -> None:
    async with _client(base_url, login) as client:
        while time.perf_counter() < deadline:
            started = time.perf_counter()
            try:
                response = await client.get(path)
            except httpx.HTTPError as exc:
                run.error(
                    started,
                    time.perf_counter() - started,
                    "trivial",
                    type(exc).__name__,
                )
                continue
            latency = time.perf_counter() - started
            client.cookies.clear()
            if response.status_code == 200 and response.text == "ok":
                run.records.append(Record(started, latency, "trivial", "ok"))
            else:
                run.error(started, latency, "trivial", f"HTTP {response.status_code}")


async def bids_run(
    *,
    base_url: str,
    logins: list[dict],
    auctions: list[dict],
    seconds: float,
    strategy: str = "min",
    spread: int = 10,
) -> Run:
    """Every login bids until `seconds` from now; requests in flight then are
    let finish (they count in the checks, and in the figures if they started
    inside the window)."""
    lots = [
        Lot(id=a["id"], uuid=a["uuid"], price=a["price"], min_next=a["min_next"])
        for a in auctions
    ]
    run = Run()
    deadline = time.perf_counter() + seconds
    await asyncio.gather(
        *(
            _bidder(base_url, login, lots, run, deadline, strategy, spread)
            for login in logins
        )
    )
    return run


async def trivial_run(
    *, base_url: str, logins: list[dict], seconds: float, path: str = "/bench/trivial"
) -> Run:
    run = Run()
    deadline = time.perf_counter() + seconds
    await asyncio.gather(
        *(_trivial_client(base_url, login, run, deadline, path) for login in logins)
    )
    return run


def percentile(values: list[float], q: float) -> float:
    if not values:
        return float("nan")
    ordered = sorted(values)
    index = min(len(ordered) - 1, max(0, round(q / 100 * (len(ordered) - 1))))
    return ordered[index]


def summarize(run: Run, start: float, end: float, kind: str) -> dict:
    """Figures over requests started inside [start, end)."""
    window = [r for r in run.records if r.kind == kind and start <= r.started < end]
    seconds = end - start
    outcomes: dict[str, int] = {}
    for r in window:
        outcomes[r.outcome] = outcomes.get(r.outcome, 0) + 1
    latencies = [r.latency * 1000 for r in window]
    accepted = [r.latency * 1000 for r in window if r.outcome in ("accepted", "ok")]
    errors = sum(n for o, n in outcomes.items() if o.startswith("error:"))
    return {
        "requests": len(window),
        "requests_per_s": round(len(window) / seconds, 1),
        "accepted_per_s": round(len(accepted) / seconds, 1),
        "errors": errors,
        "outcomes": outcomes,
        "latency_ms": {
            "p50": round(percentile(latencies, 50), 1),
            "p90": round(percentile(latencies, 90), 1),
            "p99": round(percentile(latencies, 99), 1),
            "max": round(max(latencies), 1) if latencies else None,
        },
        "accepted_latency_ms": {
            "p50": round(percentile(accepted, 50), 1),
            "p99": round(percentile(accepted, 99), 1),
        },
    }
