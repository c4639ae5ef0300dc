"""Invitations: the clinic asks a patient to screen before an appointment.

Staff create one (name, date of birth, appointment in the clinic's time zone, optional
email); the patient gets a link with a secret token (``secrets.token_urlsafe(32)``, only
its SHA-256 is stored). Opening it needs the date of birth, with the same answer for an
unknown token and a wrong date, and the same lock-out as resume links
(``MAX_RESUME_FAILURES`` wrong dates). The token leads to one draft, prefilled with the
name and date of birth, and so to one screening, which is tied to the appointment:
opening the link again continues that draft; after submission it shows that the
screening was sent. The token stops working ``EXPIRES_AFTER`` the appointment.

The draft's own token is derived from the invitation token (never stored either), so the
same link always reaches the same draft without the patient copying a resume link. The draft
is made with the invitation, holding the language the front desk chose (English or Spanish,
in its answers as a resumed draft holds it): the email, the link's page before the date of
birth and the reminder are in that language until the patient changes it.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import logging
import secrets
from datetime import date, datetime, timedelta
from typing import Any, Literal, TypeVar

from pydantic import BaseModel, ConfigDict
from sqlalchemy import Select, func, select
from sqlalchemy.orm import Session

from forms.clock import clinic_timezone
from forms.i18n import DEFAULT as DEFAULT_LANGUAGE
from forms.i18n import LANGUAGES
from forms.intake_state import known_language, with_language
from forms.validation import normalise_name
from store import audit
from store.db import Store, get_store
from store.drafts import DRAFT_LANGUAGE, PATIENT, date_of_birth_gate, find_draft, hash_token
from store.models import DraftView
from store.schema import DraftRow, InvitationRow, ScreeningRow, utcnow

log = logging.getLogger(__name__)

EXPIRES_AFTER = timedelta(hours=12)
MAX_NAME = 100
MAX_EMAIL = 254
PREFILLED: tuple[str, ...] = ("first_name", "last_name", "date_of_birth")

InvitationStatus = Literal["not_opened", "in_progress", "submitted", "expired"]


class InvitationView(BaseModel):
    """An invitation as the staff pages show it (names: staff are signed in)."""

    model_config = ConfigDict(extra="forbid", frozen=True)
    id: int
    first_name: str
    last_name: str
    date_of_birth: date
    email: str | None
    appointment_at: datetime
    expires_at: datetime
    created_by: str
    created_at: datetime
    status: InvitationStatus
    screening_id: int | None
    language: str = DEFAULT_LANGUAGE  # the patient's: chosen when inviting, or theirs since


class OpenedInvitation(BaseModel):
    """What the patient's browser gets after the date-of-birth check."""

    model_config = ConfigDict(extra="forbid", frozen=True)
    invitation_id: int
    draft_token: str
    draft: DraftView
    appointment_at: datetime
    email: str | None
    prefilled: dict[str, str]


class InvitationExpired(Exception):
    """The link is right (and the date of birth) but the appointment is over."""


def invitation_link(base_url: str, token: str) -> str:
    return f"{base_url.rstrip('/').split('?')[0]}/?invite={token}"


def draft_token_for(token: str) -> str:
    """The draft token of an invitation token (deterministic, never stored)."""
    digest = hmac.new(token.encode("utf-8", "surrogatepass"), b"invitation-draft",
                      hashlib.sha256).digest()
    return base64.urlsafe_b64encode(digest).decode().rstrip("=")


def parse_appointment(text: str, *, now: datetime | None = None) -> datetime:
    """``YYYY-MM-DD HH:MM`` in the clinic's time zone, as an aware datetime (UTC).

    ValueError, naming what is allowed, for another format or a time already past.
    """
    try:
        local = datetime.strptime(text.strip(), "%Y-%m-%d %H:%M")
    except ValueError:
        raise ValueError("appointment must be YYYY-MM-DD HH:MM (24-hour clock, clinic time), "
                         "e.g. 2026-12-03 14:00") from None
    return check_appointment(local.replace(tzinfo=clinic_timezone()), now=now)


def check_appointment(when: datetime, *, now: datetime | None = None) -> datetime:
    if when.tzinfo is None:
        raise ValueError("appointment time needs a time zone")
    if when <= (now or utcnow()):
        raise ValueError("appointment must be in the future")
    return when


def _clean_name(value: str, field: str) -> str:
    text = " ".join((value or "").split())
    if not 1 <= len(text) <= MAX_NAME or any(not c.isprintable() for c in text):
        raise ValueError(f"{field} must be 1-{MAX_NAME} printable characters")
    return text


