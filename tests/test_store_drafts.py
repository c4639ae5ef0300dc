"""Intake drafts: saved by token, resumed only with the right date of birth, purged when stale."""

from __future__ import annotations

import hashlib
from datetime import timedelta

import pytest
from sqlalchemy import func, select, text

from services import intake
from store import (
    DraftAlreadySubmitted,
    DraftNotFound,
    create_draft,
    list_audit,
    load_draft_by_token,
    purge_stale_drafts,
    resume_draft,
    save_draft,
)
from store.drafts import MAX_RESUME_FAILURES
from store.invitations import open_invitation
from store.models import AuditFilters
from store.schema import DraftRow, utcnow
from tests.conftest import make_doc
from tests.test_store_invitations import invite

DOB = "1985-06-15"
ANSWERS = {"first_name": "Ann", "last_name": "Lee", "date_of_birth": DOB}


@pytest.fixture
def saved(store_db):
    draft_id, token = create_draft()
    save_draft(token, ANSWERS, 2, DOB)
    return draft_id, token


def test_the_token_is_unguessable_and_only_its_hash_is_stored(store_db):
    draft_id, token = create_draft()
    _, other = create_draft()
    assert len(token) >= 43 and token != other
    with store_db.session(readonly=True) as session:
        row = session.get(DraftRow, draft_id)
        dump = session.execute(text("SELECT * FROM drafts")).all()
    assert row.token_hash == hashlib.sha256(token.encode()).hexdigest()
    assert token not in repr(dump)


def test_save_then_load_in_the_same_session(saved):
    draft_id, token = saved
    view = load_draft_by_token(token)
    assert (view.draft_id, view.step, view.answers, view.submitted) == (draft_id, 2, ANSWERS,
                                                                        False)
    save_draft(token, {**ANSWERS, "sex_at_birth": "female"}, 3)  # no date: the saved one stays
    assert load_draft_by_token(token).answers["sex_at_birth"] == "female"
    assert resume_draft(token, DOB) is not None
    assert load_draft_by_token("not-a-token") is None


@pytest.mark.parametrize(("token_of", "dob"), [
    pytest.param(lambda t: t, DOB, id="right"),
    pytest.param(lambda t: t, "1985-06-16", id="wrong-dob"),
    pytest.param(lambda t: t, "15/06/1985", id="malformed-dob"),
    pytest.param(lambda t: t, "", id="empty-dob"),
    pytest.param(lambda t: t + "x", DOB, id="unknown-token"),
    pytest.param(lambda t: "", DOB, id="empty-token"),
    pytest.param(lambda t: "x" * 10_000, DOB, id="huge-token"),
])
def test_resume_needs_the_token_and_the_date_of_birth(saved, token_of, dob):
    _, token = saved
    view = resume_draft(token_of(token), dob)
    if token_of(token) == token and dob == DOB:
        assert view is not None and view.answers == ANSWERS and view.step == 2
    else:
        assert view is None  # unknown token and wrong date look exactly the same


def test_a_draft_without_a_date_of_birth_cannot_be_resumed(store_db):
    _, token = create_draft()
    save_draft(token, {"first_name": "Ann"}, 1)
    assert resume_draft(token, DOB) is None
    assert load_draft_by_token(token).answers == {"first_name": "Ann"}


def test_too_many_wrong_dates_lock_resume_but_not_the_own_session(saved):
    _, token = saved
    for _ in range(MAX_RESUME_FAILURES):
        assert resume_draft(token, "2000-01-01") is None
    assert resume_draft(token, DOB) is None
    assert load_draft_by_token(token).answers == ANSWERS
    rows, _ = list_audit(AuditFilters(action="draft_resume"), page_size=100)
    assert all(r.details["ok"] is False for r in rows)


@pytest.mark.parametrize("opener", ["draft", "invitation"])
def test_a_right_date_resets_the_count_of_wrong_ones(store_db, opener):
    """Both links share one date-of-birth gate: failures below the limit are forgiven by
    the right date, so a patient who mistypes a few times on different days is not locked."""
    if opener == "draft":
        _, token = create_draft()
        save_draft(token, ANSWERS, 2, DOB)
        open_link = resume_draft
    else:
        _, token = invite()
        open_link = open_invitation
    for _ in range(2):
        for _ in range(MAX_RESUME_FAILURES - 1):
            assert open_link(token, "2000-01-01") is None
        assert open_link(token, DOB) is not None


def test_a_submitted_draft_shows_no_answers_and_cannot_change(saved, store_db):
    draft_id, token = saved
    result = intake.submit(make_doc(), draft_token=token)
    for view in (resume_draft(token, DOB), load_draft_by_token(token)):
        assert view.submitted and view.answers is None
        assert view.screening_public_id == result.public_id
    assert resume_draft(token, "1999-01-01") is None
    with store_db.session(readonly=True) as session:
        row = session.get(DraftRow, draft_id)
        assert row.answers is None and row.submitted_screening_id == result.screening_id
        cleared = session.scalar(select(func.count()).select_from(DraftRow)
                                 .where(DraftRow.answers.is_(None)))
        assert cleared == 1  # SQL NULL, not a JSON null
    with pytest.raises(DraftAlreadySubmitted):
        save_draft(token, ANSWERS, 3)


@pytest.mark.parametrize(("kwargs", "error"), [
    ({"token": "nope", "answers": {}, "step": 1}, DraftNotFound),
    ({"answers": [], "step": 1}, ValueError),
    ({"answers": {}, "step": -1}, ValueError),
    ({"answers": {}, "step": True}, ValueError),
    ({"answers": {"x": "y" * 300_000}, "step": 1}, ValueError),
    ({"answers": {"x": {1, 2}}, "step": 1}, ValueError),
    ({"answers": {}, "step": 1, "date_of_birth": "June 1985"}, ValueError),
])
def test_bad_saves_are_refused(saved, kwargs, error):
    _, token = saved
    with pytest.raises(error):
        save_draft(**{"token": token, **kwargs})
    assert load_draft_by_token(token).answers == ANSWERS


def _count(store) -> int:
    with store.session(readonly=True) as session:
        return session.scalar(select(func.count()).select_from(DraftRow))


def test_purge_removes_only_stale_unsubmitted_drafts(store_db):
    _, stale = create_draft()
    _, submitted = create_draft()
    intake.submit(make_doc(), draft_token=submitted)
    later = utcnow() + timedelta(days=31)
    assert purge_stale_drafts(now=later - timedelta(days=2)) == 0  # only 29 days old
    _, fresh = create_draft()
    with store_db.session() as session:  # saved 1 day before "later": not stale
        session.execute(DraftRow.__table__.update()
                        .where(DraftRow.token_hash == hashlib.sha256(fresh.encode()).hexdigest())
                        .values(updated_at=later - timedelta(days=1)))
    assert purge_stale_drafts(now=later) == 1
    assert load_draft_by_token(stale) is None
    assert load_draft_by_token(submitted).submitted
    assert load_draft_by_token(fresh) is not None
    assert _count(store_db) == 2
    rows, _ = list_audit(AuditFilters(action="draft_purge"))
    assert [r.details["purged"] for r in rows] == [1, 0]
