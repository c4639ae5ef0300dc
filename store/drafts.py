"""Intake drafts: a patient's answers saved step by step, found again with a secret token.

The token (``secrets.token_urlsafe(32)``) is handed to the patient's browser and never
stored: the database keeps its SHA-256. Resuming from another browser also needs the date
of birth; an unknown token and a wrong date of birth give the same answer (None), and after
``MAX_RESUME_FAILURES`` wrong dates the draft can only be continued from its own session.
Once submitted, a draft keeps only the link to its screening.
"""

from __future__ import annotations

import hashlib
import hmac
import json
import logging
import secrets
from datetime import date, datetime, timedelta
from typing import TYPE_CHECKING, Any, Literal

from sqlalchemy import delete, select, update
from sqlalchemy.orm import Session

from forms.intake_state import LANGUAGE_KEY
from store import audit
from store.db import Store, get_store, rows_changed
from store.models import DraftAlreadySubmitted, DraftNotFound, DraftView
from store.schema import DraftRow, InvitationRow, ScreeningRow, utcnow

# The language a draft keeps, read in SQL: that key of its answers only, so a query that
# needs the language (the link's page, the invitation and reminder emails, the front desk's
# list) never loads a patient's answers. Read it with forms.intake_state.known_language.
DRAFT_LANGUAGE = DraftRow.answers[LANGUAGE_KEY].as_string()

if TYPE_CHECKING:
    from core.vocab import AuditAction

log = logging.getLogger(__name__)

MAX_DRAFT_BYTES = 200_000
MAX_STEP = 100
MAX_RESUME_FAILURES = 10
MAX_TOKEN_CHARS = 128
STALE_AFTER_DAYS = 30
PATIENT = "patient"
_NO_DATE = "0000-00-00"  # compared when there is nothing to compare, to keep timing flat


def hash_token(token: str) -> str:
    # surrogatepass: a malformed token (lone surrogate) still hashes, and matches nothing.
    return hashlib.sha256(token.encode("utf-8", "surrogatepass")).hexdigest()


def _usable_token(token: Any) -> bool:
    return isinstance(token, str) and 0 < len(token) <= MAX_TOKEN_CHARS


def _parse_dob(value: str | date | None) -> date | None:
    """A date of birth from ``YYYY-MM-DD`` text (or a date); ValueError if malformed."""
    if value is None or isinstance(value, date):
        return value
    if not isinstance(value, str):
        raise ValueError("date_of_birth must be YYYY-MM-DD text")
    return date.fromisoformat(value.strip())


def find_draft(session: Session, token: str) -> DraftRow | None:
    if not _usable_token(token):
        return None
    return session.scalar(select(DraftRow).where(DraftRow.token_hash == hash_token(token)))


def _view(session: Session, draft: DraftRow) -> DraftView:
    public_id = None
    if draft.submitted_screening_id is not None:
        public_id = session.scalar(select(ScreeningRow.public_id)
                                   .where(ScreeningRow.id == draft.submitted_screening_id))
    submitted = draft.submitted_screening_id is not None
    return DraftView(
        draft_id=draft.id,
        step=draft.step,
        answers=None if submitted else dict(draft.answers or {}),
        submitted=submitted,
        screening_public_id=public_id,
        updated_at=draft.updated_at,
    )


def create_draft(*, store: Store | None = None) -> tuple[int, str]:
    """A new empty draft: returns (draft_id, token). Give the token to the patient only."""
    token = secrets.token_urlsafe(32)
    with (store or get_store()).session() as session:
        draft = DraftRow(token_hash=hash_token(token), answers={}, step=0)
        session.add(draft)
        session.flush()
        audit.write_audit(session, PATIENT, audit.DRAFT_CREATE, audit.target_of("draft", draft.id))
        draft_id = draft.id
    log.info("draft %s created", draft_id)
    return draft_id, token


