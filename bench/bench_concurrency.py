"""Benchmark: sustained submissions per second from concurrent worker processes.

Runs the same load as tests/test_concurrency.py (8 processes, double-clicked submits,
two clinicians reviewing) against a fresh database and prints the throughput.

    .venv/bin/python bench/bench_concurrency.py [--n 4000] [--workers 8] [--url URL]
    scripts/with-postgres.sh .venv/bin/python bench/bench_concurrency.py --url "$DATABASE_URL"

Without --url it uses a temporary SQLite file.
"""

from __future__ import annotations

import argparse
import sys
import tempfile
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

import store as db
from services import intake
from tests.concurrency_support import REVIEWER_PASSWORD, documents, run_load


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--n", type=int, default=4000)
    parser.add_argument("--workers", type=int, default=8)
    parser.add_argument("--url", default=None)
    args = parser.parse_args()
    url = args.url or f"sqlite:///{tempfile.mkdtemp()}/bench.sqlite3"
    store = db.get_store(url)
    for name in ("reviewer0", "reviewer1"):
        db.create_user(name, REVIEWER_PASSWORD, "clinician", store=store)
    targets = [intake.submit(d, store=store).screening_id for d in documents(12, seed=5)]
    docs = documents(args.n)
    db.reset_stores()
    result = run_load(url, docs, workers=args.workers, duplicates=args.n // 20,
                      review_targets=targets, reviewers=2, review_rounds=3)
    errors = result.submit_errors + result.review_errors
    print(f"database: {store.dialect}; workers: {args.workers} processes + 2 reviewers; 2 cores")
    print(f"submissions: {result.submissions} ({result.unique_keys} distinct, "
          f"{result.submissions - result.unique_keys} double-clicked), errors: {len(errors)}")
    print(f"wall time: {result.wall_seconds:.2f} s; sustained: "
          f"{result.unique_keys / result.wall_seconds:,.0f} screenings stored/s "
          f"({result.submissions / result.wall_seconds:,.0f} submit calls/s)")
    print(f"reviews recorded: {len(result.reviews)}, refused as stale: {result.stale_reviews}")
    if errors:
        print("first error:", errors[0])
        sys.exit(1)


if __name__ == "__main__":
    main()
