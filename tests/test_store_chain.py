"""Tamper evidence: the audit hash chain, sealed documents, ``python -m store verify``, and
least privilege for the app's role on PostgreSQL."""

from __future__ import annotations

import json
from datetime import timedelta

import pytest
from sqlalchemy import create_engine, func, select, text
from sqlalchemy.exc import ProgrammingError

from services.intake import submit as submit_screening
from store import audit, chain, get_store, record_audit, reset_stores
from store.db import create_audit_triggers, database_url, drop_audit_triggers
from store.privileges import app_role_grants, grant_app_role
from store.schema import AuditRow, ScreeningRow, utcnow
from tests.conftest import make_doc
from tests.test_store_cli import run


def _verify(store):
    with store.session(readonly=True) as session:
        return chain.verify(session)


def _tamper(store, *statements: tuple[str, dict]) -> None:
    """What someone with database access does: lift the triggers, change rows."""
    with store.engine.begin() as conn:
        drop_audit_triggers(conn)
        for sql, params in statements:
            conn.execute(text(sql), params)
        create_audit_triggers(conn)


@pytest.fixture
def filled(store_db):
    ids = [submit_screening(make_doc(systolic_bp=110 + i, diastolic_bp=70)).screening_id for i in range(3)]
    record_audit("doc", audit.QUEUE_VIEW, None, {"rows": 3})
    record_audit("doc", audit.SCREENING_VIEW, audit.target_of("screening", ids[1]))
    return store_db, ids


def _audit_ids(store) -> list[int]:
    with store.session(readonly=True) as session:
        return list(session.scalars(select(AuditRow.id).order_by(AuditRow.id)))


def test_an_untouched_database_verifies_and_each_row_chains_onto_the_previous(filled):
    store, ids = filled
    report = _verify(store)
    assert report.ok and report.problem is None
    assert report.screenings == 3 and report.unsealed == 0
    assert report.audit_rows == len(_audit_ids(store)) >= 5
    with store.session(readonly=True) as session:
        rows = session.scalars(select(AuditRow).order_by(AuditRow.id)).all()
        submits = [r for r in rows if r.action == audit.SUBMIT]
        doc = session.get(ScreeningRow, ids[0]).document
    previous = chain.GENESIS
    for row in rows:
        assert row.chain_hash == chain.row_hash(previous, row.at, row.actor, row.action,
                                                row.target, row.details)
        previous = row.chain_hash
    assert report.head_hash == previous and report.head_id == rows[-1].id
    assert submits[0].details["document_sha256"] == chain.document_sha256(doc)


def _tampering(store, ids, audit_ids) -> dict[str, tuple]:
    victim = audit_ids[2]
    old = (utcnow() - timedelta(days=400)).replace(tzinfo=None)
    return {
        "delete a row": ((f"DELETE FROM audit_log WHERE id = {victim}", {}), f"audit row {victim + 1}"),
        "insert a back-dated row": ((
            "INSERT INTO audit_log (at, actor, action, target, details) "
            "VALUES (:at, 'doc', 'review', 'screening:1', :details)",
            {"at": old, "details": json.dumps({})}), f"audit row {audit_ids[-1] + 1} has no chain"),
        "edit a row": ((f"UPDATE audit_log SET actor = 'someone' WHERE id = {victim}", {}),
                       f"audit row {victim} does not match"),
        "rewrite a screening's answers": ((
            "UPDATE screenings SET document = :doc WHERE id = :id",
            {"doc": json.dumps(make_doc(systolic_bp=150, diastolic_bp=70)), "id": ids[1]}),
            f"screening {ids[1]}: its answers differ"),
        "delete a screening": ((f"DELETE FROM screenings WHERE id = {ids[2]}", {}),
                               f"screening {ids[2]} was submitted (audited) but is missing"),
    }


@pytest.mark.parametrize("case", ["delete a row", "insert a back-dated row", "edit a row",
                                  "rewrite a screening's answers", "delete a screening"])
def test_each_kind_of_tampering_is_found_and_named(filled, case):
    store, ids = filled
    statement, named = _tampering(store, ids, _audit_ids(store))[case]
    _tamper(store, statement)
    report = _verify(store)
    assert not report.ok
    assert named in report.problem


def test_a_screening_inserted_outside_the_application_is_found(filled):
    store, ids = filled
    with store.session() as session:  # a copy of a real row, as raw SQL would add it
        row = session.get(ScreeningRow, ids[0])
        values = {c.name: getattr(row, c.key) for c in ScreeningRow.__table__.columns
                  if c.name not in ("id", "public_id", "idempotency_key")}
        session.execute(ScreeningRow.__table__.insert().values(
            public_id="00000000-0000-4000-8000-000000000000", **values))
    report = _verify(store)
    assert not report.ok and "has no submit row in the audit log" in report.problem


def test_appends_after_tampering_do_not_heal_the_chain(filled):
    store, _ids = filled
    victim = _audit_ids(store)[1]
    _tamper(store, (f"DELETE FROM audit_log WHERE id = {victim}", {}))
    record_audit("doc", audit.QUEUE_VIEW, None, {"rows": 1})
    assert f"audit row {victim + 1}" in _verify(store).problem


