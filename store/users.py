"""Clinic accounts: argon2id passwords, lockout after repeated failures, audited logins.

``authenticate`` takes the same hashing time whether or not the username exists, refuses
a locked account even with the right password until the lock ends, and writes an audit
row for every success, failure and lock. Usernames are case-insensitive (stored casefolded).
"""

from __future__ import annotations

import gzip
import logging
import re
import string
from datetime import datetime, timedelta
from functools import lru_cache
from pathlib import Path

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError
from sqlalchemy import select
from sqlalchemy.exc import IntegrityError

from store import audit
from store.db import Store, get_store
from store.models import AuthResult, Role, UserExists, UserNotFound, UserView
from store.schema import ROLES, UserRow, utcnow

log = logging.getLogger(__name__)

MIN_PASSWORD_LENGTH = 12
MAX_PASSWORD_LENGTH = 1024
MAX_FAILED_ATTEMPTS = 5
LOCKOUT = timedelta(minutes=15)
USERNAME_RE = re.compile(r"^[a-z0-9][a-z0-9._@-]{1,63}$")
UNKNOWN_ACTOR = "unknown"  # what was typed as a username is never logged: it may be a password

# argon2id with the library's current recommended parameters; tests may swap in a cheaper one.
HASHER = PasswordHasher()


def normalise_username(username: str) -> str:
    return username.strip().casefold()


def check_username(username: str) -> str:
    """The stored form of a username, or ValueError saying what is allowed."""
    if not isinstance(username, str):
        raise ValueError("username must be text")
    name = normalise_username(username)
    if not USERNAME_RE.match(name):
        raise ValueError("username must be 2-64 characters: letters, digits and . _ @ -, "
                         "starting with a letter or digit")
    return name


# 19,640 passwords seen most often in breaches (Royce Williams' list, as shipped by Django
# under its BSD licence: store/data/common-passwords.LICENSE), one per line, lower case.
COMMON_PASSWORDS_FILE = Path(__file__).resolve().parent / "data" / "common-passwords.txt.gz"
_DECORATION = string.digits + string.punctuation + string.whitespace


@lru_cache(maxsize=1)
def common_passwords() -> frozenset[str]:
    with gzip.open(COMMON_PASSWORDS_FILE, "rt", encoding="utf-8") as handle:
        return frozenset(line.strip() for line in handle if line.strip())


