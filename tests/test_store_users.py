"""Clinic accounts: argon2id, case-insensitive usernames, throttled sign-ins, remembered
devices, audited logins."""

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
from store.schema import TrustedDeviceRow, UserRow, utcnow
from store.throttle import MAX_DELAY_SECONDS

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


def test_failures_throttle_with_growing_delays_instead_of_a_lock(alice, monkeypatch):
    calls = []
    real = users_module._verify
    monkeypatch.setattr(users_module, "_verify", lambda h, p: calls.append(1) or real(h, p))
    start = utcnow()
    waits = [authenticate("alice", "wrong password!", now=start + timedelta(seconds=300 * i))
             .retry_after for i in range(6)]
    assert waits == [None, None, 1, 2, 4, 8]  # 2 ** (n - 3) after the third failure
    last = start + timedelta(seconds=1500)
    assert get_user("alice").locked_until == last + timedelta(seconds=8)

    # Too early: refused unchecked, even with the right password; no hash spent.
    hashed = len(calls)
    for later in (0, 7):
        refused = authenticate("alice", PASSWORD, now=last + timedelta(seconds=later))
        assert (refused.ok, refused.reason) == (False, "throttled")
        assert refused.retry_after == 8 - later
    assert len(calls) == hashed
    assert actions()[-2:] == ["login_throttled"] * 2
    rows, _ = list_audit(AuditFilters(action="login_throttled"))
    assert rows[0].details == {"scope": "account", "retry_after": 1}

    # In time: the right password passes and ends the delay.
    after = authenticate("alice", PASSWORD, now=last + timedelta(seconds=8))
    assert after.ok and after.user.failed_attempts == 0 and after.user.locked_until is None


def test_the_delay_is_capped(alice):
    start = utcnow()
    for i in range(20):
        result = authenticate("alice", "wrong password!", now=start + timedelta(hours=i))
    assert result.retry_after == MAX_DELAY_SECONDS == 300


def test_a_remembered_device_passes_the_accounts_throttle(alice):
    start = utcnow()
    device = authenticate("alice", PASSWORD, now=start).device_token
    assert device and len(device) >= 40
    with users_module.get_store().session(readonly=True) as session:  # only its hash is kept
        stored = session.scalar(select(TrustedDeviceRow.token_hash))
    assert stored != device and device not in repr(actions())
    for i in range(8):  # an attacker elsewhere keeps the account throttled
        authenticate("alice", f"guess {i}!!!!!!!", now=start + timedelta(seconds=i * 60))
    attack_end = start + timedelta(seconds=7 * 60)
    assert authenticate("alice", PASSWORD, now=attack_end).reason == "throttled"
    assert authenticate("alice", PASSWORD, now=attack_end, device_token="x" * 43).reason == "throttled"
    passed = authenticate("alice", PASSWORD, now=attack_end, device_token=device)
    assert passed.ok and passed.device_token is None  # already remembered
    rows, _ = list_audit(AuditFilters(action="login_success"))
    assert rows[0].details["known_device"] and rows[0].details["passed_throttle"]


def test_a_remembered_device_gets_no_free_guesses(alice):
    start = utcnow()
    device = authenticate("alice", PASSWORD, now=start).device_token
    for i in range(3):  # three wrong passwords from the device itself (a stolen token)
        authenticate("alice", "wrong password!", now=start + timedelta(minutes=i),
                     device_token=device)
    late = start + timedelta(minutes=2)
    assert authenticate("alice", PASSWORD, now=late, device_token=device).reason == "throttled"


def test_a_new_password_forgets_remembered_devices(alice):
    start = utcnow()
    device = authenticate("alice", PASSWORD, now=start).device_token
    set_password("alice", "a brand new password", actor="admin")
    for i in range(4):
        authenticate("alice", "wrong password!", now=start + timedelta(minutes=i))
    late = start + timedelta(minutes=3)
    assert authenticate("alice", "a brand new password", now=late,
                        device_token=device).reason == "throttled"


def test_unknown_usernames_are_throttled_like_accounts(store_db):
    start = utcnow()
    waits = [authenticate("mallory", PASSWORD, now=start + timedelta(minutes=i)).retry_after
             for i in range(4)]
    assert waits == [None, None, 1, 2]
    early = authenticate("mallory", PASSWORD, now=start + timedelta(minutes=3, seconds=1))
    assert (early.reason, early.retry_after) == ("throttled", 1)
    rows, _ = list_audit(AuditFilters(action="login_throttled"))
    assert rows[0].actor == "unknown" and "mallory" not in repr(rows)


def test_a_success_resets_the_failure_count(alice):
    start = utcnow()
    for i in range(4):
        authenticate("alice", "wrong password!", now=start + timedelta(minutes=i))
    assert authenticate("alice", PASSWORD, now=start + timedelta(minutes=5)).ok
    for i in range(2):
        assert authenticate("alice", "wrong password!",
                            now=start + timedelta(minutes=6 + i)).retry_after is None


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
    assert rows[0].details["rehashed"] is True
    assert authenticate("alice", PASSWORD).ok


def test_inactive_accounts_cannot_log_in(alice):
    set_user_active("alice", False, actor="admin")
    result = authenticate("alice", PASSWORD)
    assert (result.ok, result.reason) == (False, "inactive")
    set_user_active("alice", True, actor="admin")
    assert authenticate("alice", PASSWORD).ok


def test_setting_a_password_ends_a_throttle(alice):
    for _ in range(5):
        authenticate("alice", "wrong password!")
    assert authenticate("alice", "a brand new password").reason == "throttled"
    set_password("alice", "a brand new password", actor="admin")
    assert authenticate("alice", "a brand new password").ok
    assert not authenticate("alice", PASSWORD).ok
