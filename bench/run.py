"""`python -m bench.run hot|many|closing|queries` (bench/run.sh sets the
environment). Each scenario starts from an empty database, measures its
baseline before and after the real thing on the same server, checks that
nothing was lost, and writes bench/out/<scenario>-<time>.json."""

from __future__ import annotations

import argparse
import asyncio
import os
import signal
import sys
import time

import django

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "bench.settings_bench")
django.setup()

import logging  # noqa: E402

# The driver's own log lines (the setup posts thousands of ledger transactions)
# would drown the figures; gunicorn and the workers keep production's logging.
logging.getLogger().setLevel(logging.WARNING)

from django.core.management import call_command  # noqa: E402
from django.db import connection  # noqa: E402
from django.db.models import Sum  # noqa: E402

from accounts.models import User  # noqa: E402
from auctions.models import Auction, AuctionHold, Bid  # noqa: E402
from bench import fixtures, harness, loadgen  # noqa: E402
from bench.cpu import cpu_sample, cpu_split  # noqa: E402
from bench.harness import log  # noqa: E402


def _lots(auctions: list[Auction]) -> list[dict]:
    return [
        {
            "id": a.pk,
            "uuid": str(a.uuid),
            "price": a.current_price_stars,
            "min_next": a.starting_price_stars,
        }
        for a in auctions
    ]


def _http_phase(
    name: str,
    coro_factory,
    *,
    seconds: float,
    warmup: float,
    kind: str,
    gunicorn: harness.Process,
) -> tuple[loadgen.Run, dict]:
    """Run the load for warmup + seconds; figures cover the last `seconds`."""
    boots = harness.worker_boots(gunicorn.logfile)
    harness.wait_quiet()
    state = harness.machine_state()
    log(f"{name}: {seconds:.0f} s (+{warmup:.0f} s warm-up), load {state['loadavg']}")

    async def go() -> tuple[loadgen.Run, float, dict]:
        began = time.perf_counter()
        task = asyncio.ensure_future(coro_factory(warmup + seconds))
        await asyncio.sleep(warmup)
        before = cpu_sample()
        await asyncio.sleep(seconds)
        cpu = cpu_split(before, cpu_sample(), seconds)
        run = await task
        return run, began, cpu

    run, began, cpu = asyncio.run(go())
    figures = loadgen.summarize(run, began + warmup, began + warmup + seconds, kind)
    figures["cpu_cores"] = cpu
    figures.update(
        _cpu_per_request(
            cpu,
            seconds,
            figures["requests"] + _polls(run, began + warmup, began + warmup + seconds),
        )
    )
    figures["machine"] = state
    figures["machine_after"] = harness.machine_state()["loadavg"]
    figures["gunicorn_worker_restarts"] = harness.worker_boots(gunicorn.logfile) - boots
    if run.error_samples:
        figures["error_samples"] = run.error_samples[:10]
    if kind == "bid":
        figures["refusals_with_stale_price_panel"] = run.stale_panels
    if kind == "bid":
        polls = loadgen.summarize(run, began + warmup, began + warmup + seconds, "poll")
        if polls["requests"]:
            figures["polls"] = {
                "requests_per_s": polls["requests_per_s"],
                "latency_ms": polls["latency_ms"],
                "errors": polls["errors"],
            }
    log(
        f"{name}: {figures['requests_per_s']} req/s, accepted {figures['accepted_per_s']}/s, "
        f"p50 {figures['latency_ms']['p50']} ms, p99 {figures['latency_ms']['p99']} ms, "
        f"errors {figures['errors']}, outcomes {figures['outcomes']}, cpu {cpu}"
    )
    return run, figures


def _polls(run: loadgen.Run, start: float, end: float) -> int:
    return sum(1 for r in run.records if r.kind == "poll" and start <= r.started < end)


def _cpu_per_request(cpu: dict, seconds: float, requests: int) -> dict:
    """Server-side CPU (web + database + Redis) per request, and what two
    otherwise idle cores would therefore serve: a figure that other people's
    load on the machine disturbs far less than the rate itself."""
    server = cpu.get("gunicorn", 0) + cpu.get("postgres", 0) + cpu.get("redis", 0)
    if not requests or not server:
        return {}
    per = 1000 * server * seconds / requests
    return {
        "server_cpu_ms_per_request": round(per, 2),
        "capacity_on_2_idle_cores_per_s": round(2000 / per, 1),
    }


def _pgbench_phase(name: str, **kwargs) -> dict:
    harness.wait_quiet()
    state = harness.machine_state()
    log(f"{name}: pgbench, load {state['loadavg']}")
    result = harness.pgbench(**kwargs)
    result["machine"] = state
    cpu = result["cpu_cores"]
    if cpu.get("postgres"):
        per = 1000 * cpu["postgres"] / result["transactions_per_s"]
        result["postgres_cpu_ms_per_transaction"] = round(per, 3)
        result["capacity_on_2_idle_cores_per_s"] = round(2000 / per, 1)
    log(
        f"{name}: {result['transactions_per_s']} tps, p50 {result['latency_ms']['p50']} ms, "
        f"p99 {result['latency_ms']['p99']} ms, failed {result['failed']}, cpu {result['cpu_cores']}"
    )
    return result


