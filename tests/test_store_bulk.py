"""``store.bulk``: many rows in one statement on PostgreSQL (arrays through unnest), used by
re-evaluation and the audit log. Rows keep their order (the audit chain is verified in id
order), JSON, NULLs and timestamps round-trip, an update touches only the rows it names."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import select

from services.intake import submit as submit_screening
from store import audit, bulk, chain
from store.schema import AuditRow, Base, EvaluationChangeRow, FlagRow, ScreeningRow
from tests.conftest import make_doc

FLAGS = Base.metadata.tables[FlagRow.__tablename__]
SCREENINGS = Base.metadata.tables[ScreeningRow.__tablename__]
HISTORY = Base.metadata.tables[EvaluationChangeRow.__tablename__]
AUDIT = Base.metadata.tables[AuditRow.__tablename__]


@pytest.fixture
def pg(store_db):
    if store_db.dialect != "postgresql":
        pytest.skip("store.bulk is for PostgreSQL (SQLite keeps its executemany)")
    return store_db


def test_sqlite_is_refused_with_a_clear_message(store_db):
    if store_db.dialect == "postgresql":
        pytest.skip("checks the SQLite refusal")
    sid = submit_screening(make_doc()).screening_id
    with store_db.session() as session, pytest.raises(ValueError, match="PostgreSQL only"):
        bulk.update_rows(session, SCREENINGS, [{"id": sid, "review_status": "cleared"}])


def test_inserted_rows_get_ids_in_the_order_given_and_values_round_trip(pg):
    sid = submit_screening(make_doc()).screening_id
    rules = [f"rule_{i:03d}" for i in range(300)][::-1]  # not in any sorted order
    rows = [{"screening_id": sid, "position": 1000 + i, "rule_id": r,
             "severity": ("defer", "review", "adjust", "info")[i % 4], "urgent": i % 7 == 0}
            for i, r in enumerate(rules)]
    with pg.session() as session:
        assert bulk.insert_rows(session, FLAGS, rows) == 300
    with pg.session(readonly=True) as session:
        stored = session.execute(select(FlagRow.position, FlagRow.rule_id, FlagRow.severity, FlagRow.urgent)
                                 .where(FlagRow.position >= 1000).order_by(FlagRow.id)).all()
    assert [tuple(r) for r in stored] == [(r["position"], r["rule_id"], r["severity"], r["urgent"])
                                          for r in rows]


def test_json_null_timestamps_and_a_column_copied_on_the_server(pg):
    sid = submit_screening(make_doc()).screening_id
    at = datetime(2026, 12, 2, 8, 0, tzinfo=UTC) + timedelta(microseconds=123)
    row = {"screening_id": sid, "run_id": None, "created_at": at, "actor": "tester",
           "from_version": "a", "to_version": "b",
           "added": [{"rule_id": "x", "severity": "defer", "urgent": False, "note": "it's \"quoted\" \\ {}"}],
           "removed": [], "changed": [], "review_id": None, "requeued_from": None,
           "requeue_reason": "Re-evaluated: new defer flag x. Review it again."}
    with pg.session() as session:
        bulk.insert_rows(session, HISTORY, [row], extra={"previous": "s.evaluation"},
                         join="JOIN screenings AS s ON s.id = v.screening_id")
    with pg.session(readonly=True) as session:
        stored = session.scalars(select(EvaluationChangeRow)).one()
        evaluation = session.get(ScreeningRow, sid).evaluation
    assert stored.created_at == at and stored.run_id is None and stored.requeued_from is None
    assert stored.added == row["added"] and stored.removed == []
    assert stored.requeue_reason == row["requeue_reason"]
    assert stored.previous == evaluation  # copied on the server, whole


def test_update_touches_only_the_rows_named_and_naive_timestamps_are_refused(pg):
    a, b, c = (submit_screening(make_doc()).screening_id for _ in range(3))
    with pg.session() as session:
        assert bulk.update_rows(session, SCREENINGS, [
            {"id": a, "review_status": "cleared", "count_info": 7},
            {"id": c, "review_status": "needs_follow_up", "count_info": 8}]) == 2
    with pg.session(readonly=True) as session:
        got = {r.id: (r.review_status, r.count_info) for r in session.execute(
            select(ScreeningRow.id, ScreeningRow.review_status, ScreeningRow.count_info))}
    assert got[a] == ("cleared", 7) and got[c] == ("needs_follow_up", 8)
    assert got[b][0] == "unreviewed"
    with pg.session() as session, pytest.raises(ValueError, match="timezone-aware"):
        bulk.update_rows(session, SCREENINGS, [{"id": a, "reviewed_at": datetime(2026, 1, 1)}])


def test_rows_must_share_their_columns_and_an_update_needs_its_key(pg):
    with pg.session() as session:
        assert bulk.insert_rows(session, FLAGS, []) == 0
        with pytest.raises(ValueError, match="same columns"):
            bulk.insert_rows(session, FLAGS, [{"screening_id": 1, "position": 0},
                                              {"position": 1, "screening_id": 1}])
        with pytest.raises(ValueError, match="need their id"):
            bulk.update_rows(session, SCREENINGS, [{"review_status": "cleared"}])


def test_many_audit_rows_in_one_statement_still_verify(pg):
    submit_screening(make_doc())
    rows = [audit.audit_values("tester", audit.SCREENING_VIEW, audit.target_of("screening", i),
                               {"n": i, "text": "a'b\"c\\d", "list": [1, None, True]})
            for i in range(250)]
    with pg.session() as session:
        audit.write_audit_rows(session, rows)
    with pg.session(readonly=True) as session:
        stored = session.scalars(select(AuditRow).where(AuditRow.actor == "tester")
                                 .order_by(AuditRow.id)).all()
        report = chain.verify(session)
    assert [r.target for r in stored] == [f"screening:{i}" for i in range(250)]
    assert stored[3].details == {"n": 3, "text": "a'b\"c\\d", "list": [1, None, True]}
    assert report.ok, report.problem
