"""Notes, contacts with the patient and hand-offs on a screening: append-only and audited.

A note ("called patient, BP recheck on arrival") or a contact ("phone", "sms", ...) is
added, never changed: the database refuses UPDATE and DELETE on ``screening_notes``
(triggers of migration 0014). A hand-off appends to ``screening_assignments`` and moves
``screenings.assigned_to_id``, the column the queue's "Assigned to me" filter reads. Each
writes an audit row in the same transaction, with ids and codes only (never the text).
"""

from __future__ import annotations

from typing import Literal

from sqlalchemy import select, update
from sqlalchemy.orm import Session, aliased

from core.vocab import CLINICAL_ROLES
from store import audit
from store.db import Store, get_store
from store.models import AssignmentView, NoteView, ReviewRefused, ScreeningNotFound
from store.schema import CONTACT_CHANNELS, AssignmentRow, NoteRow, ScreeningRow, UserRow, utcnow
from store.users import normalise_username

MAX_NOTE_LENGTH = 4000
NOTE_ADD, CONTACT_LOG, ASSIGN = audit.NOTE_ADD, audit.CONTACT_LOG, audit.ASSIGN


class NoteRefused(ReviewRefused):
    """A note, contact or hand-off that may not be recorded (bad text, channel, account)."""


def _active_user(session: Session, username: str, what: str) -> UserRow:
    user = session.scalar(select(UserRow).where(UserRow.username == normalise_username(username)))
    if user is None or not user.active:
        raise NoteRefused(f"{what} is not an active account")
    if user.role not in CLINICAL_ROLES:  # front desk: no clinical notes, no hand-offs
        raise NoteRefused(f"{what} is not a clinician or administrator account")
    return user


def _screening(session: Session, screening_id: int) -> ScreeningRow:
    row = session.get(ScreeningRow, screening_id)
    if row is None:
        raise ScreeningNotFound(f"no screening {screening_id}")
    return row


def _clean(body: str) -> str:
    if not isinstance(body, str) or not body.strip():
        raise NoteRefused("the note is empty; write what happened")
    text = body.strip()
    if len(text) > MAX_NOTE_LENGTH:
        raise NoteRefused(f"the note is {len(text)} characters long; the limit is {MAX_NOTE_LENGTH}")
    if any(ord(c) < 32 and c not in "\n\t" for c in text):
        raise NoteRefused("the note contains control characters; use plain text")
    return text


def add_note(screening_id: int, author: str, body: str, *, channel: str | None = None,
             store: Store | None = None) -> NoteView:
    """Append a note; with ``channel`` (one of CONTACT_CHANNELS) it records a contact with
    the patient. Raises NoteRefused or ScreeningNotFound; nothing is half-saved."""
    if channel is not None and channel not in CONTACT_CHANNELS:
        raise NoteRefused(f"channel must be one of: {', '.join(CONTACT_CHANNELS)}")
    text = _clean(body) if channel is None or (body or "").strip() else ""
    kind: Literal["note", "contact"] = "contact" if channel is not None else "note"
    with (store or get_store()).session() as session:
        user = _active_user(session, author, "the author")
        _screening(session, screening_id)
        row = NoteRow(screening_id=screening_id, author_id=user.id, kind=kind, channel=channel,
                      body=text, created_at=utcnow())
        session.add(row)
        session.flush()
        audit.write_audit(session, user.username, CONTACT_LOG if channel else NOTE_ADD,
                          audit.target_of("screening", screening_id),
                          {"note_id": row.id, "kind": kind, "channel": channel,
                           "length": len(text)})
        return NoteView(id=row.id, screening_id=screening_id, author=user.username, kind=kind,
                        channel=channel, body=text, created_at=row.created_at)


def list_notes(screening_id: int, *, store: Store | None = None) -> list[NoteView]:
    """The thread, oldest first."""
    with (store or get_store()).session(readonly=True) as session:
        rows = session.execute(
            select(NoteRow, UserRow.username).join(UserRow, UserRow.id == NoteRow.author_id)
            .where(NoteRow.screening_id == screening_id).order_by(NoteRow.id)).all()
        return [NoteView(id=n.id, screening_id=n.screening_id, author=username,
                         kind="contact" if n.kind == "contact" else "note",
                         channel=n.channel, body=n.body, created_at=n.created_at)
                for n, username in rows]


def assign(screening_id: int, assignee: str | None, *, by: str,
           store: Store | None = None) -> AssignmentView:
    """Hand the screening to ``assignee`` (an active clinician or admin), or unassign it
    (None). Appends to the history, moves the current assignee, audited."""
    with (store or get_store()).session() as session:
        actor = _active_user(session, by, "the person handing off")
        target = _active_user(session, assignee, "the colleague") if assignee else None
        _screening(session, screening_id)
        now = utcnow()
        row = AssignmentRow(screening_id=screening_id, assignee_id=target.id if target else None,
                            assigned_by_id=actor.id, created_at=now)
        session.add(row)
        session.execute(update(ScreeningRow).where(ScreeningRow.id == screening_id)
                        .values(assigned_to_id=row.assignee_id)
                        .execution_options(synchronize_session=False))
        session.flush()
        audit.write_audit(session, actor.username, ASSIGN, audit.target_of("screening", screening_id),
                          {"assignment_id": row.id,
                           "assignee": target.username if target else None})
        return AssignmentView(id=row.id, screening_id=screening_id,
                              assignee=target.username if target else None,
                              assigned_by=actor.username, created_at=now)


def assignment_history(screening_id: int, *, store: Store | None = None) -> list[AssignmentView]:
    """Every hand-off, oldest first."""
    assignee, by = aliased(UserRow), aliased(UserRow)
    with (store or get_store()).session(readonly=True) as session:
        rows = session.execute(
            select(AssignmentRow, assignee.username, by.username)
            .outerjoin(assignee, assignee.id == AssignmentRow.assignee_id)
            .join(by, by.id == AssignmentRow.assigned_by_id)
            .where(AssignmentRow.screening_id == screening_id).order_by(AssignmentRow.id)).all()
        return [AssignmentView(id=a.id, screening_id=a.screening_id, assignee=who,
                               assigned_by=by_name, created_at=a.created_at)
                for a, who, by_name in rows]


def current_assignee(screening_id: int, *, store: Store | None = None) -> str | None:
    with (store or get_store()).session(readonly=True) as session:
        return session.scalar(select(UserRow.username)
                              .join(ScreeningRow, ScreeningRow.assigned_to_id == UserRow.id)
                              .where(ScreeningRow.id == screening_id))
