"""Pytest fixtures for tests that use the store (load with ``pytest_plugins``).

``store_db`` points ``DATABASE_URL`` at a fresh SQLite file for one test and makes
password hashing cheap (the parameters, not the algorithm: still argon2id).

Set ``STORE_TEST_POSTGRES_URL`` (e.g. ``postgresql+psycopg://postgres@127.0.0.1/test``, a
database the tests may wipe) to run the same tests on PostgreSQL instead; tests that
check SQLite specifics use ``sqlite_db``, which skips on PostgreSQL.
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path

import pytest
from argon2 import PasswordHasher
from sqlalchemy import create_engine, text

from store import users
from store.db import Store, database_url, get_store, reset_stores
from store.schema import Base

POSTGRES_ENV = "STORE_TEST_POSTGRES_URL"
FAST_HASHER = PasswordHasher(time_cost=1, memory_cost=8, parallelism=1)



def _wipe_postgres(url: str) -> None:
    engine = create_engine(database_url(url))
    try:
        with engine.begin() as conn:
            Base.metadata.drop_all(conn)
            conn.execute(text("DROP FUNCTION IF EXISTS audit_log_append_only()"))
            conn.execute(text("DROP TABLE IF EXISTS alembic_version"))
    finally:
        engine.dispose()


@pytest.fixture
def store_url(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> str:
    url = os.environ.get(POSTGRES_ENV)
    if url:
        reset_stores()
        _wipe_postgres(url)
    else:
        url = f"sqlite:///{tmp_path / 'store.sqlite3'}"
    monkeypatch.setenv("DATABASE_URL", url)
    return url


@pytest.fixture
def store_db(store_url: str, monkeypatch: pytest.MonkeyPatch) -> Iterator[Store]:
    monkeypatch.setattr(users, "HASHER", FAST_HASHER)
    users.UNKNOWN_NAMES.clear()  # sign-in delays of unknown usernames live in the process
    reset_stores()
    yield get_store()
    reset_stores()


@pytest.fixture
def sqlite_db(store_db: Store) -> Store:
    if store_db.dialect != "sqlite":
        pytest.skip("checks SQLite specifics")
    return store_db
