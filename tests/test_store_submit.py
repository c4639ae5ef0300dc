"""Submitting a screening: validated, evaluated and stored once, in one transaction."""

from __future__ import annotations

import json
import threading
from datetime import UTC, date, datetime

import pytest
from sqlalchemy import func, select

from forms.models import InvalidDocument
from forms.validation import parse_document
from services import intake
from store import (
    create_draft,
    get_screening,
    list_audit,
    load_draft_by_token,
    save_draft,
)
from store import screenings as screenings_module
from store.models import AuditFilters
from store.schema import AuditRow, DraftRow, FlagRow, ScreeningRow
from tests.conftest import make_doc


def counts(store) -> dict[str, int]:
    with store.session(readonly=True) as session:
        return {table.__tablename__: session.scalar(select(func.count()).select_from(table))
                for table in (ScreeningRow, FlagRow, AuditRow)}


def test_submit_stores_one_screening_with_its_flags(store_db, engine):
    doc = make_doc(meds=["Xanax 0.5mg prn"], glaucoma="yes", suicidal_thoughts="active_with_plan",
                   height_cm=170, weight_kg=80)
    result = intake.submit(doc)
    expected = engine.evaluate(parse_document(doc))
    assert result.created and result.urgent
    assert result.flags == tuple(f.rule_id for f in expected.flags)
    assert set(result.flags) == {"suicidal_plan", "glaucoma", "benzodiazepine"}
    # audit: the submit and the urgent alert queued with it (issue 13)
    assert counts(store_db) == {"screenings": 1, "screening_flags": 3, "audit_log": 2}

    with store_db.session(readonly=True) as session:
        row = session.get(ScreeningRow, result.screening_id)
        flags = session.execute(select(FlagRow.position, FlagRow.rule_id, FlagRow.severity,
                                       FlagRow.urgent).order_by(FlagRow.position)).all()
    assert [tuple(f) for f in flags] == [(i, f.rule_id, f.severity, f.urgent)
                                         for i, f in enumerate(expected.flags)]
    assert (row.first_name, row.last_name, row.date_of_birth) == ("Ann", "Lee", date(1985, 6, 15))
    assert (row.age, row.bmi, row.urgent) == (41, 27.7, True)
    assert (row.highest_severity, row.severity_rank) == ("defer", 0)
    assert (row.count_defer, row.count_review, row.count_adjust, row.count_info) == (1, 1, 1, 0)
    assert row.review_status == "unreviewed" and row.latest_review_id is None
    assert row.submitted_at == datetime(2026, 11, 21, 14, 0, tzinfo=UTC)
    assert row.ruleset_version == engine.version
    assert row.document == parse_document(doc).to_document()
    assert row.evaluation == json.loads(json.dumps(expected.public()))
    assert get_screening(result.screening_id).evaluation.public() == row.evaluation  # round trip


@pytest.mark.parametrize("doc", [
    pytest.param(make_doc(systolic_bp=400, diastolic_bp=80), id="out-of-range"),
    pytest.param({**make_doc(), "extra": 1}, id="unknown-envelope-field"),
    pytest.param(make_doc(favourite_colour="blue"), id="unknown-code"),
    pytest.param(make_doc(signature_name="Someone Else"), id="cross-field"),
    pytest.param([], id="not-an-object"),
])
def test_an_invalid_document_stores_nothing(store_db, doc):
    _, token = create_draft()
    save_draft(token, {"first_name": "Ann"}, 7, "1985-06-15")
    before = counts(store_db)
    with pytest.raises(InvalidDocument) as caught:
        intake.submit(doc, draft_token=token, idempotency_key="k")
    assert caught.value.problems and all(p.code and p.message for p in caught.value.problems)
    assert counts(store_db) == before
    draft = load_draft_by_token(token)
    assert not draft.submitted and draft.answers == {"first_name": "Ann"}


