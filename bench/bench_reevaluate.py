"""Benchmark: re-evaluating 100,000 stored screenings (target: under 60 s on one core).

Seeds N screenings (real evaluated templates replicated into the tables, as
``bench_queue.py`` does; about 20% answer bipolar disorder yes/unsure), then runs
``store.reevaluate`` with a clinic overlay that raises ``bipolar_disorder`` to defer:
first a dry run (reads and evaluates everything, writes nothing), then the real run
(writes every changed screening), then a second real run (nothing left to change).
Prints per step the wall time, this process's CPU time (its worker processes included),
the PostgreSQL server's CPU time (a local server: read from /proc), screenings per second
and peak memory (RSS); with ``--workers`` also a parallel run on the same data.

    taskset -c 0 .venv/bin/python bench/bench_reevaluate.py [--n 100000] [--url URL] [--workers 2]
    scripts/with-postgres.sh .venv/bin/python bench/bench_reevaluate.py --url "$DATABASE_URL"
"""

from __future__ import annotations

import argparse
import gc
import os
import random
import resource
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
sys.path.insert(0, str(Path(__file__).resolve().parent))

from bench_queue import seed
from sqlalchemy import text, update

import store as db
from rules.engine import build_engine
from store.reevaluate import ReevaluateOptions, reevaluate
from store.schema import ScreeningRow

OVERLAY = """\
rules:
  bipolar_disorder:
    severity: defer
    why: Benchmark clinic treats bipolar disorder as a contraindication.
"""


def peak_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def anon_mb() -> float:
    """Resident memory that is not a mapped file: SQLite's memory-mapped database pages
    (up to ``mmap_size``) count in the peak RSS but are the file, not the run."""
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith("RssAnon:"):
            return int(line.split()[1]) / 1024
    return float("nan")


def server_cpu(store) -> float | None:
    """CPU seconds used so far by a PostgreSQL server on this machine: the postmaster, its
    live processes and those that ended (``/proc``); None for SQLite or a remote server."""
    if store.dialect != "postgresql":
        return None
    try:
        with store.session(readonly=True) as session:
            data = session.scalar(text("SHOW data_directory"))
        postmaster = int(Path(data, "postmaster.pid").read_text().split()[0])
        ticks = 0
        for entry in Path("/proc").iterdir():
            if not entry.name.isdigit():
                continue
            try:
                fields = (entry / "stat").read_text().rsplit(")", 1)[1].split()
            except OSError:
                continue
            if int(entry.name) == postmaster or int(fields[1]) == postmaster:
                ticks += sum(int(f) for f in fields[11:15])  # utime stime cutime cstime
        return ticks / os.sysconf("SC_CLK_TCK")
    except (OSError, ValueError, IndexError):
        return None


def step(label: str, fn, store) -> None:
    """Wall time, and CPU time: this process's (children included, for ``--workers``) and
    the PostgreSQL server's. On a shared, busy machine the CPU times are what the run costs."""
    t0, c0, s0 = time.perf_counter(), time.process_time(), server_cpu(store)
    children0 = resource.getrusage(resource.RUSAGE_CHILDREN)
    summary = fn()
    seconds, cpu = time.perf_counter() - t0, time.process_time() - c0
    children1 = resource.getrusage(resource.RUSAGE_CHILDREN)
    cpu += (children1.ru_utime + children1.ru_stime) - (children0.ru_utime + children0.ru_stime)
    s1 = server_cpu(store)
    server = f"  server cpu {s1 - s0:5.1f} s" if s0 is not None and s1 is not None else ""
    print(f"  {label:<34} wall {seconds:6.1f} s  cpu {cpu:6.1f} s{server}  "
          f"{summary.examined / seconds:7,.0f}/s wall  changed {summary.changed:,}  "
          f"requeued {summary.requeued:,}  peak RSS {peak_mb():,.0f} MB, anon {anon_mb():,.0f} MB  "
          f"load {os.getloadavg()[0]:.1f}", flush=True)


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--n", type=int, default=100_000)
    parser.add_argument("--url", default=None)
    parser.add_argument("--workers", type=int, default=0, help="also time a parallel run")
    parser.add_argument("--span", type=int, default=500)
    parser.add_argument("--steps", default="dry,real,again",
                        help="comma-separated: dry, real, again (and parallel with --workers)")
    args = parser.parse_args()
    steps = set(args.steps.split(","))
    url = args.url or f"sqlite:///{tempfile.mkdtemp()}/reevaluate.sqlite3"
    store = db.get_store(url)
    t0 = time.perf_counter()
    seed(store, args.n, random.Random(1))
    total = db.count_screenings(store=store)
    print(f"database: {store.dialect}; screenings: {total:,} (seeded in {time.perf_counter() - t0:.0f} s); "
          f"load average {os.getloadavg()[0]:.1f} on {os.cpu_count()} cores")
    base = build_engine()
    path = Path(tempfile.mkdtemp()) / "overlay.yaml"
    path.write_text(OVERLAY)
    engine = build_engine(overrides_file=path)
    # as rules.engine.get_engine() does for the command line: the engines' million
    # long-lived objects move out of the cycle collector's sight (without this, full
    # collections walking them cost ~9 of the ~49 s of client CPU of a 100,000 run)
    gc.collect()
    gc.freeze()
    print(f"engines loaded; peak RSS {peak_mb():,.0f} MB, anon {anon_mb():,.0f} MB before re-evaluating")
    opts = {"span": args.span, "actor": "bench"}
    if "dry" in steps:
        step("dry run (1 process)", lambda: reevaluate(
            engine, ReevaluateOptions(dry_run=True, **opts), store=store), store)
    if "real" in steps:
        step("real run (1 process)",
             lambda: reevaluate(engine, ReevaluateOptions(**opts), store=store), store)
    if "again" in steps:
        step("again: nothing to change", lambda: reevaluate(engine, ReevaluateOptions(**opts),
                                                            store=store), store)
    if args.workers > 1:
        if "real" in steps:
            step("back to the base rules (1 process)",
                 lambda: reevaluate(base, ReevaluateOptions(**opts), store=store), store)
        with store.session() as session:  # undo requeues so the parallel run has the same work
            session.execute(update(ScreeningRow).values(latest_review_id=None))
        step(f"real run ({args.workers} workers)",
             lambda: reevaluate(engine, ReevaluateOptions(**opts), workers=args.workers, store=store), store)


if __name__ == "__main__":
    main()