def verify_bids(run: loadgen.Run, auction_ids: list[int], strategy: str) -> dict:
    """Every accepted answer has its Bid row; for plain bids also the converse
    (no row without an accepted answer); prices distinct per auction; counters,
    holds and the ledger agree."""
    rows = list(
        Bid.objects.filter(auction_id__in=auction_ids).values_list(
            "auction_id", "bidder_id", "amount", "is_automatic"
        )
    )
    by_price = {(a, amount): (b, auto) for a, b, amount, auto in rows}
    lost = []
    for acc in run.accepted:
        if acc.answer == "max_raised":
            continue
        row = by_price.get((acc.auction_id, acc.price))
        if acc.answer == "leading":
            ok = row is not None and row[0] == acc.user_id
            if strategy == "min":
                ok = ok and row[1] is False and acc.amount == acc.price
        else:  # outbid by the leader's proxy: its automatic row names the price
            ok = row is not None and row[1] is True and row[0] != acc.user_id
        if not ok:
            lost.append(acc.__dict__)
    result: dict = {
        "accepted_answers": len(run.accepted),
        "accepted_by_answer": {
            k: sum(1 for a in run.accepted if a.answer == k)
            for k in ("leading", "outbid_by_proxy", "max_raised")
        },
        "bid_rows": len(rows),
        "automatic_rows": sum(1 for r in rows if r[3]),
        "lost_bids": len(lost),
        "lost_samples": lost[:5],
        "duplicate_prices": len(rows) - len(by_price),
    }
    if strategy == "min":
        answered = {(a.auction_id, a.user_id, a.price) for a in run.accepted}
        manual = {(a, b, amount) for a, b, amount, auto in rows if not auto}
        result["rows_without_accepted_answer"] = len(manual - answered)
    counted = Auction.objects.filter(pk__in=auction_ids).aggregate(n=Sum("bid_count"))[
        "n"
    ]
    result["auction_bid_count_matches_rows"] = counted == len(rows)
    # One hold per auction: the leader's, equal to their maximum.
    bad_holds = 0
    holds = {
        (h.auction_id, h.user_id): h.amount_stars
        for h in AuctionHold.objects.filter(auction_id__in=auction_ids)
    }
    leaders = Auction.objects.filter(
        pk__in=auction_ids, leader__isnull=False
    ).values_list("pk", "leader_id", "leader_max_stars")
    for pk, leader_id, leader_max in leaders:
        if holds.get((pk, leader_id)) != leader_max:
            bad_holds += 1
    result["holds_not_matching_leader_max"] = bad_holds + max(
        len(holds) - len(leaders), 0
    )
    result["check_ledger"] = _check_ledger()
    return result


def _check_ledger() -> str:
    from io import StringIO

    from django.core.management.base import CommandError

    out = StringIO()
    try:
        call_command("check_ledger", stdout=out, stderr=out)
    except CommandError as exc:
        return f"FAILED: {exc} {out.getvalue()[:500]}"
    return out.getvalue().strip()


def _seller() -> User:
    return fixtures.users_create("bench-seller", 1)[0]


def scenario_hot(args) -> dict:
    harness.database_reset()
    seller = _seller()
    bidders = fixtures.users_create(
        "bench-bidder", args.bidders, stars=fixtures.STARS_PER_BIDDER
    )
    logins = [login.as_dict() for login in fixtures.logins_create(bidders)]
    hot_min, hot_max, raw = fixtures.auctions_create(seller, 3, title="Hot lot")
    ids = sorted(b.pk for b in bidders)
    pg = dict(
        clients=args.bidders,
        seconds=int(args.seconds),
        aid_min=raw.pk,
        aid_max=raw.pk,
        bidder_min=ids[0],
        bidder_max=ids[-1],
    )
    result: dict = {"scenario": "hot", "bidders": args.bidders, "seconds": args.seconds}
    result["machine"] = harness.machine_state()
    gunicorn = harness.gunicorn_start("hot")
    try:
        result["gunicorn"] = _gunicorn_shape()
        result["pgbench_before"] = _pgbench_phase("raw SQL, one auction", **pg)
        for strategy, lot in (("min", hot_min), ("max", hot_max)):
            if strategy not in args.strategies:
                continue

            def factory(total, lot=lot, strategy=strategy):
                return loadgen.bids_run(
                    base_url=os.environ["BASE_URL"],
                    logins=logins,
                    auctions=_lots([lot]),
                    seconds=total,
                    strategy=strategy,
                )

            run, figures = _http_phase(
                f"HTTP hot, strategy {strategy}",
                factory,
                seconds=args.seconds,
                warmup=args.warmup,
                kind="bid",
                gunicorn=gunicorn,
            )
            figures["verify"] = verify_bids(run, [lot.pk], strategy)
            log(f"verify: {figures['verify']}")
            result[f"http_{strategy}"] = figures
        result["pgbench_after"] = _pgbench_phase("raw SQL, one auction (again)", **pg)
    finally:
        gunicorn.stop()
    return result


