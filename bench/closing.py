"""Closing: 10,000 English auctions that ended within the same minute, each
with three bids (two bidders outbid, one leading and holding stars) and a
watcher, closed by real Celery workers on Redis; the sweep is sent every
AUCTION_SWEEP_SECONDS as beat would send it. Timed until every auction is
settled and its notifications are written.

The auctions are written in bulk, but in exactly the state `bid_place` leaves:
one auction is made through the real services first and its footprint (bids,
ledger transactions and entries, holds, notifications, counters) is compared
with a bulk-made one's before anything is measured; `check_ledger` must pass
before and after."""

from __future__ import annotations

import random
import threading
import time
from collections import Counter
from datetime import timedelta

import redis
from django.conf import settings
from django.db import connection
from django.db.models import Count
from django.utils import timezone

from accounts.models import Notification, User
from auctions.models import Auction, AuctionHold, Bid, Watch
from auctions.rules import increment_for, min_next_bid
from auctions.services import bid_place, watch
from bench import fixtures, harness
from bench.cpu import cpu_sample, cpu_split
from bench.harness import log
from payments.models import Account, LedgerEntry, LedgerTransaction

BIDDERS = 2000
SELLERS = 200
BIDDER_STARS = 10**7
BATCH = 2000


def _prices(rng: random.Random) -> tuple[int, int, int]:
    start = rng.randint(10, 200)
    p2 = start + increment_for(start) * rng.randint(1, 3)
    p3 = p2 + increment_for(p2) * rng.randint(1, 3)
    return start, p2, p3


def _bulk(model, objs: list) -> list:
    out = []
    for i in range(0, len(objs), BATCH):
        out.extend(model.objects.bulk_create(objs[i : i + BATCH]))
    return out


def auctions_bulk_create(
    count: int, sellers: list[User], bidders: list[User], rng: random.Random
) -> list[int]:
    """`count` auctions, each: three plain bids by three bidders (the first
    two outbid), the leader's hold, the five ledger transactions of those bids
    (hold, release + hold, release + hold), the outbox rows `bid_place` writes
    (new bid ×3 to the seller, outbid ×2), and a watcher. Balances are then
    the sums of the ledger, as `_ledger_post` keeps them."""
    now = timezone.now()
    plan = []
    auctions = []
    for i in range(count):
        seller = rng.choice(sellers)
        b1, b2, b3, watcher = rng.sample(bidders, 4)
        start, p2, p3 = _prices(rng)
        plan.append((seller, b1, b2, b3, watcher, start, p2, p3))
        auctions.append(
            Auction(
                seller=seller,
                title=f"Closing lot {i}",
                description="A benchmark lot.",
                type=Auction.Type.ENGLISH,
                status=Auction.Status.ACTIVE,
                starting_price_stars=start,
                current_price_stars=p3,
                leader=b3,
                leader_max_stars=p3,
                bid_count=3,
                starts_at=now - timedelta(hours=2),
                ends_at=now + timedelta(hours=1),  # moved into the past later
            )
        )
    auctions = _bulk(Auction, auctions)

    bids = []
    for auction, (_s, b1, b2, b3, _w, start, p2, p3) in zip(
        auctions, plan, strict=True
    ):
        base = now - timedelta(minutes=30)
        for k, (bidder, amount) in enumerate(((b1, start), (b2, p2), (b3, p3))):
            bids.append(
                Bid(
                    auction=auction,
                    bidder=bidder,
                    amount=amount,
                    max_amount=None,
                    is_automatic=False,
                    created_at=base + timedelta(minutes=k),
                )
            )
    bids = _bulk(Bid, bids)

    txns, legs = [], []
    for auction, (_s, b1, b2, b3, _w, start, p2, p3) in zip(
        auctions, plan, strict=True
    ):
        reason = f"bid on auction {auction.pk}"
        moves = [
            (LedgerTransaction.Kind.HOLD, b1, start),
            (LedgerTransaction.Kind.RELEASE, b1, start),
            (LedgerTransaction.Kind.HOLD, b2, p2),
            (LedgerTransaction.Kind.RELEASE, b2, p2),
            (LedgerTransaction.Kind.HOLD, b3, p3),
        ]
        for kind, user, amount in moves:
            txns.append(
                LedgerTransaction(kind=kind, reason=reason, auction_id=auction.pk)
            )
            sign = 1 if kind == LedgerTransaction.Kind.HOLD else -1
            legs.append(
                (
                    (Account.AVAILABLE, user, -sign * amount),
                    (Account.HELD, user, sign * amount),
                )
            )
    txns = _bulk(LedgerTransaction, txns)
    entries = [
        LedgerEntry(transaction=txn, account=account, user=user, amount=amount)
        for txn, pair in zip(txns, legs, strict=True)
        for account, user, amount in pair
    ]
    _bulk(LedgerEntry, entries)

    _bulk(
        AuctionHold,
        [
            AuctionHold(auction=auction, user=p[3], amount_stars=p[7])
            for auction, p in zip(auctions, plan, strict=True)
        ],
    )
    _bulk(
        Watch,
        [Watch(user=p[4], auction=a) for a, p in zip(auctions, plan, strict=True)],
    )

    notes = []
    for n, (auction, (seller, b1, b2, _b3, _w, start, p2, p3)) in enumerate(
        zip(auctions, plan, strict=True)
    ):
        base = {"auction": str(auction.uuid), "title": auction.title}
        row = bids[3 * n : 3 * n + 3]
        for k, price in enumerate((start, p2, p3)):
            key = f"auction:{auction.pk}:bid:{row[k].pk}"
            notes.append(
                Notification(
                    recipient=seller,
                    kind="auction_new_bid",
                    payload=base | {"bids": k + 1, "price": price},
                    event_key=key,
                    status=Notification.Status.SENT,
                    sent_at=now,
                )
            )
            if k:
                previous = (b1, b2)[k - 1]
                notes.append(
                    Notification(
                        recipient=previous,
                        kind="auction_outbid",
                        payload=base
                        | {
                            "price": price,
                            "next_bid": min_next_bid(
                                price=price, has_bids=True, starting_price=start
                            ),
                        },
                        event_key=key,
                        status=Notification.Status.SENT,
                        sent_at=now,
                    )
                )
    _bulk(Notification, notes)

    with connection.cursor() as cursor:
        cursor.execute(
            """
            UPDATE accounts_user u
               SET stars_balance = s.available, stars_held = s.held
              FROM (SELECT user_id,
                           COALESCE(SUM(amount) FILTER (WHERE account = 'available'), 0) AS available,
                           COALESCE(SUM(amount) FILTER (WHERE account = 'held'), 0) AS held
                      FROM payments_ledgerentry
                     WHERE user_id IS NOT NULL
                  GROUP BY user_id) s
             WHERE u.id = s.user_id
            """
        )
    return [a.pk for a in auctions]