def _repeats_a_short_unit(password: str) -> bool:
    """``aaaaaaaaaaaa``, twelve spaces, ``abcabcabcabc``: one to three characters repeated."""
    return any(len(password) % n == 0 and password == password[:n] * (len(password) // n)
               for n in (1, 2, 3))


def check_password(password: str) -> None:
    """ValueError saying why a new password is refused (length, a common or breached
    password, or a short unit repeated); the message never repeats the password."""
    if not isinstance(password, str) or len(password) < MIN_PASSWORD_LENGTH:
        raise ValueError(f"password must be at least {MIN_PASSWORD_LENGTH} characters")
    if len(password) > MAX_PASSWORD_LENGTH:
        raise ValueError(f"password must be at most {MAX_PASSWORD_LENGTH} characters")
    if _repeats_a_short_unit(password):
        raise ValueError("password must not be one character (or a few) repeated")
    folded = password.casefold()
    core = folded.strip(_DECORATION)  # "Password1234!" is "password" with decoration
    listed = common_passwords()
    if folded in listed or folded.strip() in listed or (len(core) >= 4 and core in listed):
        raise ValueError("password is on the list of common and breached passwords: "
                         "choose another (a few unrelated words work well)")


def _check_role(role: str) -> None:
    if role not in ROLES:
        raise ValueError(f"role must be one of: {', '.join(ROLES)}")


@lru_cache(maxsize=4)
def _dummy_hash(hasher: PasswordHasher) -> str:
    return hasher.hash("not a real password: equalises time for unknown usernames")


def _verify(password_hash: str, password: str) -> bool:
    if not isinstance(password, str) or len(password) > MAX_PASSWORD_LENGTH:
        password = ""
    try:
        return HASHER.verify(password_hash, password)
    except (VerificationError, InvalidHashError):
        return False


def _view(user: UserRow) -> UserView:
    return UserView(id=user.id, username=user.username, role=user.role,
                    active=user.active, failed_attempts=user.failed_attempts,
                    locked_until=user.locked_until, created_at=user.created_at,
                    last_login_at=user.last_login_at)


def create_user(username: str, password: str, role: Role, *, actor: str = "system",
                store: Store | None = None) -> UserView:
    """A new active account. Raises ValueError (bad input) or UserExists."""
    name = check_username(username)
    check_password(password)
    _check_role(role)
    password_hash = HASHER.hash(password)
    try:
        with (store or get_store()).session() as session:
            if session.scalar(select(UserRow.id).where(UserRow.username == name)) is not None:
                raise UserExists(f"user {name} already exists")
            user = UserRow(username=name, password_hash=password_hash, role=role, active=True,
                           failed_attempts=0, created_at=utcnow())
            session.add(user)
            session.flush()
            audit.write_audit(session, actor, audit.USER_CREATE, audit.target_of("user", user.id),
                              {"role": role})
            view = _view(user)
    except IntegrityError:
        raise UserExists(f"user {name} already exists") from None
    log.info("user %s created", view.id)
    return view


def authenticate(username: str, password: str, now: datetime | None = None, *,
                 store: Store | None = None) -> AuthResult:
    """Check a login. Five failures in a row lock the account for 15 minutes."""
    now = now or utcnow()
    name = normalise_username(username) if isinstance(username, str) else ""
    with (store or get_store()).session() as session:
        user = session.scalar(
            select(UserRow).where(UserRow.username == name).with_for_update()
        ) if USERNAME_RE.match(name) else None
        if user is None:
            _verify(_dummy_hash(HASHER), password)
            audit.write_audit(session, UNKNOWN_ACTOR, audit.LOGIN_FAILURE, None,
                              {"reason": "unknown_user"})
            return AuthResult(ok=False, reason="invalid")

        target = audit.target_of("user", user.id)
        if user.locked_until is not None and user.locked_until > now:
            _verify(user.password_hash, password)  # same work; the answer is no regardless
            audit.write_audit(session, user.username, audit.LOGIN_LOCKED, target,
                              {"refused": True, "locked_until": user.locked_until.isoformat()})
            return AuthResult(ok=False, reason="locked", locked_until=user.locked_until)
        if user.locked_until is not None:  # the lock has ended: a fresh start
            user.locked_until = None
            user.failed_attempts = 0

        if not _verify(user.password_hash, password):
            user.failed_attempts += 1
            audit.write_audit(session, user.username, audit.LOGIN_FAILURE, target,
                              {"reason": "bad_password", "failed_attempts": user.failed_attempts})
            if user.failed_attempts >= MAX_FAILED_ATTEMPTS:
                user.locked_until = now + LOCKOUT
                audit.write_audit(session, user.username, audit.LOGIN_LOCKED, target, {
                    "failed_attempts": user.failed_attempts,
                    "locked_until": user.locked_until.isoformat(),
                })
                log.warning("user %s locked after %s failed logins", user.id,
                            user.failed_attempts)
                return AuthResult(ok=False, reason="locked", locked_until=user.locked_until)
            return AuthResult(ok=False, reason="invalid")

        if not user.active:
            audit.write_audit(session, user.username, audit.LOGIN_FAILURE, target,
                              {"reason": "inactive"})
            return AuthResult(ok=False, reason="inactive")

        user.failed_attempts = 0
        user.last_login_at = now
        rehashed = HASHER.check_needs_rehash(user.password_hash)
        if rehashed:
            user.password_hash = HASHER.hash(password)
        audit.write_audit(session, user.username, audit.LOGIN_SUCCESS, target,
                          {"rehashed": rehashed})
        session.flush()
        return AuthResult(ok=True, reason="ok", user=_view(user))


def get_user(username: str, *, store: Store | None = None) -> UserView | None:
    with (store or get_store()).session(readonly=True) as session:
        user = session.scalar(select(UserRow)
                              .where(UserRow.username == normalise_username(username)))
        return _view(user) if user is not None else None


def list_users(*, actor: str | None = None, store: Store | None = None) -> list[UserView]:
    """Every account by username; with ``actor`` the listing is audited (``user_list``)."""
    with (store or get_store()).session(readonly=actor is None) as session:
        users = [_view(u) for u in session.scalars(select(UserRow).order_by(UserRow.username))]
        if actor is not None:
            audit.write_audit(session, actor, audit.USER_LIST, None, {"users": len(users)})
        return users


def _update_user(username: str, actor: str, store: Store | None, *, active: bool | None = None,
                 password: str | None = None, unlock: bool = False) -> UserView:
    with (store or get_store()).session() as session:
        user = session.scalar(select(UserRow)
                              .where(UserRow.username == normalise_username(username))
                              .with_for_update())
        if user is None:
            raise UserNotFound(f"no user {normalise_username(username)}")
        changed: list[str] = []
        if active is not None:
            user.active = active
            changed.append("active" if active else "inactive")
        if password is not None:
            user.password_hash = HASHER.hash(password)
            user.failed_attempts = 0
            user.locked_until = None
            changed.append("password")
        if unlock:
            user.failed_attempts = 0
            user.locked_until = None
            changed.append("unlocked")
        audit.write_audit(session, actor, audit.USER_UPDATE, audit.target_of("user", user.id),
                          {"changed": changed})
        session.flush()
        return _view(user)


def set_user_active(username: str, active: bool, *, actor: str,
                    store: Store | None = None) -> UserView:
    """Deactivate (or reactivate) an account; an inactive account cannot log in."""
    return _update_user(username, actor, store, active=active)


def unlock_user(username: str, *, actor: str, store: Store | None = None) -> UserView:
    """End a sign-in throttle: failed attempts back to zero (audited ``user_update``)."""
    return _update_user(username, actor, store, unlock=True)


def set_password(username: str, password: str, *, actor: str,
                 store: Store | None = None) -> UserView:
    """Replace a password (also ends any lockout)."""
    check_password(password)
    return _update_user(username, actor, store, password=password)
