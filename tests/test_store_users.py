"""Clinic accounts: argon2id, case-insensitive usernames, lockout, audited logins."""

from __future__ import annotations

from datetime import timedelta

import pytest
from argon2 import PasswordHasher
from sqlalchemy import select

from store import (
    UserExists,
    authenticate,
    create_user,
    get_user,
    list_audit,
    set_password,
    set_user_active,
)
from store import users as users_module
from store.models import AuditFilters
from store.schema import UserRow, utcnow

PASSWORD = "correct horse battery"


@pytest.fixture
def alice(store_db):
    return create_user("Alice", PASSWORD, "clinician")


def actions() -> list[str]:
    rows, _ = list_audit(page_size=200)
    return [r.action for r in reversed(rows)]


def test_passwords_are_argon2id_and_usernames_casefolded(alice, store_db):
    assert alice.username == "alice" and alice.role == "clinician" and alice.active
    with store_db.session(readonly=True) as session:
        stored = session.scalar(select(UserRow.password_hash))
    assert stored.startswith("$argon2id$") and PASSWORD not in stored
    with pytest.raises(UserExists):
        create_user("ALICE", PASSWORD, "admin")


@pytest.mark.parametrize(("username", "password", "role", "message"), [
    ("bob", "short", "clinician", "at least 12"),
    ("bob", "x" * 2000, "clinician", "at most"),
    ("bob", PASSWORD, "superuser", "role"),
    ("b", PASSWORD, "clinician", "username"),
    ("bob smith", PASSWORD, "clinician", "username"),
])
def test_bad_accounts_are_refused(store_db, username, password, role, message):
    with pytest.raises(ValueError, match=message):
        create_user(username, password, role)
    assert get_user(username) is None


@pytest.mark.parametrize(("username", "password", "ok", "reason"), [
    ("alice", PASSWORD, True, "ok"),
    ("  ALICE ", PASSWORD, True, "ok"),
    ("alice", PASSWORD.upper(), False, "invalid"),
    ("alice", "", False, "invalid"),
    ("mallory", PASSWORD, False, "invalid"),
    ("' OR 1=1 --", PASSWORD, False, "invalid"),
])
def test_authenticate(alice, username, password, ok, reason):
    result = authenticate(username, password)
    assert (result.ok, result.reason) == (ok, reason)
    assert (result.user is not None) == ok
    assert actions()[-1] == ("login_success" if ok else "login_failure")


def test_a_successful_login_is_recorded(alice):
    result = authenticate("alice", PASSWORD)
    assert result.user.last_login_at is not None
    rows, _ = list_audit(AuditFilters(action="login_success"))
    assert rows[0].actor == "alice" and rows[0].target == f"user:{alice.id}"


def test_unknown_usernames_take_hashing_time_and_are_not_logged(alice, monkeypatch):
    calls = []

    class Counting(PasswordHasher):
        def verify(self, hash, password):
            calls.append(hash)
            return super().verify(hash, password)

    monkeypatch.setattr(users_module, "HASHER", Counting(time_cost=1, memory_cost=8,
                                                          parallelism=1))
    assert not authenticate("typed-my-password-here", PASSWORD).ok
    assert len(calls) == 1 and calls[0].startswith("$argon2id$")
    rows, _ = list_audit(AuditFilters(action="login_failure"))
    assert rows[0].actor == "unknown" and "typed-my-password-here" not in repr(rows)


def test_five_failures_lock_for_fifteen_minutes(alice):
    start = utcnow()
    for attempt in range(1, 5):
        result = authenticate("alice", "wrong password!", now=start)
        assert result.reason == "invalid", attempt
    fifth = authenticate("alice", "wrong password!", now=start)
    assert fifth.reason == "locked" and fifth.locked_until == start + timedelta(minutes=15)

    # Locked: even the right password is refused until the lock ends.
    for later in (timedelta(seconds=1), timedelta(minutes=14, seconds=59)):
        refused = authenticate("alice", PASSWORD, now=start + later)
        assert not refused.ok and refused.reason == "locked"
    assert get_user("alice").locked_until == start + timedelta(minutes=15)

    after = authenticate("alice", PASSWORD, now=start + timedelta(minutes=15))
    assert after.ok and after.user.failed_attempts == 0 and after.user.locked_until is None
    assert actions() == ["user_create"] + ["login_failure"] * 5 + ["login_locked"] * 3 + [
        "login_success"]


def test_a_lock_that_ended_gives_five_new_attempts(alice):
    start = utcnow()
    for _ in range(5):
        authenticate("alice", "wrong password!", now=start)
    later = start + timedelta(minutes=16)
    assert authenticate("alice", "wrong password!", now=later).reason == "invalid"
    assert get_user("alice").failed_attempts == 1


def test_a_success_resets_the_failure_count(alice):
    for _ in range(4):
        authenticate("alice", "wrong password!")
    assert authenticate("alice", PASSWORD).ok
    for _ in range(4):
        assert authenticate("alice", "wrong password!").reason == "invalid"


def test_old_hash_parameters_are_upgraded_at_login(alice, store_db, monkeypatch):
    stronger = PasswordHasher(time_cost=2, memory_cost=16, parallelism=1)
    monkeypatch.setattr(users_module, "HASHER", stronger)
    with store_db.session(readonly=True) as session:
        before = session.scalar(select(UserRow.password_hash))
    assert stronger.check_needs_rehash(before)
    assert authenticate("alice", PASSWORD).ok
    with store_db.session(readonly=True) as session:
        after = session.scalar(select(UserRow.password_hash))
    assert after != before and not stronger.check_needs_rehash(after)
    rows, _ = list_audit(AuditFilters(action="login_success"))
    assert rows[0].details == {"rehashed": True}
    assert authenticate("alice", PASSWORD).ok


def test_inactive_accounts_cannot_log_in(alice):
    set_user_active("alice", False, actor="admin")
    result = authenticate("alice", PASSWORD)
    assert (result.ok, result.reason) == (False, "inactive")
    set_user_active("alice", True, actor="admin")
    assert authenticate("alice", PASSWORD).ok


def test_setting_a_password_ends_a_lock(alice):
    for _ in range(5):
        authenticate("alice", "wrong password!")
    set_password("alice", "a brand new password", actor="admin")
    assert authenticate("alice", "a brand new password").ok
    assert not authenticate("alice", PASSWORD).ok