def _clean_email(value: str | None) -> str | None:
    text = (value or "").strip()
    if not text:
        return None
    local, at, domain = text.rpartition("@")
    if (not at or not local or "." not in domain or len(text) > MAX_EMAIL
            or any(c.isspace() or not c.isprintable() for c in text)):
        raise ValueError("email must be an address like name@example.org")
    return text


# The patient's language for an invitation, in SQL: the one its screening was sent in, else
# its draft's (the front desk's choice, or the patient's since); read it with known_language.
# Needs the invitation's draft and screening joined (``with_draft_and_screening``).
INVITATION_LANGUAGE = func.coalesce(ScreeningRow.language, DRAFT_LANGUAGE)
_Query = TypeVar("_Query", bound=Select[*tuple[Any, ...]])


def with_draft_and_screening(query: _Query) -> _Query:
    """``query`` over invitations, with each one's draft and screening (if any) joined."""
    return (query.outerjoin(DraftRow, DraftRow.id == InvitationRow.draft_id)
            .outerjoin(ScreeningRow, ScreeningRow.id == InvitationRow.screening_id))


def check_language(language: str, field: str = "language") -> str:
    """The patient's language for an invitation; ValueError naming the allowed ones."""
    if language not in LANGUAGES:
        allowed = ", ".join(f"{code} ({name})" for code, name in LANGUAGES.items())
        raise ValueError(f"{field} must be one of: {allowed}")
    return language


def _prefilled(row: InvitationRow) -> dict[str, str]:
    return {"first_name": row.first_name, "last_name": row.last_name,
            "date_of_birth": row.date_of_birth.isoformat()}


def _new_draft(session: Session, row: InvitationRow, token: str, language: str, actor: str,
               now: datetime) -> DraftRow:
    """The invitation's draft: the clinic's name and date of birth, and the language."""
    draft = DraftRow(token_hash=hash_token(draft_token_for(token)),
                     answers=with_language(_prefilled(row), language), step=0,
                     date_of_birth=row.date_of_birth, failed_resumes=0, created_at=now,
                     updated_at=now)
    session.add(draft)
    session.flush()
    audit.write_audit(session, actor, audit.DRAFT_CREATE, audit.target_of("draft", draft.id),
                      {"invitation_id": row.id})
    row.draft_id = draft.id
    return draft


def create_invitation(first_name: str, last_name: str, date_of_birth: date,
                      appointment_at: datetime, email: str | None = None, *, actor: str,
                      language: str = DEFAULT_LANGUAGE,
                      store: Store | None = None) -> tuple[InvitationView, str]:
    """A new invitation (and its draft, in ``language``); returns it and the token to put
    in the link (shown once)."""
    first = _clean_name(first_name, "first name")
    last = _clean_name(last_name, "last name")
    address = _clean_email(email)
    language = check_language(language)
    if not isinstance(date_of_birth, date) or isinstance(date_of_birth, datetime):
        raise ValueError("date of birth must be a date")
    if not date(1900, 1, 1) <= date_of_birth <= utcnow().date():
        raise ValueError("date of birth must be between 1900-01-01 and today")
    appointment = check_appointment(appointment_at)
    token = secrets.token_urlsafe(32)
    with (store or get_store()).session() as session:
        row = InvitationRow(token_hash=hash_token(token), first_name=first, last_name=last,
                            date_of_birth=date_of_birth, email=address,
                            appointment_at=appointment, expires_at=appointment + EXPIRES_AFTER,
                            created_by=actor, created_at=utcnow(), failed_opens=0)
        session.add(row)
        session.flush()
        audit.write_audit(session, actor, audit.INVITATION_CREATE,
                          audit.target_of("invitation", row.id),
                          {"appointment_at": appointment.isoformat(), "with_address": bool(address)})
        _new_draft(session, row, token, language, actor, row.created_at)
        view = _view(row, None, language=language)
    log.info("invitation %s created", view.id)
    return view, token


def _status(row: InvitationRow, draft_submitted: bool, now: datetime) -> InvitationStatus:
    if row.screening_id is not None or draft_submitted:
        return "submitted"
    if now >= row.expires_at:
        return "expired"
    return "in_progress" if row.opened_at is not None else "not_opened"


def _view(row: InvitationRow, screening_id: int | None, now: datetime | None = None,
          language: str = DEFAULT_LANGUAGE) -> InvitationView:
    screening_id = row.screening_id or screening_id
    return InvitationView(
        id=row.id, first_name=row.first_name, last_name=row.last_name,
        date_of_birth=row.date_of_birth, email=row.email, appointment_at=row.appointment_at,
        expires_at=row.expires_at, created_by=row.created_by, created_at=row.created_at,
        status=_status(row, screening_id is not None, now or utcnow()), screening_id=screening_id,
        language=language)