def test_verify_command_exits_0_then_1_naming_the_row_and_checks_an_anchor(filled, store_url):
    store, _ids = filled
    code, out, err = run(["verify"], store_url)
    assert code == 0, err
    assert "screenings: 3 verified" in out and "OK audit chain and screenings verify" in out
    head = out.split("head ", 1)[1].split()[0]
    assert run(["verify", "--anchor", head], store_url)[0] == 0
    wrong = head.split(":")[0] + ":" + "f" * 64
    code, _, err = run(["verify", "--anchor", wrong], store_url)
    assert code == 1 and "differs from the recorded anchor" in err
    assert run(["verify", "--anchor", "nonsense"], store_url)[0] == 2
    victim = _audit_ids(store)[3]
    reset_stores()
    _tamper(get_store(store_url), (f"UPDATE audit_log SET details = :d WHERE id = {victim}",
                                   {"d": json.dumps({"rows": 99})}))
    code, out, err = run(["verify"], store_url)
    assert code == 1 and f"BROKEN: audit row {victim} does not match" in err


def test_existing_rows_are_chained_by_the_migration(store_url, tmp_path):
    """A database at 0014 with audit rows: the upgrade chains them and verify passes."""
    from alembic import command

    from store.db import _alembic_config, _make_engine

    if store_url.startswith("postgresql"):
        reset_stores()
    engine = _make_engine(database_url(store_url))
    try:
        with engine.begin() as conn:
            command.upgrade(_alembic_config(conn), "0014_issue14")
            for i in range(3):
                conn.execute(text("INSERT INTO audit_log (at, actor, action, target, details) "
                                  "VALUES (:at, 'system', 'import', NULL, :d)"),
                             {"at": utcnow().replace(tzinfo=None) if engine.dialect.name == "sqlite"
                              else utcnow(), "d": json.dumps({"rows": i})})
        with engine.begin() as conn:
            command.upgrade(_alembic_config(conn), "head")
    finally:
        engine.dispose()
    reset_stores()
    store = get_store(store_url)
    with store.session(readonly=True) as session:
        assert session.scalar(select(func.count()).where(AuditRow.chain_hash.is_(None))) == 0
    assert _verify(store).ok
    # the append-only triggers are back
    with store.engine.connect() as conn, pytest.raises(Exception, match="append-only"), conn.begin():
        conn.execute(text("DELETE FROM audit_log"))


def test_every_table_and_screenings_column_has_a_privilege():
    from store import privileges
    from store.schema import Base

    classified = {"screenings", "screening_flags", *privileges.APPEND_ONLY, *privileges.WORKING}
    assert classified == set(Base.metadata.tables)
    columns = {c.name for c in ScreeningRow.__table__.columns}
    assert set(privileges.SCREENING_UPDATABLE) | set(privileges.SCREENING_SEALED) == columns
    assert not set(privileges.SCREENING_UPDATABLE) & set(privileges.SCREENING_SEALED)


def test_app_role_grants_refuse_a_bad_role_name():
    with pytest.raises(ValueError, match="identifier"):
        app_role_grants("app; DROP TABLE users")


@pytest.fixture
def app_role(store_db):
    if store_db.dialect != "postgresql":
        pytest.skip("roles are a PostgreSQL feature")
    role = "screening_app_test"
    with store_db.engine.begin() as conn:
        conn.exec_driver_sql(f"DROP OWNED BY {role}") if conn.scalar(
            text("SELECT 1 FROM pg_roles WHERE rolname = :r"), {"r": role}) else None
        conn.exec_driver_sql(f"DROP ROLE IF EXISTS {role}")
        conn.exec_driver_sql(f"CREATE ROLE {role} LOGIN")
        grant_app_role(conn, role)
    url = database_url(str(store_db.url.render_as_string(hide_password=False))).set(username=role)
    yield url
    reset_stores()
    with create_engine(database_url(store_db.url.render_as_string(hide_password=False))
                       ).begin() as conn:
        conn.exec_driver_sql(f"DROP OWNED BY {role}")
        conn.exec_driver_sql(f"DROP ROLE {role}")


def test_the_app_role_works_but_cannot_change_history(app_role, store_db):
    from store import authenticate, create_user, record_review

    reset_stores()
    app = get_store(app_role.render_as_string(hide_password=False))  # start-up as the app role
    sid = submit_screening(make_doc(), store=app).screening_id
    create_user("doc", "correct horse battery", "clinician", store=app)
    assert authenticate("doc", "correct horse battery", store=app).ok
    record_review(sid, "doc", "cleared", "fine", {}, None, confirm_open_flags=True, store=app)
    assert _verify(app).ok
    refused = [
        "UPDATE audit_log SET actor = 'x'", "DELETE FROM audit_log", "TRUNCATE audit_log",
        "UPDATE screenings SET document = '{}'", "UPDATE screenings SET first_name = 'x'",
        "DELETE FROM screenings", "DELETE FROM reviews", "UPDATE screening_notes SET body = ''",
        "CREATE TABLE sneaky (id int)", "DROP TRIGGER audit_log_no_update_delete ON audit_log",
    ]
    for sql in refused:
        with app.engine.connect() as conn:
            with pytest.raises(ProgrammingError, match=r"permission denied|must be owner"):
                conn.execute(text(sql))
            conn.rollback()
    with app.engine.begin() as conn:  # the columns a review changes stay writable
        conn.execute(text("UPDATE screenings SET reviewed_at = reviewed_at WHERE id = :i"), {"i": sid})


def test_grant_app_role_command_prints_the_sql_and_refuses_sqlite(store_url):
    code, out, err = run(["grant-app-role", "screening_app", "--print"], store_url)
    assert code == 0, err
    assert "GRANT SELECT, INSERT ON audit_log" in out and "DELETE ON screenings" not in out
    assert "GRANT UPDATE (review_status" in out and "document" not in out
    if not store_url.startswith("postgresql"):
        code, _, err = run(["grant-app-role", "screening_app"], store_url)
        assert code == 1 and "PostgreSQL" in err
    assert run(["grant-app-role", "x; DROP TABLE users", "--print"], store_url)[0] == 1