def test_the_same_idempotency_key_twice_makes_one_screening(store_db):
    first = intake.submit(make_doc(glaucoma="yes"), idempotency_key="click-1")
    second = intake.submit(make_doc(glaucoma="yes"), idempotency_key="click-1")
    other = intake.submit(make_doc(glaucoma="yes"), idempotency_key="click-2")
    assert second.screening_id == first.screening_id and not second.created
    assert second.flags == first.flags == ("glaucoma",)
    assert other.screening_id != first.screening_id
    assert counts(store_db)["screenings"] == 2


def test_a_lost_idempotency_race_returns_the_winner(store_db, monkeypatch):
    """Both requests passed the first look-up; the unique constraint decides."""
    first = intake.submit(make_doc(), idempotency_key="race")
    real_existing = screenings_module._existing
    calls = []

    def miss_first(session, condition):
        calls.append(condition)
        return None if len(calls) == 1 else real_existing(session, condition)

    monkeypatch.setattr(screenings_module, "_existing", miss_first)
    again = intake.submit(make_doc(), idempotency_key="race")
    assert again.screening_id == first.screening_id and not again.created
    assert len(calls) == 2  # the pre-check missed; the IntegrityError path found it
    assert counts(store_db)["screenings"] == 1


def test_concurrent_double_submit_makes_one_screening(store_db):
    barrier = threading.Barrier(4)
    results, errors = [], []

    def submit():
        barrier.wait()
        try:
            results.append(intake.submit(make_doc(), idempotency_key="same"))
        except Exception as exc:  # pragma: no cover - reported below
            errors.append(exc)

    threads = [threading.Thread(target=submit) for _ in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert not errors
    assert len({r.screening_id for r in results}) == 1
    assert sum(r.created for r in results) == 1
    assert counts(store_db)["screenings"] == 1


def test_submitting_a_draft_links_it_and_a_second_submit_returns_the_first(store_db):
    draft_id, token = create_draft()
    save_draft(token, {"first_name": "Ann"}, 8, "1985-06-15")
    first = intake.submit(make_doc(), draft_token=token)
    second = intake.submit(make_doc(), draft_token=token)  # double click, no key
    assert second.screening_id == first.screening_id and not second.created
    assert counts(store_db)["screenings"] == 1
    with store_db.session(readonly=True) as session:
        draft = session.get(DraftRow, draft_id)
    assert draft.submitted_screening_id == first.screening_id and draft.answers is None


def test_an_unknown_draft_token_does_not_lose_the_submission(store_db):
    result = intake.submit(make_doc(), draft_token="purged-long-ago")
    assert result.created and counts(store_db)["screenings"] == 1


def test_submit_writes_an_audit_row_without_patient_data(store_db):
    draft_id, token = create_draft()
    result = intake.submit(make_doc(glaucoma="yes"), draft_token=token)
    rows, total = list_audit(AuditFilters(action="submit"))
    assert total == 1
    row = rows[0]
    assert (row.actor, row.target) == ("patient", f"screening:{result.screening_id}")
    assert row.details["draft_id"] == draft_id and row.details["flags"] == 1
    everything, _ = list_audit(page_size=200)
    dumped = json.dumps([r.model_dump(mode="json") for r in everything])
    for secret in ("Ann", "Lee", "1985-06-15", token):
        assert secret not in dumped


def test_a_document_without_submitted_at_is_stamped(store_db):
    doc = make_doc()
    del doc["submitted_at"]
    before = datetime.now(UTC)
    result = intake.submit(doc)
    detail = get_screening(result.screening_id)
    assert detail.submitted_at >= before.replace(microsecond=0)
    assert detail.document["submitted_at"].endswith("Z")


def test_idempotency_key_length_is_checked(store_db):
    with pytest.raises(ValueError):
        intake.submit(make_doc(), idempotency_key="x" * 129)
    assert counts(store_db)["screenings"] == 0
