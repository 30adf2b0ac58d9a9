"""Where a request's time goes, measured in one process (no server, no
concurrency): the SQL each kind of request sends, its wall and CPU time, and a
cProfile split of an accepted bid by layer. Run by `bench/run.sh queries`."""

from __future__ import annotations

import cProfile
import pstats
import re
import time
from collections import Counter

from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext

from auctions.models import Auction
from auctions.rules import increment_for
from bench import fixtures, harness
from bench.harness import log

REPEAT = 60


def _client(user) -> Client:
    client = Client(HTTP_HOST="127.0.0.1", HTTP_HX_REQUEST="true")
    client.force_login(user)
    return client


def _normalize(sql: str) -> str:
    """One line per statement shape: literals out, column lists shortened."""
    sql = re.sub(r"'[^']*'", "?", sql)
    sql = re.sub(r"\b\d+\b", "N", sql)
    sql = re.sub(r"SELECT .*? FROM", "SELECT … FROM", sql, flags=re.S)
    sql = re.sub(r"\(N(, N)+\)", "(N, …)", sql)
    return sql[:160]


def _measure(name: str, make_request, repeat: int = REPEAT) -> dict:
    make_request()  # warm: templates compiled, connections open
    with CaptureQueriesContext(connection) as captured:
        response = make_request()
    statements = [q["sql"] for q in captured.captured_queries]
    walls, cpus = [], []
    for _ in range(repeat):
        wall, cpu = time.perf_counter(), time.process_time()
        make_request()
        walls.append((time.perf_counter() - wall) * 1000)
        cpus.append((time.process_time() - cpu) * 1000)
    walls.sort()
    cpus.sort()
    kinds = Counter(s.split()[0].upper() for s in statements)
    result = {
        "status": getattr(response, "status_code", None),
        "queries": len(statements),
        "by_verb": dict(kinds),
        "statements": [_normalize(s) for s in statements],
        "wall_ms_median": round(walls[len(walls) // 2], 2),
        "cpu_ms_median": round(cpus[len(cpus) // 2], 2),
        "response_bytes": len(getattr(response, "content", b"")),
    }
    log(
        f"{name}: {result['queries']} queries, wall {result['wall_ms_median']} ms, cpu {result['cpu_ms_median']} ms"
    )
    return result


LAYERS = [
    ("database (psycopg)", re.compile(r"psycopg|django/db/backends")),
    ("template rendering", re.compile(r"django/template/")),
    ("logging (JSON lines)", re.compile(r"logging/|auction_bot/logging")),
    ("cache / Redis", re.compile(r"redis/|django/core/cache")),
    ("Celery publish (outbox on_commit)", re.compile(r"kombu/|celery/")),
    ("ORM query building", re.compile(r"django/db/models/")),
    ("forms", re.compile(r"django/forms/")),
    ("translation", re.compile(r"django/utils/translation|gettext")),
]


BID_PHASES = [
    (
        "whole request (middleware + view)",
        "django/core/handlers/base.py",
        "get_response",
    ),
    ("view (after middleware)", "django/core/handlers/base.py", "_get_response"),
    (
        "  auction read before the bid",
        "auctions/views/detail.py",
        "public_auction_or_404",
    ),
    ("  rate limit (Redis)", "auctions/views/bidding.py", "_check_rate"),
    ("  bid_place (the transaction)", "auctions/services/bidding.py", "bid_place"),
    ("    ledger posts", "payments/services/ledger.py", "_ledger_post"),
    ("    outbox rows", "accounts/services.py", "notify"),
    (
        "    Celery publish after commit",
        "django/db/backends/base/base.py",
        "run_and_clear_commit_hooks",
    ),
    ("  live partial: context (queries)", "auctions/views/detail.py", "live_context"),
    ("  live partial: render total", "auctions/views/detail.py", "render_live"),
    ("  full page: render total", "auctions/views/detail.py", "render_detail"),
]
CLOSE_PHASES = [
    ("whole close", "auctions/services/lifecycle.py", "_close_next_due"),
    ("  close_locked", "auctions/services/closing.py", "close_locked"),
    ("    settlement", "auctions/services/closing.py", "_settle"),
    ("    holds released", "auctions/services/holds.py", "holds_release_all"),
    ("    ledger posts", "payments/services/ledger.py", "_ledger_post"),
    ("    notifications written", "auctions/services/notices.py", "notify_closed"),
    (
        "  Celery publish after commit",
        "django/db/backends/base/base.py",
        "run_and_clear_commit_hooks",
    ),
]


def _phases(stats: pstats.Stats, phases: list, repeat: int) -> dict:
    """Cumulative CPU per request of the functions that mark each phase."""
    out = {}
    for label, path, name in phases:
        total = sum(
            ct
            for (filename, _line, func), (
                _cc,
                _nc,
                _tt,
                ct,
                _callers,
            ) in stats.stats.items()
            if func == name and filename.endswith(path)
        )
        if total:
            out[label] = round(1000 * total / repeat, 2)
    return out


def _profile(make_request, repeat: int = REPEAT, phases: list | None = None) -> dict:
    """Self time of every function, bucketed by the layer its file belongs to."""
    # CPU time, not wall time: waiting for PostgreSQL (and for other processes
    # on a busy machine) is not this process's work.
    profiler = cProfile.Profile(time.process_time)
    profiler.enable()
    for _ in range(repeat):
        make_request()
    profiler.disable()
    stats = pstats.Stats(profiler)
    total = 0.0
    layers: Counter = Counter()
    for (filename, _line, _func), (
        _cc,
        _nc,
        tottime,
        _ct,
        _callers,
    ) in stats.stats.items():
        total += tottime
        for layer, pattern in LAYERS:
            if pattern.search(filename):
                layers[layer] += tottime
                break
        else:
            layers["everything else (views, services, middleware, Python)"] += tottime
    out = {k: round(100 * v / total, 1) for k, v in layers.most_common()}
    out["_profiled_cpu_ms_per_request"] = round(1000 * total / repeat, 2)
    if phases:
        out["_phases_profiled_cpu_ms"] = _phases(stats, phases, repeat)
    top = sorted(stats.stats.items(), key=lambda kv: kv[1][3], reverse=True)
    out["_top_cumulative"] = [
        f"{round(1000 * ct / repeat, 2)} ms  {fn.split('site-packages/')[-1].split('/work/main/')[-1]}:{line} {func}"
        for (fn, line, func), (_cc, _nc, _tt, ct, _callers) in top[:40]
    ]
    return out


def _cpu_ms(make_request, repeat: int = REPEAT) -> float:
    make_request()
    cpus = []
    for _ in range(repeat):
        cpu = time.process_time()
        make_request()
        cpus.append((time.process_time() - cpu) * 1000)
    cpus.sort()
    return round(cpus[len(cpus) // 2], 2)


def _what_if(accepted_bid, refused_bid, poll_changed) -> dict:
    """The same requests with one thing changed by a patch in this process only
    (production code untouched): evidence for the proposals in RESULTS.md."""
    from unittest import mock

    from auctions import selectors

    def history(limit: int):
        real = selectors.auction_bid_history

        def shorter(**kwargs):
            return real(**kwargs, limit=limit)

        return mock.patch("auctions.views.detail.auction_bid_history", shorter)

    out: dict = {}
    for label, request in (
        ("bid accepted", accepted_bid),
        ("bid refused: price moved", refused_bid),
        ("live poll, changed", poll_changed),
    ):
        row = {"as is (history of 50)": _cpu_ms(request)}
        for limit in (10, 0):
            with history(limit):
                row[f"history of {limit}"] = _cpu_ms(request)
        out[label] = row
    log(f"what if: {out}")
    return out


def _service_only(auction, bidders, state) -> dict:
    """`bid_place` alone, no HTTP, two bidders taking turns: its wall time is
    about how long the auction row stays locked per accepted bid, so 1000 /
    wall is what one auction could take if the web tier cost nothing."""
    from auctions.services import bid_place

    walls, cpus = [], []
    turn = state["turn"]  # the leader now; the other one bids first
    for _ in range(REPEAT):
        price = state["price"]
        amount = price + increment_for(price)
        turn ^= 1
        wall, cpu = time.perf_counter(), time.process_time()
        bid_place(auction=auction, bidder=bidders[turn], amount=amount)
        walls.append((time.perf_counter() - wall) * 1000)
        cpus.append((time.process_time() - cpu) * 1000)
        state["price"] = amount
        state["turn"] = turn
    walls.sort()
    cpus.sort()
    out = {
        "bid_place_wall_ms_median": round(walls[len(walls) // 2], 2),
        "bid_place_cpu_ms_median": round(cpus[len(cpus) // 2], 2),
    }
    out["one_auction_ceiling_bids_per_s"] = round(
        1000 / out["bid_place_wall_ms_median"], 1
    )
    log(f"service only: {out}")
    return out


def _close_profile() -> dict:
    """One close as the sweep does it (`_close_next_due`): its SQL, CPU time
    per close, and the layer split — on auctions shaped like the closing
    benchmark's (three bids, a leader holding stars, a watcher)."""
    import random

    from django.utils import timezone

    from auctions.services import lifecycle
    from bench import closing

    rng = random.Random(3)
    sellers = fixtures.users_create("close-seller", 20, telegram_base=30_000_000)
    bidders = fixtures.users_create(
        "close-bidder", 200, stars=closing.BIDDER_STARS, telegram_base=40_000_000
    )
    ids = closing.auctions_bulk_create(2 + 2 * REPEAT, sellers, bidders, rng)
    Auction.objects.filter(pk__in=ids).update(ends_at=timezone.now())

    def close_one():
        picked, result = lifecycle._close_next_due(now=timezone.now(), skip=[])
        assert result is not None and result.closed, (picked, result)

    measured = _measure("close (sweep pick + close)", close_one, repeat=REPEAT // 2)
    measured["profile"] = _profile(close_one, repeat=REPEAT // 2, phases=CLOSE_PHASES)
    return measured


def scenario_queries(args) -> dict:
    harness.database_reset()
    seller = fixtures.users_create("bench-seller", 1)[0]
    bidders = fixtures.users_create("bench-bidder", 2, stars=fixtures.STARS_PER_BIDDER)
    auction = fixtures.auctions_create(seller, 1, title="Profiled lot")[0]
    clients = [_client(b) for b in bidders]
    url = f"/auction/{auction.uuid}"
    # What the page would show: kept here so that measuring costs no query.
    state = {"turn": 0, "price": None}

    def minimum() -> int:
        price = state["price"]
        return (
            auction.starting_price_stars
            if price is None
            else price + increment_for(price)
        )

    def accepted_bid():
        # The two bidders take turns, so every bid is accepted and outbids.
        state["turn"] ^= 1
        amount = minimum()
        response = clients[state["turn"]].post(f"{url}/bid", {"amount": amount})
        assert b'data-testid="bid-notice"' in response.content, response.content[:300]
        state["price"] = amount
        return response

    def refused_bid():
        # The leader's rival bids the price itself: "the minimum bid is …".
        rival = clients[state["turn"] ^ 1]
        response = rival.post(f"{url}/bid", {"amount": state["price"]})
        assert b"The minimum bid is" in response.content, response.content[:300]
        return response

    def poll_changed():
        return clients[0].get(f"{url}/live")

    def poll_unchanged():
        return clients[0].get(f"{url}/live", {"v": version()})

    def version() -> str:
        from django.utils import timezone

        from auctions.selectors_pages import auction_live_marker, auction_live_version

        marker = auction_live_marker(uuid=str(auction.uuid))
        return auction_live_version(marker, timezone.now())

    def trivial():
        return clients[0].get("/bench/trivial")

    for _ in range(60):  # some history, as on a busy page (the history shows 50)
        accepted_bid()
    result: dict = {"scenario": "queries", "machine": harness.machine_state()}
    result["requests"] = {
        "trivial view (logged in)": _measure("trivial", trivial),
        "bid accepted (htmx, outbids the leader)": _measure(
            "accepted bid", accepted_bid
        ),
        "bid refused: price moved (htmx)": _measure("refused bid", refused_bid),
        "live poll, changed (partial)": _measure("poll changed", poll_changed),
        "live poll, unchanged (204)": _measure("poll unchanged", poll_unchanged),
    }
    result["profile_accepted_bid"] = _profile(accepted_bid, phases=BID_PHASES)
    result["profile_refused_bid"] = _profile(refused_bid, phases=BID_PHASES)
    result["profile_poll_changed"] = _profile(poll_changed, phases=BID_PHASES)
    result["what_if"] = _what_if(accepted_bid, refused_bid, poll_changed)
    result["service_only"] = _service_only(auction, bidders, state)
    result["close"] = _close_profile()
    log(
        "accepted bid profile: "
        + str(
            {
                k: v
                for k, v in result["profile_accepted_bid"].items()
                if not k.startswith("_top")
            }
        )
    )
    return result