def auction_made_by_services(
    seller: User, b1: User, b2: User, b3: User, watcher: User
) -> int:
    """The reference: the same three bids and watch, through the services."""
    auction = fixtures.auctions_create(seller, 1, title="Closing lot (services)")[0]
    auction.starting_price_stars = auction.current_price_stars = 40
    auction.save()
    for bidder, amount in ((b1, 40), (b2, 42), (b3, 45)):
        bid_place(auction=auction, bidder=bidder, amount=amount)
    watch(user=watcher, auction=auction)
    Notification.objects.filter(event_key__startswith=f"auction:{auction.pk}:").update(
        status=Notification.Status.SENT, sent_at=timezone.now()
    )
    return auction.pk


def footprint(auction_id: int) -> dict:
    """What an auction leaves in every table, with users named by their role
    (seller, b1/b2/b3 by bid order, watcher) and amounts by their sign."""
    auction = Auction.objects.get(pk=auction_id)
    bids = list(Bid.objects.filter(auction=auction).order_by("created_at", "id"))
    roles = {auction.seller_id: "seller"}
    roles.update({bid.bidder_id: f"b{i + 1}" for i, bid in enumerate(bids)})
    for w in Watch.objects.filter(auction=auction):
        roles.setdefault(w.user_id, "watcher")
    txns = LedgerTransaction.objects.filter(auction_id=auction_id).order_by("id")
    return {
        "auction": {
            "status": auction.status,
            "bid_count": auction.bid_count,
            "leader": roles.get(auction.leader_id),
            "leader_max_is_price": auction.leader_max_stars
            == auction.current_price_stars,
            "price_is_last_bid": auction.current_price_stars == bids[-1].amount,
        },
        "bids": [(roles[b.bidder_id], b.is_automatic, b.max_amount) for b in bids],
        "ledger": [
            (
                t.kind,
                t.reason.replace(str(auction_id), "<pk>"),
                sorted(
                    (e.account, roles.get(e.user_id), e.amount > 0)
                    for e in t.entries.all()
                ),
            )
            for t in txns
        ],
        "holds": [
            (roles[h.user_id], h.amount_stars == auction.leader_max_stars)
            for h in AuctionHold.objects.filter(auction=auction)
        ],
        "notifications": sorted(
            (
                n.kind,
                roles.get(n.recipient_id),
                n.event_key.split(":")[2]
                if n.event_key.count(":") >= 2
                else n.event_key,
                tuple(sorted(n.payload)),
                n.status,
            )
            for n in Notification.objects.filter(
                event_key__startswith=f"auction:{auction_id}:"
            )
        ),
        "watchers": Watch.objects.filter(auction=auction).count(),
    }


