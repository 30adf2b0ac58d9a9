"""The pieces every benchmark shares: a clean database and Redis db, gunicorn
and Celery workers started (and stopped, by their own pid) with production's
configuration, pgbench, the machine's load, and the result file."""

from __future__ import annotations

import glob
import json
import os
import re
import signal
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from urllib.parse import urlsplit

import httpx
from django.conf import settings
from django.core.management import call_command

ROOT = Path(__file__).resolve().parent.parent
OUT = Path(os.environ.get("BENCH_OUT", ROOT / "bench" / "out"))
BIN = Path(sys.executable).parent


def log(message: str) -> None:
    print(f"[{time.strftime('%H:%M:%S')}] {message}", flush=True)


def machine_state() -> dict:
    load = os.getloadavg()
    rev = subprocess.run(
        ["git", "rev-parse", "--short", "HEAD"],
        cwd=ROOT,
        capture_output=True,
        text=True,
    ).stdout.strip()
    dirty = subprocess.run(
        ["git", "status", "--porcelain", "--untracked-files=no"],
        cwd=ROOT,
        capture_output=True,
        text=True,
    ).stdout.strip()
    return {
        "time": time.strftime("%Y-%m-%d %H:%M:%S"),
        "loadavg": [round(x, 2) for x in load],
        "cores": os.cpu_count(),
        "git": rev + (" (working tree has uncommitted changes)" if dirty else ""),
    }


def wait_quiet(*, busy_below: float = 0.35, window: float = 5.0) -> float:
    """Wait (at most BENCH_WAIT_QUIET seconds, default 0) until the machine has
    been nearly idle for `window` seconds: other people's test runs share these
    cores. Returns the cores that were busy in the last window."""
    from bench.cpu import _machine

    limit = float(os.environ.get("BENCH_WAIT_QUIET", "0"))
    deadline = time.monotonic() + limit
    while True:
        before = _machine()[0]
        time.sleep(window)
        busy = (_machine()[0] - before) / window
        if busy < busy_below or time.monotonic() >= deadline:
            if limit:
                log(f"machine busy {busy:.2f} cores before the phase")
            return busy


def database_reset() -> None:
    """A fresh schema migrated by the code under test (an earlier run may have
    measured another revision), and an empty Redis db (broker + cache)."""
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute("DROP SCHEMA public CASCADE; CREATE SCHEMA public")
    call_command("migrate", verbosity=0)
    import redis

    redis.Redis.from_url(settings.REDIS_URL).flushdb()
    manifest = Path(settings.STATIC_ROOT) / "staticfiles.json"
    if not manifest.exists():
        log("collectstatic into " + str(settings.STATIC_ROOT))
        call_command("collectstatic", interactive=False, verbosity=0)


class Process:
    """A child process in its own session; stopped with SIGTERM to its pid (the
    gunicorn / Celery master, which stops its own workers)."""

    def __init__(self, name: str, args: list[str], logfile: Path) -> None:
        self.name = name
        self.logfile = logfile
        self._log = open(logfile, "ab")  # noqa: SIM115
        self.popen = subprocess.Popen(
            args,
            cwd=ROOT,
            stdout=self._log,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )

    @property
    def pid(self) -> int:
        return self.popen.pid

    def stop(self, timeout: float = 30.0) -> None:
        if self.popen.poll() is None:
            os.kill(self.popen.pid, signal.SIGTERM)
            try:
                self.popen.wait(timeout)
            except subprocess.TimeoutExpired:
                os.kill(self.popen.pid, signal.SIGKILL)
                self.popen.wait()
        self._log.close()


def gunicorn_start(tag: str) -> Process:
    OUT.mkdir(parents=True, exist_ok=True)
    proc = Process(
        "gunicorn",
        [str(BIN / "gunicorn"), "-c", "gunicorn.conf.py", "auction_bot.wsgi"],
        OUT / f"gunicorn-{tag}.log",
    )
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        if proc.popen.poll() is not None:
            raise RuntimeError(f"gunicorn exited; see {proc.logfile}")
        try:
            if httpx.get(settings.BASE_URL + "/healthz", timeout=2).status_code == 200:
                return proc
        except httpx.HTTPError:
            pass
        time.sleep(0.3)
    proc.stop()
    raise RuntimeError("gunicorn did not answer /healthz within 60 s")


