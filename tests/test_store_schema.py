"""The store's database: settings, SQLite setup, idempotent schema, append-only audit log."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta, timezone

import pytest
from sqlalchemy import inspect, select, text
from sqlalchemy.exc import DatabaseError, IntegrityError, StatementError

from store import audit, database_url, get_store, reset_stores
from store.db import DEFAULT_SQLITE_PATH, SQLITE_BUSY_TIMEOUT_MS, _ensure_schema
from store.schema import AuditRow, FlagRow

TABLES = {"drafts", "screenings", "screening_flags", "users", "reviews", "flag_acknowledgements",
          "audit_log", "alembic_version", "reevaluation_runs", "screening_evaluations"}
TABLES |= {"alert_outbox", "invitations", "screening_checkins"}  # issue 13
TABLES |= {"screening_notes", "screening_assignments"}  # issue 14
TABLES |= {"trusted_devices"}  # issue 11


def _schema(store) -> dict:
    inspector = inspect(store.engine)
    tables = {t: sorted(i["name"] for i in inspector.get_indexes(t))
              for t in inspector.get_table_names()}
    with store.engine.connect() as conn:
        if store.dialect == "sqlite":
            triggers = conn.execute(text("SELECT name FROM sqlite_master WHERE type = 'trigger'"))
        else:
            triggers = conn.execute(text("SELECT tgname FROM pg_trigger WHERE NOT tgisinternal"))
        return {"tables": tables, "triggers": sorted(r[0] for r in triggers)}


def test_schema_is_created_on_first_use_and_creation_is_idempotent(store_db, store_url):
    before = _schema(store_db)
    assert set(before["tables"]) == TABLES
    assert "ix_screenings_queue" in before["tables"]["screenings"]
    # SQLite: update + delete; PostgreSQL: row + truncate; on the audit log, the notes and
    # the hand-offs (append-only)
    assert len(before["triggers"]) == 6
    _ensure_schema(store_db.engine)  # again on the same engine
    reset_stores()
    again = get_store(store_url)  # and from a new process-level store
    assert again is not store_db
    assert _schema(again) == before


def test_get_store_is_cached_per_url(store_db, store_url, tmp_path):
    assert get_store() is store_db
    assert get_store(store_url) is store_db
    other = get_store(f"sqlite:///{tmp_path / 'other.sqlite3'}")
    assert other is not store_db


@pytest.mark.parametrize(("pragma", "expected"), [
    ("journal_mode", "wal"),
    ("foreign_keys", 1),
    ("busy_timeout", SQLITE_BUSY_TIMEOUT_MS),
])
def test_sqlite_connections_are_set_up(sqlite_db, pragma, expected):
    for readonly in (False, True):
        with sqlite_db.session(readonly=readonly) as session:
            assert session.execute(text(f"PRAGMA {pragma}")).scalar() == expected


def test_foreign_keys_are_enforced(store_db):
    with pytest.raises(IntegrityError), store_db.session() as session:
        session.add(FlagRow(screening_id=999, position=0, rule_id="glaucoma", severity="review",
                            urgent=False))


@pytest.mark.parametrize("statement", [
    "UPDATE audit_log SET actor = 'someone else'",
    "DELETE FROM audit_log",
])
def test_the_database_refuses_to_change_the_audit_log(store_db, statement):
    with store_db.session() as session:
        audit.write_audit(session, "system", "export", "screening:1", {"rows": 3})
    with pytest.raises(DatabaseError, match="append-only"), store_db.session() as session:
        session.execute(text(statement))
    rows, total = audit.list_audit()
    assert total == 1 and rows[0].actor == "system" and rows[0].details == {"rows": 3}


@pytest.mark.parametrize(("details", "problem"), [
    ({"first_name": "Ann"}, "patient data"),
    ({"flags": [{"answers": {}}]}, "patient data"),
    ({"note": "called"}, "patient data"),
])
def test_audit_details_refuse_patient_data_keys(store_db, details, problem):
    with pytest.raises(ValueError, match=problem), store_db.session() as session:
        audit.write_audit(session, "system", "export", None, details)
    assert audit.list_audit()[1] == 0


def test_timestamps_are_stored_in_utc_and_read_back_aware(store_db):
    plus_two = datetime(2026, 3, 1, 12, 0, tzinfo=timezone(timedelta(hours=2)))
    with store_db.session() as session:
        session.add(AuditRow(at=plus_two, actor="system", action="export", details={}))
    with store_db.session(readonly=True) as session:
        stored = session.scalar(select(AuditRow.at))
        raw = session.execute(text("SELECT at FROM audit_log")).scalar()
    assert stored == plus_two and stored.tzinfo == UTC and stored.hour == 10
    if store_db.dialect == "sqlite":
        assert raw.startswith("2026-03-01 10:00:00")
    with pytest.raises(StatementError, match="timezone-aware"), store_db.session() as session:
        session.add(AuditRow(at=datetime(2026, 3, 1), actor="system", action="export",
                             details={}))


@pytest.mark.parametrize(("given", "expected"), [
    (None, f"sqlite:///{DEFAULT_SQLITE_PATH}"),
    ("sqlite:////tmp/x.sqlite3", "sqlite:////tmp/x.sqlite3"),
    ("postgresql://app:pw@db/screening", "postgresql+psycopg://app:***@db/screening"),
    ("postgres://app:pw@db/screening", "postgresql+psycopg://app:***@db/screening"),
    ("postgresql+psycopg://app@db/screening", "postgresql+psycopg://app@db/screening"),
])
def test_database_url(monkeypatch, given, expected):
    monkeypatch.delenv("DATABASE_URL", raising=False)
    assert str(database_url(given)) == expected


def test_default_database_is_var_sqlite_under_the_repo(monkeypatch):
    monkeypatch.delenv("DATABASE_URL", raising=False)
    assert DEFAULT_SQLITE_PATH.parts[-2:] == ("var", "screening.sqlite3")
    assert (DEFAULT_SQLITE_PATH.parent.parent / "store" / "db.py").is_file()


def test_sqlite_directory_is_created_on_demand(tmp_path, monkeypatch):
    path = tmp_path / "new" / "dir" / "db.sqlite3"
    monkeypatch.setenv("DATABASE_URL", f"sqlite:///{path}")
    try:
        get_store()
        assert path.is_file()
    finally:
        reset_stores()


def test_migrations_match_the_models(store_db):
    """A schema change without a migration fails here: autogenerate finds nothing to do."""
    from alembic.autogenerate import compare_metadata
    from alembic.migration import MigrationContext

    from store.schema import Base

    def include(obj, name, type_, reflected, compare_to):
        return name != "ix_screenings_name_trgm"  # PostgreSQL-only index (migration 0002)

    with store_db.engine.connect() as conn:
        context = MigrationContext.configure(conn, opts={"include_object": include})
        diff = compare_metadata(context, Base.metadata)
    assert diff == []


def test_database_made_before_migrations_is_stamped_and_kept(tmp_path):
    """A database from create_all (before Alembic) keeps its rows and is brought under
    migrations instead of failing on 'table already exists'."""
    from alembic import command
    from alembic.script import ScriptDirectory
    from sqlalchemy import create_engine, text

    from store.db import MIGRATIONS_DIR, _alembic_config

    url = f"sqlite:///{tmp_path / 'old.sqlite3'}"
    old = create_engine(url)
    with old.begin() as conn:  # the schema of 0001, as create_all made it, without alembic_version
        command.upgrade(_alembic_config(conn), "0001")
        conn.execute(text("DROP TABLE alembic_version"))
    with old.begin() as conn:
        conn.execute(text("INSERT INTO audit_log (at, actor, action, details) "
                          "VALUES ('2026-01-01 00:00:00', 'system', 'import', '{}')"))
    old.dispose()
    reset_stores()
    store = get_store(url)
    with store.engine.connect() as conn:
        head = ScriptDirectory(str(MIGRATIONS_DIR)).get_current_head()
        assert conn.execute(text("SELECT version_num FROM alembic_version")).scalar() == head
        assert conn.execute(text("SELECT count(*) FROM audit_log")).scalar() == 1
    reset_stores()
