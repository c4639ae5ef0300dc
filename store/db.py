"""Database settings, engine and sessions: ``get_store()`` and ``Store.session()``.

``DATABASE_URL`` is any SQLAlchemy URL; without it the app uses the SQLite file
``var/screening.sqlite3`` under the repository root. ``postgres://`` and ``postgresql://``
URLs are given the psycopg 3 driver. The schema is created on first use (idempotent).

SQLite is set up on every new connection: WAL journal, foreign keys on, a busy timeout,
and ``BEGIN IMMEDIATE`` for write sessions so that concurrent writers wait for each other
instead of failing when a read lock cannot be upgraded.
"""

from __future__ import annotations

import logging
import os
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import TYPE_CHECKING, Any

from sqlalchemy import Engine, create_engine, event, make_url
from sqlalchemy.engine import URL, Connection, CursorResult, Result
from sqlalchemy.orm import Session, sessionmaker
from sqlalchemy.pool import StaticPool

if TYPE_CHECKING:
    from alembic.config import Config as AlembicConfig

log = logging.getLogger(__name__)

ROOT = Path(__file__).resolve().parent.parent
DEFAULT_SQLITE_PATH = ROOT / "var" / "screening.sqlite3"
SQLITE_BUSY_TIMEOUT_MS = 10_000
_IMMEDIATE = "store_begin_immediate"

_AUDIT_MESSAGE = "audit log is append-only"
_SQLITE_TRIGGERS = tuple(
    f"CREATE TRIGGER IF NOT EXISTS audit_log_no_{op.lower()} BEFORE {op} ON audit_log "
    f"BEGIN SELECT RAISE(ABORT, '{_AUDIT_MESSAGE}'); END"
    for op in ("UPDATE", "DELETE")
)
_PG_FUNCTION = f"""
CREATE OR REPLACE FUNCTION audit_log_append_only() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
    RAISE EXCEPTION '{_AUDIT_MESSAGE}';
END
$$"""
_PG_TRIGGERS = (
    ("audit_log_no_update_delete", "BEFORE UPDATE OR DELETE", "FOR EACH ROW"),
    ("audit_log_no_truncate", "BEFORE TRUNCATE", "FOR EACH STATEMENT"),
)
_PG_SCHEMA_LOCK = 7_412_026  # pg_advisory_xact_lock key: one process creates the schema


def database_url(url: str | None = None) -> URL:
    """The URL to use: the argument, else ``DATABASE_URL``, else the default SQLite file."""
    raw = url or os.environ.get("DATABASE_URL") or f"sqlite:///{DEFAULT_SQLITE_PATH}"
    parsed = make_url(raw)
    if parsed.drivername in ("postgres", "postgresql"):
        parsed = parsed.set(drivername="postgresql+psycopg")
    return parsed


DIR_MODE, FILE_MODE = 0o700, 0o600  # the database holds patient data: its owner only
_SQLITE_COMPANIONS = ("", "-wal", "-shm", "-journal")


def _private_sqlite_file(path: Path) -> None:
    """Create the database folder 0700 and the database file 0600 before SQLite opens it.

    SQLite creates its ``-wal``, ``-shm`` and ``-journal`` files with the database file's
    permissions, so they are private too. An existing default ``var/`` folder and existing
    files are tightened (an older install made them 0755/0644). A folder the operator
    chose (``DATABASE_URL``) is created 0700 but an existing one is left as it is.
    """
    folder = path.parent
    if not folder.exists():
        folder.mkdir(mode=DIR_MODE, parents=True, exist_ok=True)
        os.chmod(folder, DIR_MODE)  # mkdir's mode is filtered by the umask
    elif folder.resolve() == DEFAULT_SQLITE_PATH.parent.resolve():
        os.chmod(folder, DIR_MODE)
    if not path.exists():
        os.close(os.open(path, os.O_CREAT | os.O_WRONLY, FILE_MODE))
    for suffix in _SQLITE_COMPANIONS:
        companion = Path(f"{path}{suffix}")
        if companion.exists() and companion.stat().st_mode & 0o077:
            os.chmod(companion, FILE_MODE)


def _is_sqlite_memory(url: URL) -> bool:
    return url.get_backend_name() == "sqlite" and url.database in (None, "", ":memory:")


def _make_engine(url: URL) -> Engine:
    if url.get_backend_name() != "sqlite":
        return create_engine(url, pool_pre_ping=True, hide_parameters=True)
    kwargs: dict[str, Any] = {}
    if _is_sqlite_memory(url):
        kwargs = {"poolclass": StaticPool, "connect_args": {"check_same_thread": False}}
    elif url.database and not url.database.startswith("file:"):
        _private_sqlite_file(Path(url.database).expanduser())
    # hide_parameters: a database error message must never carry answers or names.
    engine = create_engine(url, hide_parameters=True, **kwargs)

    @event.listens_for(engine, "connect")
    def _on_connect(dbapi_connection: Any, _record: Any) -> None:
        # Transactions are begun by the "begin" listener below, not by the driver.
        dbapi_connection.isolation_level = None
        cursor = dbapi_connection.cursor()
        try:
            cursor.execute(f"PRAGMA busy_timeout = {SQLITE_BUSY_TIMEOUT_MS}")
            cursor.execute("PRAGMA foreign_keys = ON")
            cursor.execute("PRAGMA journal_mode = WAL")
            cursor.execute("PRAGMA synchronous = NORMAL")
            # Queue queries read many index pages: keep them in memory (64 MB per connection
            # at most, and memory-mapped reads instead of copies).
            cursor.execute("PRAGMA cache_size = -65536")
            cursor.execute("PRAGMA mmap_size = 268435456")
        finally:
            cursor.close()

    @event.listens_for(engine, "begin")
    def _on_begin(conn: Connection) -> None:
        immediate = conn.get_execution_options().get(_IMMEDIATE, False)
        conn.exec_driver_sql("BEGIN IMMEDIATE" if immediate else "BEGIN")

    return engine


