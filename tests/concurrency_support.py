"""Many processes submitting and reviewing at once against one database.

Used by tests/test_concurrency.py (correctness) and bench/bench_concurrency.py (figures).
Workers are forked after the rules engine is loaded, so they share it; each opens its own
database connections (a pool must never cross a fork).
"""

from __future__ import annotations

import multiprocessing
import random
import time
from dataclasses import dataclass, field

from services import intake
from tests.conftest import make_doc

FIRST = ["Ana", "Ben", "Chloé", "Dev", "Eun", "Femi", "Gus", "Hana", "Ivo", "Jia", "Kofi", "Lea"]
MEDS = ["Xanax 0.5mg prn", "sertraline 50", "Lamictal 100", "Advil", "adderal xr 20",
        "lisinopril 10 mg", "Suboxone 8/2", "fish oil", "Claritin-D", "klonapin 1mg"]
REVIEWER_PASSWORD = "reviewer password 123"


def documents(n: int, seed: int = 11) -> list[dict]:
    rng = random.Random(seed)
    docs = []
    for i in range(n):
        first = rng.choice(FIRST)
        last = f"Load{i:05d}"
        extra: dict = {}
        if rng.random() < 0.2:
            extra["suicidal_thoughts"] = rng.choice(["passive", "active_with_plan"])
        if rng.random() < 0.2:
            extra["bipolar_disorder"] = rng.choice(["yes", "unsure"])
        meds = rng.sample(MEDS, rng.randint(0, 3))
        doc = make_doc(meds=meds, first_name=first, last_name=last,
                       signature_name=f"{first} {last}", **extra)
        doc["submitted_at"] = f"2026-11-{rng.randint(1, 20):02d}T{rng.randint(0, 23):02d}:00:00Z"
        docs.append(doc)
    return docs


@dataclass
class SubmitOutcome:
    acked: dict[str, int] = field(default_factory=dict)  # idempotency key -> screening id
    errors: list[str] = field(default_factory=list)
    seconds: float = 0.0


def _submit_worker(url: str, jobs: list[tuple[str, dict]], results) -> None:
    import store as db

    db.reset_stores()  # never reuse the parent's connections after fork
    store = db.get_store(url)
    outcome = SubmitOutcome()
    start = time.perf_counter()
    for key, doc in jobs:
        try:
            result = intake.submit(doc, idempotency_key=key, store=store)
            outcome.acked[key] = result.screening_id  # acknowledged to the "patient"
        except Exception as err:
            outcome.errors.append(f"{key}: {type(err).__name__}: {err}")
    outcome.seconds = time.perf_counter() - start
    results.put(outcome)


@dataclass
class ReviewOutcome:
    recorded: list[tuple[int, int]] = field(default_factory=list)  # (screening id, review id)
    stale: int = 0
    errors: list[str] = field(default_factory=list)


def _review_worker(url: str, reviewer: str, screening_ids: list[int], rounds: int, results) -> None:
    import store as db

    db.reset_stores()
    store = db.get_store(url)
    outcome = ReviewOutcome()
    rng = random.Random(reviewer)
    for _ in range(rounds):
        for sid in rng.sample(screening_ids, len(screening_ids)):
            detail = db.get_screening(sid, store=store)
            acks = {f.rule_id: None for f in detail.evaluation.flags}
            try:
                review = db.record_review(sid, reviewer, rng.choice(["cleared", "needs_follow_up"]),
                                          f"round by {reviewer}", acks, detail.latest_review_id,
                                          store=store)
                outcome.recorded.append((sid, review.id))
            except db.StaleReview:
                outcome.stale += 1
            except Exception as err:
                outcome.errors.append(f"{sid}: {type(err).__name__}: {err}")
    results.put(outcome)


@dataclass
class LoadResult:
    submissions: int
    unique_keys: int
    acked: dict[str, int]
    submit_errors: list[str]
    reviews: list[tuple[int, int]]
    stale_reviews: int
    review_errors: list[str]
    wall_seconds: float


def run_load(url: str, docs: list[dict], workers: int = 8, duplicates: int = 100,
             review_targets: list[int] | None = None, reviewers: int = 2,
             review_rounds: int = 3) -> LoadResult:
    """Submit ``docs`` from ``workers`` processes, ``duplicates`` of them twice from two
    different workers (a double-clicked submit), while ``reviewers`` review the same
    ``review_targets``. Returns what every process saw."""
    from rules.engine import get_engine

    get_engine()  # loaded once, shared by the forked workers
    keyed = [(f"load-{i:05d}", doc) for i, doc in enumerate(docs)]
    jobs: list[list[tuple[str, dict]]] = [[] for _ in range(workers)]
    for i, job in enumerate(keyed):
        jobs[i % workers].append(job)
    for i in range(min(duplicates, len(keyed))):  # the second click lands on another worker
        jobs[(i + 1) % workers].insert(0, keyed[i])
    ctx = multiprocessing.get_context("fork")
    results = ctx.Queue()
    procs = [ctx.Process(target=_submit_worker, args=(url, j, results)) for j in jobs]
    for r in range(reviewers if review_targets else 0):
        procs.append(ctx.Process(target=_review_worker,
                                 args=(url, f"reviewer{r}", review_targets, review_rounds, results)))
    start = time.perf_counter()
    for p in procs:
        p.start()
    outcomes = [results.get(timeout=600) for _ in procs]
    for p in procs:
        p.join(timeout=60)
    wall = time.perf_counter() - start
    acked: dict[str, int] = {}
    submit_errors: list[str] = []
    reviews: list[tuple[int, int]] = []
    review_errors: list[str] = []
    stale = 0
    for outcome in outcomes:
        if isinstance(outcome, SubmitOutcome):
            for key, sid in outcome.acked.items():
                if acked.setdefault(key, sid) != sid:
                    submit_errors.append(f"{key}: acknowledged as {acked[key]} and {sid}")
            submit_errors.extend(outcome.errors)
        else:
            reviews.extend(outcome.recorded)
            stale += outcome.stale
            review_errors.extend(outcome.errors)
    return LoadResult(sum(len(j) for j in jobs), len(keyed), acked, submit_errors, reviews,
                      stale, review_errors, wall)
