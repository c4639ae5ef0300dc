"""Benchmark: the clinician queue query at 100,000 screenings (target: under 100 ms).

Seeds N screenings (real evaluated templates, replicated with varied names, dates and
review states straight into the tables), then times ``store.list_queue`` for the filters
the queue page offers, first page and a deep page. Prints the median of 7 runs each.

    .venv/bin/python bench/bench_queue.py [--n 100000] [--url URL]
    scripts/with-postgres.sh .venv/bin/python bench/bench_queue.py --url "$DATABASE_URL"
"""

from __future__ import annotations

import argparse
import random
import statistics
import sys
import tempfile
import time
import uuid
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from sqlalchemy import func, insert, select, text

import store as db
from services import intake
from store.schema import FlagRow, ScreeningRow
from tests.concurrency_support import documents

CHUNK = 5_000
STATUSES = ["unreviewed"] * 6 + ["cleared", "cleared_with_conditions", "needs_follow_up",
                                 "not_a_candidate"]


def seed(store, n: int, rng: random.Random) -> None:
    templates = [intake.submit(d, store=store).screening_id for d in documents(60, seed=3)]
    with store.session(readonly=True) as session:
        # ordered by id: bases[k] must be the template whose flags are flags_of[base_ids[k]]
        # (without ORDER BY, PostgreSQL returns heap order and a document got another's flags)
        rows = session.execute(select(ScreeningRow).where(ScreeningRow.id.in_(templates))
                               .order_by(ScreeningRow.id)).scalars()
        screening_cols = [c.key for c in ScreeningRow.__table__.columns if c.key != "id"]
        bases = [{c: getattr(r, c) for c in screening_cols} for r in rows]
        flag_rows = session.execute(select(FlagRow).where(FlagRow.screening_id.in_(templates))).scalars()
        flags_of: dict[int, list[dict]] = {}
        for f in flag_rows:
            flags_of.setdefault(f.screening_id, []).append(
                {"rule_id": f.rule_id, "severity": f.severity, "urgent": f.urgent,
                 "position": f.position})
    base_ids = sorted(templates)
    if len(bases) != len(base_ids):
        raise RuntimeError("templates missing from the store")
    start = datetime(2025, 1, 1, tzinfo=UTC)
    with store.session() as session:
        next_id = (session.scalar(select(func.max(ScreeningRow.id))) or 0) + 1
    done = 0
    while done < n:
        batch, flag_batch = [], []
        for _ in range(min(CHUNK, n - done)):
            k = rng.randrange(len(bases))
            row = dict(bases[k])
            first, last = rng.choice(["Ana", "Ben", "Cleo", "Dan"]), f"Seed{next_id:06d}"
            status = rng.choice(STATUSES)
            row.update(id=next_id, public_id=str(uuid.uuid4()), idempotency_key=None,
                       first_name=first, last_name=last, name_search=f"{first} {last}".lower(),
                       submitted_at=start + timedelta(minutes=rng.randrange(0, 60 * 24 * 600)),
                       review_status=status, latest_review_id=None, reviewed_at=None)
            batch.append(row)
            for f in flags_of.get(base_ids[k], []):
                flag_batch.append({**f, "screening_id": next_id})
            next_id += 1
        with store.session() as session:
            session.execute(insert(ScreeningRow), batch)
            if flag_batch:
                session.execute(insert(FlagRow), flag_batch)
        done += len(batch)
    if store.dialect == "postgresql":  # explicit ids do not move the sequence: later submits need it
        with store.session() as session:
            session.execute(text("SELECT setval(pg_get_serial_sequence('screenings', 'id'), "
                                 "(SELECT max(id) FROM screenings))"))


def timed(fn, runs: int = 7) -> float:
    times = []
    for _ in range(runs):
        t0 = time.perf_counter()
        fn()
        times.append((time.perf_counter() - t0) * 1000)
    return statistics.median(times)


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--n", type=int, default=100_000)
    parser.add_argument("--url", default=None)
    args = parser.parse_args()
    url = args.url or f"sqlite:///{tempfile.mkdtemp()}/queue.sqlite3"
    store = db.get_store(url)
    t0 = time.perf_counter()
    seed(store, args.n, random.Random(1))
    if store.dialect == "postgresql":
        with store.engine.connect().execution_options(isolation_level="AUTOCOMMIT") as conn:
            conn.exec_driver_sql("ANALYZE")
    else:
        with store.engine.begin() as conn:
            conn.exec_driver_sql("ANALYZE")
    total = db.count_screenings(store=store)
    print(f"database: {store.dialect}; screenings: {total:,} (seeded in {time.perf_counter() - t0:.0f} s)")
    cases = {
        "no filter, page 1": (db.QueueFilters(), 1),
        "no filter, page 200": (db.QueueFilters(), 200),
        "status unreviewed": (db.QueueFilters(review_status=("unreviewed",)), 1),
        "severity defer": (db.QueueFilters(severity="defer"), 1),
        "rule benzodiazepine": (db.QueueFilters(rule_id="benzodiazepine"), 1),
        "urgent only": (db.QueueFilters(urgent=True), 1),
        "name search": (db.QueueFilters(name="seed0421"), 1),
        "date range (1 month)": (db.QueueFilters(submitted_from=date(2025, 3, 1),
                                                 submitted_to=date(2025, 3, 31)), 1),
        "status + severity + dates": (db.QueueFilters(review_status=("unreviewed",),
                                                      severity="review",
                                                      submitted_from=date(2025, 1, 1),
                                                      submitted_to=date(2025, 12, 31)), 1),
    }
    for label, (filters, page) in cases.items():
        ms = timed(lambda f=filters, p=page: db.list_queue(f, page=p, page_size=25, store=store))
        rows, matched = db.list_queue(filters, page=page, page_size=25, store=store)
        print(f"  {label:<28} {ms:7.1f} ms  ({matched:,} match, {len(rows)} shown)")


if __name__ == "__main__":
    main()