def _find(session: Session, token: str) -> InvitationRow | None:
    if not isinstance(token, str) or not 0 < len(token) <= 128:
        return None
    return session.scalar(select(InvitationRow).where(InvitationRow.token_hash == hash_token(token)))


def open_invitation(token: str, date_of_birth: str | date, *, now: datetime | None = None,
                    store: Store | None = None) -> OpenedInvitation | None:
    """Check the date of birth and return the invitation's draft (made on first opening).

    None for an unknown token, a wrong or malformed date and a locked invitation (after
    the same work); InvitationExpired once the appointment is over (right date only).
    """
    now = now or utcnow()
    with (store or get_store()).session() as session:
        row = _find(session, token)
        target = date_of_birth_gate(session, row, date_of_birth, audit.INVITATION_OPEN)
        if target is None or row is None:
            return None
        draft = find_draft(session, draft_token_for(token))
        submitted = draft is not None and draft.submitted_screening_id is not None
        if now >= row.expires_at and not submitted and row.screening_id is None:
            audit.write_audit(session, PATIENT, audit.INVITATION_OPEN, target,
                              {"ok": False, "expired": True})
            raise InvitationExpired("this invitation has expired")
        prefilled = _prefilled(row)
        if draft is None:  # an invitation made before drafts came with it, or a purged draft
            draft = _new_draft(session, row, token, DEFAULT_LANGUAGE, PATIENT, now)
        elif row.opened_at is None:  # the patient starts it now: stale 30 days from now
            draft.updated_at = now
        row.draft_id = draft.id
        row.opened_at = row.opened_at or now
        audit.write_audit(session, PATIENT, audit.INVITATION_OPEN, target,
                          {"ok": True, "draft_id": draft.id})
        from store.drafts import _view as draft_view

        return OpenedInvitation(invitation_id=row.id, draft_token=draft_token_for(token),
                                draft=draft_view(session, draft), appointment_at=row.appointment_at,
                                email=row.email, prefilled=prefilled)


def invitation_language(token: str, *, store: Store | None = None) -> str | None:
    """The language an invitation link's page opens in, before the date of birth is asked:
    its draft's (the front desk's choice, or the patient's since). None for a token that is
    no invitation's. Tells nothing else, and is not audited: the token is a 256-bit secret,
    and the date of birth still guards the draft."""
    with (store or get_store()).session(readonly=True) as session:
        row = _find(session, token)
        if row is None:
            return None
        return known_language(session.scalar(
            select(DRAFT_LANGUAGE).where(DraftRow.id == row.draft_id)))


def link_submission(session: Session, draft_id: int, screening: ScreeningRow,
                    answers: dict[str, object]) -> int | None:
    """Tie a screening submitted from an invitation's draft to the appointment (in the
    submit transaction). The invitation's name and date of birth are kept over anything
    else sent. Returns the invitation id, or None for a walk-in."""
    row = session.scalar(select(InvitationRow).where(InvitationRow.draft_id == draft_id))
    if row is None:
        return None
    row.screening_id = screening.id
    screening.invitation_id = row.id
    screening.appointment_at = row.appointment_at
    if (normalise_name(str(answers.get("first_name", ""))) != normalise_name(row.first_name)
            or normalise_name(str(answers.get("last_name", ""))) != normalise_name(row.last_name)
            or str(answers.get("date_of_birth")) != row.date_of_birth.isoformat()):
        log.warning("screening %s: identity differs from its invitation %s", screening.id, row.id)
    return row.id


def list_invitations(*, actor: str, since: datetime | None = None, limit: int = 200,
                     store: Store | None = None) -> list[InvitationView]:
    """Invitations with appointments from ``since`` (default: the start of today in the
    clinic's time zone), soonest first. Audited: it lists patient names."""
    if since is None:
        today = datetime.now(clinic_timezone()).replace(hour=0, minute=0, second=0, microsecond=0)
        since = today
    now = utcnow()
    with (store or get_store()).session() as session:
        rows = session.execute(with_draft_and_screening(
            select(InvitationRow, DraftRow.submitted_screening_id, INVITATION_LANGUAGE))
            .where(InvitationRow.appointment_at >= since)
            .order_by(InvitationRow.appointment_at, InvitationRow.id).limit(limit)).all()
        audit.write_audit(session, actor, audit.INVITATION_LIST, None,
                          {"since": since.isoformat(), "shown": len(rows)})
        return [_view(row, submitted, now, known_language(language))
                for row, submitted, language in rows]
