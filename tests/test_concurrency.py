"""8 worker processes submit 2,000 screenings at once (100 of them double-clicked) while two
clinicians review the same screenings: every acknowledged submission is stored exactly
once with all its flags, none is lost or duplicated, and no review overwrites another.
Runs on SQLite, and on PostgreSQL in the second pass of scripts/test.sh."""

from __future__ import annotations

import itertools

from sqlalchemy import func, select

import store as db
from services import intake
from store.schema import FlagRow, ReviewRow, ScreeningRow
from tests.concurrency_support import REVIEWER_PASSWORD, documents, run_load

SUBMISSIONS = 2_000
WORKERS = 8


def test_concurrent_submissions_and_reviews(store_db, store_url):
    for name in ("reviewer0", "reviewer1"):
        db.create_user(name, REVIEWER_PASSWORD, "clinician")
    targets = [intake.submit(doc).screening_id for doc in documents(12, seed=99)]

    result = run_load(store_url, documents(SUBMISSIONS), workers=WORKERS, duplicates=100,
                      review_targets=targets, reviewers=2, review_rounds=3)

    assert result.submit_errors == []
    assert result.review_errors == []
    assert result.submissions == SUBMISSIONS + 100
    assert len(result.acked) == SUBMISSIONS  # every submission acknowledged
    with store_db.session(readonly=True) as session:
        rows = session.execute(select(ScreeningRow.id, ScreeningRow.idempotency_key,
                                      ScreeningRow.evaluation)).all()
        flag_counts = dict(session.execute(
            select(FlagRow.screening_id, func.count()).group_by(FlagRow.screening_id)).all())
        reviews = session.execute(select(ReviewRow.id, ReviewRow.screening_id,
                                         ReviewRow.supersedes_id).order_by(ReviewRow.id)).all()
    by_key = {key: sid for sid, key, _ in rows if key}
    # Stored exactly once: one row per acknowledged key, the id the submitter was given.
    assert len(rows) == len(targets) + SUBMISSIONS
    assert by_key == result.acked
    # Nothing half-written: every screening has all the flags its evaluation lists.
    for sid, _, evaluation in rows:
        assert flag_counts.get(sid, 0) == len(evaluation["flags"]), sid
    # Reviews: every recorded review is there, each supersedes the one before it, no fork.
    assert sorted(r.id for r in reviews) == sorted(rid for _, rid in result.reviews)
    for sid in targets:
        chain = [r for r in reviews if r.screening_id == sid]
        assert chain, f"screening {sid} never reviewed"
        assert chain[0].supersedes_id is None
        for before, after in itertools.pairwise(chain):
            assert after.supersedes_id == before.id
    assert len(result.reviews) + result.stale_reviews == 2 * 3 * len(targets)
