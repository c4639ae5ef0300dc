"""Clinic accounts: argon2id passwords, throttled (not locked) sign-ins, audited logins.

``authenticate`` takes the same hashing time whether or not the username exists, refuses
attempts that come before an account's growing delay has passed without hashing anything
(``store.throttle``), lets a correct password from a remembered device through that delay,
and writes an audit row for every success, failure and throttle. Usernames are
case-insensitive (stored casefolded).
"""

from __future__ import annotations

import gzip
import hashlib
import logging
import re
import secrets
import string
from datetime import datetime, timedelta
from functools import lru_cache
from pathlib import Path

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError
from sqlalchemy import delete, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from store import audit
from store.db import Store, get_store
from store.models import AuthResult, Role, UserExists, UserNotFound, UserView
from store.schema import ROLES, TrustedDeviceRow, UserRow, utcnow
from store.throttle import FREE_FAILURES, UnknownNames, delay_after, seconds_left

log = logging.getLogger(__name__)

MIN_PASSWORD_LENGTH = 12
MAX_PASSWORD_LENGTH = 1024
DEVICE_LIFETIME = timedelta(days=90)  # a remembered device passes the account's throttle
UNKNOWN_NAMES = UnknownNames()
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


def _token_hash(token: str) -> str:
    return hashlib.sha256(token.encode("utf-8", "surrogatepass")).hexdigest()


def _trusted_device(session: Session, user: UserRow, token: str | None,
                    now: datetime) -> TrustedDeviceRow | None:
    """This account's remembered device for ``token``, if it is current and not itself
    failing (a stolen token gets no more free guesses than anyone else)."""
    if not isinstance(token, str) or not 20 <= len(token) <= 128:
        return None
    device = session.scalar(select(TrustedDeviceRow).where(
        TrustedDeviceRow.token_hash == _token_hash(token),
        TrustedDeviceRow.user_id == user.id).with_for_update())
    if device is None or device.expires_at <= now or device.failed_attempts >= FREE_FAILURES:
        return None
    return device


def _remember_device(session: Session, user: UserRow, now: datetime) -> str:
    """A new device token for this account (only its hash is kept); old ones are pruned."""
    session.execute(delete(TrustedDeviceRow).where(TrustedDeviceRow.user_id == user.id,
                                                   TrustedDeviceRow.expires_at <= now))
    token = secrets.token_urlsafe(32)
    session.add(TrustedDeviceRow(user_id=user.id, token_hash=_token_hash(token), created_at=now,
                                 last_used_at=now, expires_at=now + DEVICE_LIFETIME,
                                 failed_attempts=0))
    session.flush()
    audit.write_audit(session, user.username, audit.DEVICE_TRUSTED, audit.target_of("user", user.id),
                      {"days": DEVICE_LIFETIME.days})
    return token


def _throttled(session: Session, actor: str, target: str | None, wait: int,
               scope: str) -> AuthResult:
    audit.write_audit(session, actor, audit.LOGIN_THROTTLED, target,
                      {"scope": scope, "retry_after": wait})
    return AuthResult(ok=False, reason="throttled", retry_after=wait)


def authenticate(username: str, password: str, now: datetime | None = None, *,
                 device_token: str | None = None, store: Store | None = None) -> AuthResult:
    """Check a sign-in, throttled instead of locked (``store.throttle``).

    After three consecutive failures each further failure doubles the wait before the next
    attempt (1 s, 2 s, 4 s ... at most 5 minutes). An early attempt is refused (reason
    ``throttled``, ``retry_after`` seconds) without hashing the password. A correct
    password from a device that signed in to this account before (``device_token``) is
    not held up by the account's delay, so nobody can lock a clinician out. A success
    returns a new ``device_token`` when the device was not remembered yet.
    """
    now = now or utcnow()
    name = normalise_username(username) if isinstance(username, str) else ""
    with (store or get_store()).session() as session:
        user = session.scalar(
            select(UserRow).where(UserRow.username == name).with_for_update()
        ) if USERNAME_RE.match(name) else None
        if user is None:  # throttled and hashed exactly like an account, so nothing is revealed
            backoff = UNKNOWN_NAMES.get(name)
            wait = backoff.wait(now)
            if wait:
                return _throttled(session, UNKNOWN_ACTOR, None, wait, "account")
            _verify(_dummy_hash(HASHER), password)
            delay = backoff.fail(now)
            audit.write_audit(session, UNKNOWN_ACTOR, audit.LOGIN_FAILURE, None,
                              {"reason": "unknown_user", "retry_after": delay})
            return AuthResult(ok=False, reason="invalid", retry_after=delay or None)

        target = audit.target_of("user", user.id)
        device = _trusted_device(session, user, device_token, now)
        wait = seconds_left(user.locked_until, now)
        if wait and device is None:
            return _throttled(session, user.username, target, wait, "account")

        if not _verify(user.password_hash, password):
            user.failed_attempts += 1
            delay = delay_after(user.failed_attempts)
            user.locked_until = now + timedelta(seconds=delay) if delay else None
            if device is not None:
                device.failed_attempts += 1
            audit.write_audit(session, user.username, audit.LOGIN_FAILURE, target, {
                "reason": "bad_password", "failed_attempts": user.failed_attempts,
                "retry_after": delay, "known_device": device is not None})
            if delay:
                log.warning("user %s throttled %s s after %s failed sign-ins", user.id, delay,
                            user.failed_attempts)
            return AuthResult(ok=False, reason="invalid", retry_after=delay or None,
                              locked_until=user.locked_until)

        if not user.active:
            audit.write_audit(session, user.username, audit.LOGIN_FAILURE, target,
                              {"reason": "inactive"})
            return AuthResult(ok=False, reason="inactive")

        passed_throttle = bool(wait)
        user.failed_attempts = 0
        user.locked_until = None
        user.last_login_at = now
        rehashed = HASHER.check_needs_rehash(user.password_hash)
        if rehashed:
            user.password_hash = HASHER.hash(password)
        new_token = None
        if device is not None:
            device.failed_attempts = 0
            device.last_used_at = now
        else:
            new_token = _remember_device(session, user, now)
        audit.write_audit(session, user.username, audit.LOGIN_SUCCESS, target,
                          {"rehashed": rehashed, "known_device": device is not None,
                           "passed_throttle": passed_throttle})
        session.flush()
        return AuthResult(ok=True, reason="ok", user=_view(user), device_token=new_token)


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
            # a new password forgets every remembered device (one may be lost or stolen)
            session.execute(delete(TrustedDeviceRow).where(TrustedDeviceRow.user_id == user.id))
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
