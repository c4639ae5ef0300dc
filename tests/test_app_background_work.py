"""The app's background work belongs to the test whose run started it: done in that test's
database with its settings, never in the next test's (tests/conftest.py)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from sqlalchemy import update

from store import drafts as db
from store.schema import DraftRow
from tests.apptest_helpers import new_app


def test_a_run_starts_the_daily_draft_purge(store_db):
    from app_pages.services import purge_stale_drafts_daily

    purge_stale_drafts_daily.clear()
    new_app()  # starts the purge in the background; this test ends at once


def test_that_purge_never_reaches_the_next_tests_database(store_db):
    _, token = db.create_draft()
    db.save_draft(token, {"first_name": "Old"}, 1, "1985-06-15")
    with store_db.session() as session:  # not resumed for 31 days: what the purge deletes
        session.execute(update(DraftRow).values(updated_at=datetime.now(UTC) - timedelta(days=31)))
    from app_pages.services import join_background

    join_background(timeout=60)  # a purge still pending from the test before would run now
    assert db.resume_draft(token, "1985-06-15") is not None