def save_draft(token: str, answers: dict[str, Any], step: int,
               date_of_birth: str | date | None = None, *,
               store: Store | None = None) -> DraftView:
    """Replace the draft's answers and step; ``date_of_birth`` (once known) enables resume.

    A ``None`` date of birth keeps the one saved before. Raises DraftNotFound for an
    unknown token and DraftAlreadySubmitted once the draft was submitted.
    """
    if not isinstance(answers, dict):
        raise ValueError("answers must be an object of question code to answer")
    if isinstance(step, bool) or not isinstance(step, int) or not 0 <= step <= MAX_STEP:
        raise ValueError(f"step must be a whole number 0-{MAX_STEP}")
    dob = _parse_dob(date_of_birth)
    try:
        text = json.dumps(answers, allow_nan=False, ensure_ascii=False)
        text.encode("utf-8")  # a lone surrogate cannot be stored (PostgreSQL JSONB refuses it)
    except (TypeError, ValueError, RecursionError) as err:
        raise ValueError("answers must be plain JSON values") from err
    if "\x00" in text or "\\u0000" in text:  # NUL: refused by PostgreSQL JSONB
        raise ValueError("answers must not contain NUL characters")
    size = len(text)
    if size > MAX_DRAFT_BYTES:
        raise ValueError("answers are too large to save")
    with (store or get_store()).session() as session:
        draft = find_draft(session, token)
        if draft is None:
            raise DraftNotFound("no draft has this token")
        values: dict[str, Any] = {"answers": answers, "step": step, "updated_at": utcnow()}
        if dob is not None:
            values["date_of_birth"] = dob
        changed = rows_changed(session.execute(
            update(DraftRow)
            .where(DraftRow.id == draft.id, DraftRow.submitted_screening_id.is_(None))
            .values(**values)
        ))
        if not changed:
            raise DraftAlreadySubmitted("this questionnaire was already submitted")
        session.refresh(draft)
        audit.write_audit(session, PATIENT, audit.DRAFT_SAVE, audit.target_of("draft", draft.id),
                          {"step": step})
        return _view(session, draft)


def load_draft_by_token(token: str, *, store: Store | None = None) -> DraftView | None:
    """The draft of this token (the patient's own browser session), or None."""
    with (store or get_store()).session(readonly=True) as session:
        draft = find_draft(session, token)
        return _view(session, draft) if draft is not None else None


def resume_draft(token: str, date_of_birth: str | date, *,
                 store: Store | None = None) -> DraftView | None:
    """The draft, if the token is known and the date of birth matches; otherwise None.

    Unknown token, wrong date, malformed date, a draft without a date yet and a draft
    locked by too many wrong dates all return None, after the same work.
    """
    with (store or get_store()).session() as session:
        draft = find_draft(session, token)
        target = date_of_birth_gate(session, draft, date_of_birth, audit.DRAFT_RESUME)
        if target is None or draft is None:
            return None
        audit.write_audit(session, PATIENT, audit.DRAFT_RESUME, target, {"ok": True})
        return _view(session, draft)


def date_of_birth_gate(session: Session, row: DraftRow | InvitationRow | None,
                       date_of_birth: str | date | None, action: AuditAction) -> str | None:
    """The one check behind every link that needs a date of birth (resume, invitation).

    Compares in constant time, also when the token is unknown, so an unknown token and a
    wrong date cost the same and give the same answer. Returns the row's audit target when
    the date matches and the row is not locked (its failure count reset); otherwise None,
    audited under ``action`` without patient data, a failure counted on a known row, and
    the row locked after ``MAX_RESUME_FAILURES`` failures, even for the right date.
    """
    try:
        given = _parse_dob(date_of_birth)
    except ValueError:
        given = None
    given_text = given.isoformat() if given else "invalid"
    stored = row.date_of_birth.isoformat() if row is not None and row.date_of_birth else _NO_DATE
    matches = hmac.compare_digest(stored.encode(), given_text.encode())
    if row is None:
        audit.write_audit(session, PATIENT, action, None, {"ok": False, "known_token": False})
        return None
    counter: Literal["failed_resumes", "failed_opens"]
    if isinstance(row, DraftRow):
        counter, kind = "failed_resumes", "draft"
    else:
        counter, kind = "failed_opens", "invitation"
    target = audit.target_of(kind, row.id)
    failures: int = getattr(row, counter) or 0
    if failures >= MAX_RESUME_FAILURES or not matches:
        setattr(row, counter, failures + 1)
        audit.write_audit(session, PATIENT, action, target, {"ok": False, counter: failures + 1})
        return None
    setattr(row, counter, 0)
    return target


def purge_stale_drafts(older_than_days: int = STALE_AFTER_DAYS, *, now: datetime | None = None,
                       store: Store | None = None) -> int:
    """Delete unsubmitted drafts not saved for ``older_than_days`` days; returns how many.

    Kept: the draft of an invitation not opened yet and not expired. It was made with the
    invitation (the clinic's name, date of birth and chosen language, nothing the patient
    typed) and may wait longer than that for an appointment booked weeks ahead."""
    if older_than_days < 1:
        raise ValueError("older_than_days must be at least 1")
    now = now or utcnow()
    cutoff = now - timedelta(days=older_than_days)
    waiting = select(InvitationRow.draft_id).where(
        InvitationRow.draft_id.is_not(None), InvitationRow.opened_at.is_(None),
        InvitationRow.expires_at > now)
    with (store or get_store()).session() as session:
        purged = rows_changed(session.execute(
            delete(DraftRow).where(DraftRow.submitted_screening_id.is_(None),
                                   DraftRow.updated_at < cutoff, DraftRow.id.not_in(waiting))
        )) or 0
        audit.write_audit(session, "system", audit.DRAFT_PURGE, None,
                          {"purged": purged, "older_than_days": older_than_days})
    log.info("purged %s stale drafts", purged)
    return purged