def _check_ledger() -> str:
    from bench.run import _check_ledger as check

    return check()


def data_create(count: int, seed: int = 7) -> tuple[list[int], dict]:
    rng = random.Random(seed)
    started = time.perf_counter()
    sellers = fixtures.users_create("bench-seller", SELLERS, telegram_base=10_000_000)
    bidders = fixtures.users_create(
        "bench-bidder", BIDDERS, stars=BIDDER_STARS, telegram_base=20_000_000
    )
    reference = auction_made_by_services(sellers[0], *bidders[:4])
    ids = auctions_bulk_create(count - 1, sellers, bidders, rng)
    same = footprint(reference) == footprint(ids[0])
    if not same:
        raise SystemExit(
            "bulk-made auction differs from the service-made one:\n"
            f"services: {footprint(reference)}\nbulk:     {footprint(ids[0])}"
        )
    info = {
        "auctions": count,
        "bidders": BIDDERS,
        "sellers": SELLERS,
        "setup_seconds": round(time.perf_counter() - started, 1),
        "bulk_footprint_equals_services": same,
        "footprint": footprint(ids[0]),
        "check_ledger_before": _check_ledger(),
        "rows": {
            "bids": Bid.objects.count(),
            "ledger_transactions": LedgerTransaction.objects.count(),
            "ledger_entries": LedgerEntry.objects.count(),
            "notifications": Notification.objects.count(),
        },
    }
    log(f"data: {info['rows']}, footprint equal: {same}, {info['check_ledger_before']}")
    return [reference, *ids], info


class Beat(threading.Thread):
    """Sends the close sweep now and every AUCTION_SWEEP_SECONDS, with the
    schedule's expiry, as django-celery-beat would."""

    def __init__(self) -> None:
        super().__init__(daemon=True)
        self.stopped = threading.Event()
        self.sent = 0

    def run(self) -> None:
        from auctions.tasks import auctions_close_due

        entry = settings.CELERY_BEAT_SCHEDULE["auctions-close-due"]
        expires = entry["options"]["expire_seconds"]
        while not self.stopped.is_set():
            auctions_close_due.apply_async(expires=expires)
            self.sent += 1
            self.stopped.wait(settings.AUCTION_SWEEP_SECONDS)


def _wait_ready(workers: list[harness.Process], timeout: float = 90) -> None:
    deadline = time.monotonic() + timeout
    for worker in workers:
        while "ready." not in worker.logfile.read_text(errors="replace"):
            if worker.popen.poll() is not None or time.monotonic() > deadline:
                raise RuntimeError(f"{worker.name} did not start; see {worker.logfile}")
            time.sleep(0.3)


def _queue_lengths() -> dict:
    r = redis.Redis.from_url(settings.REDIS_URL)
    return {
        q: r.llen(q) for q in (settings.CELERY_TASK_DEFAULT_QUEUE, "bench-deliveries")
    }


