"""Benchmark: the CSV export of N screenings, against pandas writing the same rows.

Seeds N screenings (default 100,000) into a temporary SQLite database, straight through
the store's tables: a few thousand realistic documents (from ``bench_rules``: varied
answers, medication lists with doses, typos and brand names, vitals, allergies) are
validated and evaluated by the real engine, then replicated with varied names (accents
included), submission dates and reviews (about a third reviewed, flags acknowledged).

Then, each in a fresh process so that the figures are the export's own:
- the export (``python -m exports`` path: four CSVs into a directory, audited): wall time
  and peak resident memory (``ru_maxrss``);
- the same export under ``tracemalloc``: peak Python heap (slower, so not timed);
and, in this process, the baseline: pandas' ``DataFrame.to_csv`` writing the same rows
(the exported files read back into DataFrames first; only the writing is timed).

Run: .venv/bin/python bench/bench_export.py [--n 100000] [--seed 7] [--keep]
Targets: export wall time within 1.5x of the pandas baseline, peak memory < 500 MB.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import random
import resource
import shutil
import subprocess
import sys
import tempfile
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "bench"))

FIRST = ["Ann", "Zoë", "José", "Mary", "Li", "Ørjan", "Siobhán", "Mohammed", "Chloé", "Kwame",
         "Ivan", "Aiko", "Noah", "Fatima", "Łukasz", "Renée", "Tom", "Priya", "Björn", "Ana"]
LAST = ["Lee", "Ångström-Núñez", "García", "O'Brien", "Nguyen", "Müller", "Smith", "Kowalski",
        "Dubois", "Okafor", "Petrov", "Tanaka", "Brown", "Haddad", "Søndergaard", "Rossi"]
ALLERGIES = ["", "", "", "", "penicillin (rash)", "latex", "sulfa drugs - hives",
             "peanuts; shellfish", "codeine made me vomit", "none known"]
DOSES = ["", "", "10mg", "0.5 mg", "20 mg", "100mg", "75mcg", "1 tablet", "2 puffs"]
FREQ = ["", "", "daily", "twice a day", "as needed", "at bedtime", "every morning"]
DECISION_MIX = ["cleared", "cleared", "cleared_with_conditions", "needs_follow_up",
                "not_a_candidate"]


def templates(count: int, seed: int) -> list[tuple[dict, dict, object]]:
    """(document, evaluation, screening) of ``count`` realistic, evaluated documents."""
    from bench_rules import make_documents

    from forms.validation import parse_document
    from rules.engine import get_engine

    rng = random.Random(seed)
    engine = get_engine()
    curated = sorted({p.name for p in engine.lexicon.curated.values()})
    names = curated + rng.sample(sorted(engine.lexicon.dictionary), 300)
    out = []
    for doc in make_documents(count, rng, names):
        answers = doc["answers"]
        for med in answers.get("medications", []):
            med["dose"], med["frequency"] = rng.choice(DOSES), rng.choice(FREQ)
        answers["allergies"] = rng.choice(ALLERGIES)
        answers["reasons"] = rng.sample(["depression", "anxiety", "ptsd", "chronic_pain"],
                                        rng.randint(1, 2))
        if rng.random() < 0.6:
            answers["phone"] = f"+1 555 {rng.randint(100, 999)} {rng.randint(1000, 9999)}"
        if rng.random() < 0.5:
            answers["email"] = f"pat{rng.randint(1, 99999)}@example.org"
        screening = parse_document(doc)
        out.append((screening.to_document(), engine.evaluate(screening).public(), screening))
    return out


def seed_database(url: str, n: int, seed: int, template_count: int) -> dict[str, int]:
    from sqlalchemy import insert

    from forms.validation import normalise_name
    from store.db import get_store
    from store.schema import (
        SEVERITY_RANK,
        AckRow,
        FlagRow,
        ReviewRow,
        ScreeningRow,
        UserRow,
    )

    rng = random.Random(seed)
    made = templates(template_count, seed)
    store = get_store(url)
    start = datetime(2026, 1, 1, tzinfo=UTC)
    span = timedelta(days=330).total_seconds()
    counts = dict.fromkeys(("screenings", "flags", "reviews", "acknowledgements"), 0)
    with store.session() as session:
        session.execute(insert(UserRow.__table__), [
            {"id": i, "username": f"clinician{i}", "password_hash": "x", "role": "clinician",
             "active": True, "failed_attempts": 0, "created_at": start} for i in (1, 2, 3)])
    batch = 5000
    review_id = 0
    for first in range(1, n + 1, batch):
        screenings, flags, reviews, acks = [], [], [], []
        for sid in range(first, min(first + batch, n + 1)):
            doc, evaluation, screening = made[rng.randrange(len(made))]
            fn, ln = rng.choice(FIRST), rng.choice(LAST)
            answers = {**doc["answers"], "first_name": fn, "last_name": ln,
                       "signature_name": f"{fn} {ln}"}
            submitted = start + timedelta(seconds=int(span * (sid - 1) / n))
            document = {**doc, "answers": answers,
                        "submitted_at": submitted.isoformat().replace("+00:00", "Z")}
            counts_by = dict.fromkeys(("defer", "review", "adjust", "info"), 0)
            for position, flag in enumerate(evaluation["flags"]):
                counts_by[flag["severity"]] += 1
                flags.append({"screening_id": sid, "position": position,
                              "rule_id": flag["rule_id"], "severity": flag["severity"],
                              "urgent": flag["urgent"]})
            highest = evaluation["flags"][0]["severity"] if evaluation["flags"] else "none"
            row = {
                "id": sid, "public_id": f"bench-{sid}", "idempotency_key": None,
                "form_version": "1", "ruleset_version": evaluation["ruleset_version"],
                "submitted_at": submitted, "created_at": submitted, "first_name": fn,
                "last_name": ln, "name_search": normalise_name(f"{fn} {ln}"),
                "date_of_birth": datetime.fromisoformat(answers["date_of_birth"]).date(),
                "age": screening.age, "bmi": screening.bmi,
                "urgent": any(f["urgent"] for f in evaluation["flags"]),
                "highest_severity": highest, "severity_rank": SEVERITY_RANK[highest],
                **{f"count_{s}": c for s, c in counts_by.items()},
                "review_status": "unreviewed", "latest_review_id": None, "reviewed_at": None,
                "document": document, "evaluation": evaluation,
            }
            if rng.random() < 0.35:
                review_id += 1
                reviewer = rng.randint(1, 3)
                at = submitted + timedelta(hours=rng.randint(1, 48))
                decision = rng.choice(DECISION_MIX)
                reviews.append({"id": review_id, "screening_id": sid, "reviewer_id": reviewer,
                                "decision": decision, "note": "", "created_at": at,
                                "supersedes_id": None})
                acks.extend({"review_id": review_id, "rule_id": flag["rule_id"],
                             "note": rng.choice([None, "discussed by phone", "=1+1 typed"]),
                             "acknowledged_by": reviewer, "acknowledged_at": at}
                            for flag in evaluation["flags"])
                row.update(review_status=decision, latest_review_id=review_id, reviewed_at=at)
            screenings.append(row)
        with store.session() as session:
            session.execute(insert(ScreeningRow.__table__), screenings)
            session.execute(insert(FlagRow.__table__), flags)
            if reviews:
                session.execute(insert(ReviewRow.__table__), reviews)
            if acks:
                session.execute(insert(AckRow.__table__), acks)
        counts["screenings"] += len(screenings)
        counts["flags"] += len(flags)
        counts["reviews"] += len(reviews)
        counts["acknowledgements"] += len(acks)
    store.dispose()
    return counts


def peak_rss_mb(who: int = resource.RUSAGE_SELF) -> float:
    """Peak resident memory. Linux: VmHWM of this process (ru_maxrss would report the
    parent's peak, since it survives exec); else ru_maxrss."""
    status = Path("/proc/self/status")
    if who == resource.RUSAGE_SELF and status.exists():
        for line in status.read_text().splitlines():
            if line.startswith("VmHWM:"):
                return int(line.split()[1]) / 1024
    maxrss = resource.getrusage(who).ru_maxrss
    return maxrss / 2**20 if sys.platform == "darwin" else maxrss / 1024


def reseeded(url: str) -> dict[str, int]:
    """The row counts of a database seeded earlier (``--db``)."""
    from sqlalchemy import func, select

    from store.db import get_store
    from store.schema import AckRow, FlagRow, ReviewRow, ScreeningRow

    store = get_store(url)
    with store.session(readonly=True) as session:
        counts = {name: int(session.scalar(select(func.count()).select_from(table)) or 0)
                  for name, table in (("screenings", ScreeningRow), ("flags", FlagRow),
                                      ("reviews", ReviewRow), ("acknowledgements", AckRow))}
    store.dispose()
    return counts


def cpu_seconds() -> float:
    """CPU time of this process and of its finished children (the export's workers)."""
    own, children = resource.getrusage(resource.RUSAGE_SELF), resource.getrusage(
        resource.RUSAGE_CHILDREN)
    return own.ru_utime + own.ru_stime + children.ru_utime + children.ru_stime


def child(mode: str, url: str, out: str) -> None:
    """Run one export in this (fresh) process; print its figures as JSON."""
    import tracemalloc

    os.environ["DATABASE_URL"] = url
    from exports.api import export_as_system
    from exports.core import ExportOptions
    from store.db import get_store

    get_store()  # open the database and check its schema before the clock starts
    if mode == "trace":
        tracemalloc.start()
    before = peak_rss_mb()
    cpu0 = cpu_seconds()
    t0 = time.perf_counter()
    result = export_as_system(ExportOptions(), "bench", out)
    wall = time.perf_counter() - t0
    figures = {"wall": wall, "cpu": cpu_seconds() - cpu0, "rows": result.rows,
               "peak_rss_mb": peak_rss_mb(),
               "peak_rss_before_mb": before,
               # the worker processes (large exports): the largest one's peak
               "workers_peak_rss_mb": peak_rss_mb(resource.RUSAGE_CHILDREN)}
    if mode == "trace":
        figures["traced_peak_mb"] = tracemalloc.get_traced_memory()[1] / 2**20
    print(json.dumps(figures))


def run_child(mode: str, url: str, out: Path) -> dict:
    done = subprocess.run(  # noqa: S603 - our own script
        [sys.executable, __file__, "--child", mode, "--url", url, "--out", str(out)],
        check=True, capture_output=True, text=True, cwd=ROOT)
    return json.loads(done.stdout.strip().splitlines()[-1])


def pandas_baseline(directory: Path, scratch: Path) -> tuple[float, float, dict[str, int]]:
    """Seconds (wall, CPU) pandas' to_csv takes to write the same rows from ready
    DataFrames."""
    import pandas as pd

    from exports.core import FILES, LINE_TERMINATOR

    frames = {name: pd.read_csv(directory / name, encoding="utf-8-sig", low_memory=False)
              for name in FILES}
    scratch.mkdir(parents=True, exist_ok=True)
    t0, cpu0 = time.perf_counter(), time.process_time()
    for name, frame in frames.items():
        frame.to_csv(scratch / name, index=False, encoding="utf-8-sig",
                     lineterminator=LINE_TERMINATOR)
    wall, cpu = time.perf_counter() - t0, time.process_time() - cpu0
    return wall, cpu, {name: len(f) for name, f in frames.items()}


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--n", type=int, default=100_000)
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument("--templates", type=int, default=2000,
                        help="distinct evaluated documents replicated into the N screenings")
    parser.add_argument("--repeat", type=int, default=2,
                        help="runs of the export and of pandas; the best of each is compared")
    parser.add_argument("--keep", action="store_true", help="keep the database and files")
    parser.add_argument("--db", help="reuse a database seeded by an earlier --keep run")
    parser.add_argument("--child", choices=("export", "trace"), help=argparse.SUPPRESS)
    parser.add_argument("--url", help=argparse.SUPPRESS)
    parser.add_argument("--out", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child:
        child(args.child, args.url, args.out)
        return

    work = Path(tempfile.mkdtemp(prefix="bench-export-"))
    database = Path(args.db) if args.db else work / "bench.sqlite3"
    url = f"sqlite:///{database}"
    try:
        t0 = time.perf_counter()
        if args.db:
            seeded = reseeded(url)
        else:
            seeded = seed_database(url, args.n, args.seed, min(args.templates, args.n))
        seed_s = time.perf_counter() - t0
        db_mb = database.stat().st_size / 2**20
        with database.open("rb") as handle:  # warm the OS page cache for every run alike
            while handle.read(1 << 24):
                pass

        # Best of --repeat runs of each side, alternated, so that a busy machine hurts both
        # alike; the export runs first so that pandas can read its files.
        exports_, baselines, baseline_cpus = [], [], []
        for _ in range(args.repeat):
            exports_.append(run_child("export", url, work / "export"))
            baseline, baseline_cpu, frame_rows = pandas_baseline(work / "export",
                                                                 work / "pandas")
            baselines.append(baseline)
            baseline_cpus.append(baseline_cpu)
        timed = min(exports_, key=lambda figures: figures["wall"])
        baseline, baseline_cpu = min(baselines), min(baseline_cpus)
        traced = run_child("trace", url, work / "export-traced")
        sizes = {p.name: p.stat().st_size / 2**20 for p in (work / "export").iterdir()}

        print(f"machine: {platform.machine()} {os.cpu_count()} cpus, "
              f"python {platform.python_version()}")
        how = "reused" if args.db else "seeded"
        print(f"{how} {seeded['screenings']:,} screenings ({seeded['flags']:,} flags, "
              f"{seeded['reviews']:,} reviews, {seeded['acknowledgements']:,} acknowledgements) "
              f"in {seed_s:.1f} s; database {db_mb:,.0f} MB")
        for name, count in timed["rows"].items():
            print(f"  {name:<20} {count:>10,} rows {sizes[name]:>8.1f} MB")
        if frame_rows != timed["rows"]:
            print(f"WARNING: pandas read back {frame_rows}")
        ratio = timed["wall"] / baseline
        runs = ", ".join(f"{f['wall']:.2f}" for f in exports_)
        print(f"export wall time:          {timed['wall']:.2f} s "
              f"({timed['rows']['screenings.csv'] / timed['wall']:,.0f} screenings/s; "
              f"runs: {runs} s)")
        print(f"pandas to_csv, same rows:  {baseline:.2f} s (from ready DataFrames; runs: "
              + ", ".join(f"{b:.2f}" for b in baselines) + " s)")
        print(f"ratio export / pandas:     {ratio:.2f}x (target <= 1.5x)")
        cpu = min(f["cpu"] for f in exports_)
        print(f"CPU time: export {cpu:.2f} s (all its processes), pandas {baseline_cpu:.2f} s; "
              f"load average {os.getloadavg()[0]:.1f} on {os.cpu_count()} cpus "
              "(other work on the machine slows the export's two workers most)")
        workers = (f"largest worker process {timed['workers_peak_rss_mb']:.0f} MB"
                   if timed["workers_peak_rss_mb"] else "no worker processes (small export)")
        print(f"peak RSS: export process {timed['peak_rss_mb']:.0f} MB "
              f"({timed['peak_rss_before_mb']:.0f} MB before the export started), {workers} "
              "(target < 500 MB)")
        print(f"peak Python heap (tracemalloc) of the export process: "
              f"{traced['traced_peak_mb']:.1f} MB")
    finally:
        if args.keep:
            print(f"kept: {work}")
        else:
            shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    main()
