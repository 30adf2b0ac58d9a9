"""Where the machine's CPU went during a phase: /proc sampled before and after,
split by process group (web, database, Redis, Celery, load generator, pgbench,
everything else — other people's tests included)."""

from __future__ import annotations

import os
from dataclasses import dataclass, field
from urllib.parse import urlsplit

TICK = os.sysconf("SC_CLK_TCK")
DB_NAME = (
    urlsplit(os.environ.get("DATABASE_URL", "")).path.lstrip("/") or "auction_bench"
)


def _group(pid: int, comm: str, cmdline: str, me: int) -> str:
    if pid == me:
        return "loadgen"
    if "gunicorn" in cmdline or "celery" in cmdline:
        # Ours carry the bench environment; anyone else's count as "other".
        try:
            with open(f"/proc/{pid}/environ", "rb") as f:
                ours = b"BENCH_OUT=" in f.read()
        except OSError:
            ours = False
        if not ours:
            return "other"
        return "gunicorn" if "gunicorn" in cmdline else "celery"
    if comm == "pgbench":
        return "pgbench"
    if comm.startswith("postgres") or cmdline.startswith("postgres"):
        if f" {DB_NAME} " in cmdline:
            return "postgres"  # backends serving the bench database
        if "(" in cmdline or "[local]" in cmdline:
            return "other"  # backends serving someone else's database
        return "postgres-bg"  # WAL writer, checkpointer...: shared by all
    if comm.startswith("redis"):
        return "redis"
    return "other"


def _per_process() -> dict[int, tuple[str, float]]:
    me = os.getpid()
    out: dict[int, tuple[str, float]] = {}
    for name in os.listdir("/proc"):
        if not name.isdigit():
            continue
        pid = int(name)
        try:
            with open(f"/proc/{pid}/stat", "rb") as f:
                stat = f.read().decode(errors="replace")
            with open(f"/proc/{pid}/cmdline", "rb") as f:
                cmdline = f.read().replace(b"\0", b" ").decode(errors="replace")
        except OSError:
            continue
        comm = stat[stat.index("(") + 1 : stat.rindex(")")]
        fields = stat[stat.rindex(")") + 2 :].split()
        # utime, stime are fields 14 and 15 of stat (index 11, 12 after comm).
        seconds = (int(fields[11]) + int(fields[12])) / TICK
        out[pid] = (_group(pid, comm, cmdline, me), seconds)
    return out


def _machine() -> tuple[float, float]:
    with open("/proc/stat") as f:
        parts = [int(x) for x in f.readline().split()[1:]]
    idle = parts[3] + parts[4]
    return (sum(parts) - idle) / TICK, sum(parts) / TICK


@dataclass
class CpuSample:
    processes: dict[int, tuple[str, float]] = field(default_factory=_per_process)
    machine: tuple[float, float] = field(default_factory=_machine)


def cpu_sample() -> CpuSample:
    return CpuSample()


def cpu_split(before: CpuSample, after: CpuSample, seconds: float) -> dict[str, float]:
    """Cores used on average by each group over the interval; "other" is the
    machine's busy time not accounted to a known group (exited processes of
    other helpers, kernel threads)."""
    groups: dict[str, float] = {}
    for pid, (group, used) in after.processes.items():
        start = before.processes.get(pid, (group, 0.0))[1]
        groups[group] = groups.get(group, 0.0) + max(used - start, 0.0)
    busy = after.machine[0] - before.machine[0]
    known = sum(v for k, v in groups.items() if k != "other")
    groups["other"] = max(busy - known, 0.0)
    out = {k: round(v / seconds, 2) for k, v in sorted(groups.items())}
    out["machine_busy"] = round(busy / seconds, 2)
    return out