def create_audit_triggers(conn: Connection) -> None:
    """The database itself refuses UPDATE and DELETE on audit_log (used by migration 0001)."""
    if conn.dialect.name == "sqlite":
        for statement in _SQLITE_TRIGGERS:
            conn.exec_driver_sql(statement)
    elif conn.dialect.name == "postgresql":
        conn.exec_driver_sql(_PG_FUNCTION)
        for name, timing, level in _PG_TRIGGERS:
            conn.exec_driver_sql(f"DROP TRIGGER IF EXISTS {name} ON audit_log")
            conn.exec_driver_sql(f"CREATE TRIGGER {name} {timing} ON audit_log {level} "
                                 "EXECUTE FUNCTION audit_log_append_only()")
    else:
        log.warning("no append-only trigger for audit_log on dialect %s", conn.dialect.name)


def drop_audit_triggers(conn: Connection) -> None:
    if conn.dialect.name == "sqlite":
        for op in ("update", "delete"):
            conn.exec_driver_sql(f"DROP TRIGGER IF EXISTS audit_log_no_{op}")
    elif conn.dialect.name == "postgresql":
        for name, _timing, _level in _PG_TRIGGERS:
            conn.exec_driver_sql(f"DROP TRIGGER IF EXISTS {name} ON audit_log")
        conn.exec_driver_sql("DROP FUNCTION IF EXISTS audit_log_append_only()")


def rows_changed(result: Result[*tuple[Any, ...]]) -> int:
    """How many rows an UPDATE or DELETE statement changed."""
    if not isinstance(result, CursorResult):  # pragma: no cover - DML always has a cursor
        raise TypeError("not the result of an UPDATE or DELETE")
    return result.rowcount


MIGRATIONS_DIR = Path(__file__).resolve().parent / "migrations"


def _alembic_config(conn: Connection) -> AlembicConfig:
    from alembic.config import Config

    cfg = Config()
    cfg.set_main_option("script_location", str(MIGRATIONS_DIR))
    cfg.attributes["connection"] = conn
    return cfg


def _ensure_schema(engine: Engine) -> None:
    """Bring the schema to the newest migration (alembic ``upgrade head``).

    Serialised across processes (SQLite's write lock taken at BEGIN; an advisory lock on
    PostgreSQL), so replicas starting together do not collide. A database made before
    migrations existed (tables but no alembic_version) is stamped as the first revision.
    """
    from alembic import command
    from sqlalchemy import inspect

    with engine.execution_options(**{_IMMEDIATE: True}).begin() as conn:
        if engine.dialect.name == "postgresql":
            conn.exec_driver_sql(f"SELECT pg_advisory_xact_lock({_PG_SCHEMA_LOCK})")
        cfg = _alembic_config(conn)
        tables = set(inspect(conn).get_table_names())
        if "alembic_version" not in tables and "screenings" in tables:
            log.warning("database predates migrations: stamping it at revision 0001")
            command.stamp(cfg, "0001")
        command.upgrade(cfg, "head")


class Store:
    """An engine, its session factories and the ensured schema. Get one with ``get_store``."""

    def __init__(self, url: URL):
        self.url = url
        self.engine = _make_engine(url)
        _ensure_schema(self.engine)
        self._write = sessionmaker(self.engine.execution_options(**{_IMMEDIATE: True}),
                                   expire_on_commit=False)
        self._read = sessionmaker(self.engine, expire_on_commit=False)
        log.info("store ready (%s)", url.get_backend_name())

    @property
    def dialect(self) -> str:
        return self.engine.dialect.name

    @contextmanager
    def session(self, *, readonly: bool = False) -> Iterator[Session]:
        """One transaction: committed when the block ends, rolled back on an exception.

        Write sessions (the default) take SQLite's write lock at BEGIN; pass
        ``readonly=True`` for pure reads so they never wait for a writer.
        """
        factory = self._read if readonly else self._write
        with factory() as session, session.begin():
            yield session

    def dispose(self) -> None:
        self.engine.dispose()


_stores: dict[str, Store] = {}
_stores_lock = threading.Lock()


def get_store(url: str | None = None) -> Store:
    """The store for ``url`` (default: ``DATABASE_URL``), created once per URL and process."""
    resolved = database_url(url)
    key = resolved.render_as_string(hide_password=False)
    with _stores_lock:
        store = _stores.get(key)
        if store is None:
            store = _stores[key] = Store(resolved)
        return store


def reset_stores() -> None:
    """Dispose every cached store (tests, or after changing ``DATABASE_URL``)."""
    with _stores_lock:
        for store in _stores.values():
            store.dispose()
        _stores.clear()
