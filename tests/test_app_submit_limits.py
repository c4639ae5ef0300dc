"""Anonymous submissions are rate-limited per browser session and for the whole clinic per
minute (SUBMIT_LIMIT_PER_SESSION, SUBMIT_LIMIT_PER_MINUTE); a refused submission keeps the
patient's draft, says so in plain words, and is audited and logged without patient data."""

from __future__ import annotations

import copy
import logging

import pytest

import store as db
from store.drafts import find_draft
from tests.apptest_helpers import complete_intake, current_step, new_app, texts
from tests.conftest import CLEAN_ANSWERS


@pytest.fixture(autouse=True)
def fresh_database(store_db):
    return store_db


def patient(first: str) -> dict:
    answers = copy.deepcopy(CLEAN_ANSWERS)
    answers.update(first_name=first, signature_name=f"{first} {answers['last_name']}")
    return answers


def refused(at) -> bool:
    return any("could not be sent just now" in str(w.value) for w in at.warning)


def draft_answers(store_db, token: str) -> dict | None:
    with store_db.session(readonly=True) as session:
        draft = find_draft(session, token)
        return None if draft is None else draft.answers


def refusals() -> list[dict]:
    rows, _ = db.list_audit(db.AuditFilters(action="submit_refused"))
    return [r.details for r in rows]


def test_the_session_limit_refuses_and_keeps_the_draft(monkeypatch, store_db, caplog):
    monkeypatch.setenv("SUBMIT_LIMIT_PER_SESSION", "1")
    at = new_app()
    complete_intake(at, patient("Quennell"))
    assert "Your answers were sent" in texts(at)
    at.button(key="restart").click().run()  # "start a new form" in the same browser session
    with caplog.at_level(logging.INFO):
        complete_intake(at, patient("Orsolya"))
    assert refused(at) and "Your answers were sent" not in texts(at)
    assert current_step(at).id == "review"  # still on the form, answers on screen
    assert "Orsolya" in texts(at)
    assert db.count_screenings() == 1
    token = at.session_state["intake"].token
    assert draft_answers(store_db, token)["first_name"] == "Orsolya"
    assert refusals() == [{"scope": "session", "retry_after": refusals()[0]["retry_after"]}]
    assert 1 <= refusals()[0]["retry_after"] <= 60
    assert "session limit" in caplog.text and "Orsolya" not in caplog.text
    assert token not in caplog.text


def test_the_global_limit_counts_every_session_and_lifts_without_losing_work(monkeypatch,
                                                                             store_db):
    monkeypatch.setenv("SUBMIT_LIMIT_PER_MINUTE", "2")
    for first in ("Anna", "Bela"):
        sent = new_app()
        complete_intake(sent, patient(first))
        assert "Your answers were sent" in texts(sent)
    third = new_app()  # another browser: its own session limit is untouched
    complete_intake(third, patient("Cosmina"))
    assert refused(third) and db.count_screenings() == 2
    assert refusals()[0]["scope"] == "global"
    token = third.session_state["intake"].token
    assert draft_answers(store_db, token)["first_name"] == "Cosmina"

    monkeypatch.setenv("SUBMIT_LIMIT_PER_MINUTE", "3")  # (or a minute later)
    third.button(key="submit").click().run()  # the same work, sent on the second press
    assert "Your answers were sent" in texts(third)
    assert db.count_screenings() == 3


def test_staff_imports_do_not_count_against_the_patients_limit(monkeypatch, store_db):
    from services import intake
    from tests.conftest import make_doc

    monkeypatch.setenv("SUBMIT_LIMIT_PER_MINUTE", "1")
    intake.submit(make_doc(), actor="cli:operator")
    at = new_app()
    complete_intake(at, patient("Dorin"))
    assert "Your answers were sent" in texts(at)