def scenario_many(args) -> dict:
    harness.database_reset()
    seller = _seller()
    bidders = fixtures.users_create(
        "bench-bidder", args.bidders, stars=fixtures.STARS_PER_BIDDER
    )
    logins = [login.as_dict() for login in fixtures.logins_create(bidders)]
    lots = fixtures.auctions_create(seller, args.auctions, title="Lot")
    raw = fixtures.auctions_create(seller, args.auctions, title="Raw lot")
    raw_ids = sorted(a.pk for a in raw)
    assert raw_ids[-1] - raw_ids[0] + 1 == len(raw_ids), (
        "raw auction ids not contiguous"
    )
    ids = sorted(b.pk for b in bidders)
    result: dict = {
        "scenario": "many",
        "bidders": args.bidders,
        "auctions": args.auctions,
        "seconds": args.seconds,
        "machine": harness.machine_state(),
    }
    gunicorn = harness.gunicorn_start("many")
    try:
        result["gunicorn"] = _gunicorn_shape()

        def trivial(total):
            return loadgen.trivial_run(
                base_url=os.environ["BASE_URL"], logins=logins, seconds=total
            )

        _, result["trivial_before"] = _http_phase(
            "trivial view",
            trivial,
            seconds=args.seconds,
            warmup=args.warmup,
            kind="trivial",
            gunicorn=gunicorn,
        )

        def bids(total):
            return loadgen.bids_run(
                base_url=os.environ["BASE_URL"],
                logins=logins,
                auctions=_lots(lots),
                seconds=total,
                strategy="min",
            )

        run, figures = _http_phase(
            f"HTTP bids over {len(lots)} auctions",
            bids,
            seconds=args.seconds,
            warmup=args.warmup,
            kind="bid",
            gunicorn=gunicorn,
        )
        figures["verify"] = verify_bids(run, [a.pk for a in lots], "min")
        log(f"verify: {figures['verify']}")
        result["http_min"] = figures
        _, result["trivial_after"] = _http_phase(
            "trivial view (again)",
            trivial,
            seconds=args.seconds,
            warmup=args.warmup,
            kind="trivial",
            gunicorn=gunicorn,
        )
        result["pgbench_many"] = _pgbench_phase(
            f"raw SQL over {len(raw)} auctions",
            clients=args.bidders,
            seconds=int(args.seconds),
            aid_min=raw_ids[0],
            aid_max=raw_ids[-1],
            bidder_min=ids[0],
            bidder_max=ids[-1],
        )
    finally:
        gunicorn.stop()
    return result


def _gunicorn_shape() -> dict:
    import multiprocessing

    return {
        "workers": int(
            os.environ.get("WEB_CONCURRENCY", multiprocessing.cpu_count() * 2 + 1)
        ),
        "threads": int(os.environ.get("GUNICORN_THREADS", "2")),
        "worker_class": "gthread",
        "conn_max_age": connection.settings_dict.get("CONN_MAX_AGE"),
    }


def main() -> None:
    # Stopped from outside (SIGTERM; background jobs ignore SIGINT): unwind, so
    # the gunicorn and Celery processes started here are stopped too.
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(143))
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("scenario", choices=["hot", "many", "closing", "queries"])
    parser.add_argument("--seconds", type=float, default=20)
    parser.add_argument("--warmup", type=float, default=3)
    parser.add_argument("--bidders", type=int, default=32)
    parser.add_argument("--auctions", type=int, default=1000)
    parser.add_argument("--strategies", default="min,max")
    parser.add_argument("--closing-auctions", type=int, default=10_000)
    parser.add_argument(
        "--workers", default="1,2", help="closing: worker counts to run"
    )
    parser.add_argument(
        "--deliveries",
        default="away",
        choices=["away", "same-queue"],
        help="closing: outbox deliveries on a queue nobody consumes, or production's",
    )
    args = parser.parse_args()
    if args.scenario == "hot":
        result = scenario_hot(args)
    elif args.scenario == "many":
        result = scenario_many(args)
    elif args.scenario == "closing":
        from bench import closing

        result = closing.scenario_closing(args)
    else:
        from bench import queries

        result = queries.scenario_queries(args)
    path = harness.results_write(args.scenario, result)
    log(f"results: {path}")


if __name__ == "__main__":
    main()