def worker_boots(logfile: Path) -> int:
    """How many gunicorn workers booted so far (max_requests recycles them)."""
    return logfile.read_text(errors="replace").count("Booting worker")


def celery_worker_start(name: str, concurrency: int = 1) -> Process:
    OUT.mkdir(parents=True, exist_ok=True)
    return Process(
        f"celery-{name}",
        [
            str(BIN / "celery"),
            "-A",
            "auction_bot",
            "worker",
            "-n",
            f"{name}@%h",
            "-c",
            str(concurrency),
            "-Q",
            settings.CELERY_TASK_DEFAULT_QUEUE,
            "-l",
            "INFO",
            "--without-gossip",
            "--without-mingle",
        ],
        OUT / f"celery-{name}.log",
    )


def pgbench(
    *,
    clients: int,
    seconds: int,
    aid_min: int,
    aid_max: int,
    bidder_min: int,
    bidder_max: int,
) -> dict:
    """The raw bid transaction (bench/pgbench_bid.sql) at `clients` connections."""
    db = urlsplit(os.environ["DATABASE_URL"])
    logdir = tempfile.mkdtemp(prefix="pgbench-")
    args = [
        "pgbench",
        "-n",
        "-h",
        db.hostname or "127.0.0.1",
        "-p",
        str(db.port or 5432),
        "-U",
        db.username or "postgres",
        "-c",
        str(clients),
        "-j",
        "2",
        "-T",
        str(seconds),
        "-f",
        str(ROOT / "bench" / "pgbench_bid.sql"),
        "-D",
        f"aid_min={aid_min}",
        "-D",
        f"aid_max={aid_max}",
        "-D",
        f"bidder_min={bidder_min}",
        "-D",
        f"bidder_max={bidder_max}",
        "-l",
        f"--log-prefix={logdir}/tx",
        db.path.lstrip("/"),
    ]
    from bench.cpu import cpu_sample, cpu_split

    # CPU is sampled from 1 s in to 1 s before the end: pgbench's server
    # processes exit with it, and their time would be lost to "other".
    proc = subprocess.Popen(
        args, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True
    )
    time.sleep(1)
    before = cpu_sample()
    time.sleep(max(seconds - 2, 1))
    cpu = cpu_split(before, cpu_sample(), max(seconds - 2, 1))
    stdout, stderr = proc.communicate()
    result = subprocess.CompletedProcess(args, proc.returncode, stdout, stderr)
    if result.returncode != 0:
        raise RuntimeError("pgbench failed:\n" + result.stdout + result.stderr)
    tps = float(re.search(r"tps = ([\d.]+)", result.stdout).group(1))
    failed = re.search(r"number of failed transactions: (\d+)", result.stdout)
    latencies = []
    for path in glob.glob(f"{logdir}/tx*"):
        with open(path) as f:
            latencies.extend(int(line.split()[2]) / 1000 for line in f)
        os.unlink(path)
    os.rmdir(logdir)
    latencies.sort()

    def pct(q: float) -> float:
        return round(
            latencies[min(len(latencies) - 1, round(q / 100 * (len(latencies) - 1)))], 1
        )

    return {
        "transactions_per_s": round(tps, 1),
        "transactions": len(latencies),
        "failed": int(failed.group(1)) if failed else 0,
        "latency_ms": {"p50": pct(50), "p99": pct(99), "max": round(latencies[-1], 1)},
        "cpu_cores": cpu,
    }


def results_write(tag: str, data: dict) -> Path:
    OUT.mkdir(parents=True, exist_ok=True)
    path = OUT / f"{tag}-{time.strftime('%Y%m%d-%H%M%S')}.json"
    path.write_text(json.dumps(data, indent=2, default=str))
    return path
