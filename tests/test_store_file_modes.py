"""The SQLite database holds patient data: its folder is 0700 and its files 0600
(database, -wal, -shm), whatever the umask, and older 0755/0644 installs are tightened."""

from __future__ import annotations

import os
import stat
from pathlib import Path

import pytest

from services import intake
from store import db, get_store, reset_stores
from tests.conftest import make_doc


def _mode(path: Path) -> int:
    return stat.S_IMODE(path.stat().st_mode)


@pytest.fixture
def loose_umask():
    old = os.umask(0o022)  # the usual umask that made the files world-readable
    yield
    os.umask(old)


@pytest.fixture
def sqlite_url(tmp_path, monkeypatch):
    if os.environ.get("STORE_TEST_POSTGRES_URL"):
        pytest.skip("checks SQLite files")
    path = tmp_path / "var" / "screening.sqlite3"
    monkeypatch.setenv("DATABASE_URL", f"sqlite:///{path}")
    reset_stores()
    yield path
    reset_stores()


def test_new_database_folder_and_files_are_private(sqlite_url, loose_umask):
    intake.submit(make_doc(), store=get_store())  # a write: -wal and -shm exist now
    files = [Path(f"{sqlite_url}{suffix}") for suffix in ("", "-wal", "-shm")]
    assert all(f.exists() for f in files)
    assert _mode(sqlite_url.parent) == 0o700
    assert {f.name: _mode(f) for f in files} == {f.name: 0o600 for f in files}


def test_an_older_world_readable_install_is_tightened(sqlite_url, loose_umask, monkeypatch):
    monkeypatch.setattr(db, "DEFAULT_SQLITE_PATH", sqlite_url)  # the default var/ folder
    intake.submit(make_doc(), store=get_store())
    reset_stores()
    os.chmod(sqlite_url.parent, 0o755)
    for suffix in ("", "-wal", "-shm"):
        if Path(f"{sqlite_url}{suffix}").exists():
            os.chmod(f"{sqlite_url}{suffix}", 0o644)
    get_store()
    assert _mode(sqlite_url.parent) == 0o700
    assert _mode(sqlite_url) == 0o600
    for suffix in ("-wal", "-shm"):
        if Path(f"{sqlite_url}{suffix}").exists():
            assert _mode(Path(f"{sqlite_url}{suffix}")) == 0o600


def test_an_operator_chosen_existing_folder_is_left_alone(tmp_path, monkeypatch, loose_umask):
    if os.environ.get("STORE_TEST_POSTGRES_URL"):
        pytest.skip("checks SQLite files")
    folder = tmp_path / "shared"
    folder.mkdir(mode=0o750)
    os.chmod(folder, 0o750)
    monkeypatch.setenv("DATABASE_URL", f"sqlite:///{folder / 'x.sqlite3'}")
    reset_stores()
    try:
        get_store()
        assert _mode(folder) == 0o750
        assert _mode(folder / "x.sqlite3") == 0o600
    finally:
        reset_stores()