def close_run(ids: list[int], workers: int, deliveries: str) -> dict:
    import os

    if deliveries == "away":
        os.environ["BENCH_ROUTE_DELIVERIES_AWAY"] = "1"
    else:
        os.environ.pop("BENCH_ROUTE_DELIVERIES_AWAY", None)
    fake = None
    if deliveries == "same-queue":
        # Production routing: deliveries share the queue with the sweeps and go
        # to a Bot API (the tests' fake one, over real HTTP on 127.0.0.1).
        from telegrambot.tests.fake_botapi import FakeBotAPI

        fake = FakeBotAPI("123456:bench-token").start()
        os.environ["TELEGRAM_BOT_TOKEN"] = fake.token
        os.environ["TELEGRAM_API_BASE_URL"] = fake.root
    redis.Redis.from_url(settings.REDIS_URL).flushdb()
    procs = [
        harness.celery_worker_start(f"bench{i + 1}-{workers}w") for i in range(workers)
    ]
    try:
        _wait_ready(procs)
        harness.wait_quiet()
        state = harness.machine_state()
        # The minute they all ended in: the last one just now.
        t0 = timezone.now()
        with connection.cursor() as cursor:
            cursor.execute(
                "UPDATE auctions_auction SET ends_at = %s - random() * interval '59 seconds'"
                " WHERE id = ANY(%s)",
                [t0, ids],
            )
        log(
            f"closing with {workers} worker(s), deliveries {deliveries}: load {state['loadavg']}"
        )
        before = cpu_sample()
        started = time.perf_counter()
        beat = Beat()
        beat.start()
        progress = []
        remaining = len(ids)
        while remaining:
            time.sleep(0.5)
            # Every auction in this database is one of ours: no id list to send.
            remaining = Auction.objects.filter(status=Auction.Status.ACTIVE).count()
            elapsed = time.perf_counter() - started
            progress.append((round(elapsed, 1), remaining))
            if len(progress) % 10 == 0:
                log(f"  {elapsed:5.1f} s: {remaining} still open")
            if elapsed > 1800:
                log("giving up after 1800 s")
                break
        seconds = time.perf_counter() - started
        cpu = cpu_split(before, cpu_sample(), seconds)
        beat.stopped.set()
        queues = _queue_lengths()
        time.sleep(2)
    finally:
        for proc in procs:
            proc.stop(timeout=60)
        if fake is not None:
            fake.stop()
    result = {
        "workers": workers,
        "worker_concurrency": 1,
        "deliveries": deliveries,
        "machine": state,
        "machine_after": harness.machine_state()["loadavg"],
        "seconds_until_all_settled": round(seconds, 1),
        "auctions_per_s": round(len(ids) / seconds, 1),
        "sweeps_sent": beat.sent,
        "cpu_cores": cpu,
        "queued_tasks_left": queues,
        "bot_api_messages_sent": len(fake.calls_to("sendMessage")) if fake else None,
        "progress": progress[:: max(1, len(progress) // 40)],
    }
    result["verify"] = verify_closed(ids, t0)
    log(
        f"closing with {workers} worker(s): {result['seconds_until_all_settled']} s, "
        f"{result['auctions_per_s']} auctions/s, cpu {cpu}, verify {result['verify']}"
    )
    return result


def verify_closed(ids: list[int], t0) -> dict:
    settlements = Counter(
        dict(
            LedgerTransaction.objects.filter(
                auction_id__in=ids, kind=LedgerTransaction.Kind.SETTLEMENT
            )
            .values_list("auction_id")
            .annotate(n=Count("id"))
            .values_list("auction_id", "n")
        )
    )
    close_notes = Counter(
        dict(
            Notification.objects.filter(event_key__endswith=":close")
            .values_list("event_key")
            .annotate(n=Count("id"))
            .values_list("event_key", "n")
        )
    )
    auctions = list(
        Auction.objects.filter(pk__in=ids).values_list(
            "pk",
            "status",
            "close_outcome",
            "winner_id",
            "leader_id",
            "closed_at",
            "ends_at",
        )
    )
    lateness = sorted(
        (closed - ends).total_seconds() for *_x, closed, ends in auctions if closed
    )

    def pct(q: float) -> float | None:
        if not lateness:
            return None
        return round(
            lateness[min(len(lateness) - 1, round(q / 100 * (len(lateness) - 1)))], 1
        )

    return {
        "finished": sum(1 for a in auctions if a[1] == Auction.Status.FINISHED),
        "sold_to_leader": sum(1 for a in auctions if a[2] == "sold" and a[3] == a[4]),
        "settled_exactly_once": sum(1 for pk in ids if settlements.get(pk) == 1),
        "settled_more_than_once": sum(1 for pk in ids if settlements.get(pk, 0) > 1),
        "with_5_close_notifications": sum(
            1 for pk in ids if close_notes.get(f"auction:{pk}:close") == 5
        ),
        "holds_left": AuctionHold.objects.filter(auction_id__in=ids).count(),
        "closed_after_end_s": {"p50": pct(50), "p99": pct(99), "max": pct(100)},
        "check_ledger_after": _check_ledger(),
    }


def scenario_closing(args) -> dict:
    result: dict = {
        "scenario": "closing",
        "machine": harness.machine_state(),
        "runs": [],
    }
    for workers in [int(w) for w in args.workers.split(",")]:
        harness.database_reset()
        ids, info = data_create(args.closing_auctions)
        result.setdefault("data", info)
        result["runs"].append(close_run(ids, workers, args.deliveries))
    return result
