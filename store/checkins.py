"""Day-of check-in: attach a validated check-in (``forms.checkin.CheckIn``) to its
screening, judged by the catalogue's check-in rules, in one transaction with its audit row.

A check-in that raises a defer flag after a decision was recorded sends the screening back
to the queue's "To review" tab (``review_status = "unreviewed"``, the reviews stay) and
remembers which decision it reopened. The front desk finds today's patients here with no
clinical detail: names, appointment times and whether check-in was recorded.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from datetime import date, datetime
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from core.evaluation import Evaluation, Flag
from core.vocab import CHECKIN_ROLES, UNREVIEWED, AuditAction, HighestSeverity, ReviewStatus
from forms.checkin import CheckIn
from forms.validation import normalise_name
from store import audit
from store.db import Store, get_store
from store.models import ScreeningNotFound, StoreError, _View
from store.queue import clinic_day_bounds
from store.schema import CheckInRow, ScreeningRow, UserRow, utcnow
from store.users import normalise_username

log = logging.getLogger(__name__)
# Evaluates a check-in for its screening's appointment (None: a walk-in).
Judge = Callable[[datetime | None], Evaluation]

CHECKIN_AUDIT: AuditAction = "checkin"
CHECKIN_LIST_AUDIT: AuditAction = "checkin_list"


class CheckInRefused(StoreError):
    """The check-in cannot be recorded (not an active staff account of a check-in role)."""


class CheckInResult(_View):
    """What the front desk may see: that check-in was recorded (no flags, no answers)."""

    checkin_id: int
    screening_id: int
    checked_in_at: datetime


class CheckInView(_View):
    """One check-in for a clinician: the data, its flags, and what it reopened."""

    id: int
    screening_id: int
    recorded_by: str
    checked_in_at: datetime
    created_at: datetime
    highest_severity: HighestSeverity
    requeued_review_id: int | None
    appointment_at: datetime | None
    data: CheckIn
    evaluation: Evaluation


class CheckInCandidate(_View):
    """A patient the front desk can check in: who, when, and whether check-in is done."""

    id: int
    public_id: str
    first_name: str
    last_name: str
    date_of_birth: date
    appointment_at: datetime | None
    checked_in_at: datetime | None


def _staff(session: Session, username: str) -> UserRow:
    user = session.scalar(select(UserRow).where(UserRow.username == normalise_username(username)))
    if user is None or not user.active or user.role not in CHECKIN_ROLES:
        raise CheckInRefused("check-in is recorded by an active front desk, clinician or admin "
                             "account")
    return user


def save_checkin(screening_id: int, checkin: CheckIn, judge: Judge, actor: str, *,
                 store: Store | None = None) -> CheckInResult:
    """Store a check-in with its evaluation; returns only that it was recorded.

    ``judge`` evaluates the check-in for the screening's appointment (None: a walk-in),
    read in this transaction (``services.checkin.record`` passes the rules engine). Raises
    ``ScreeningNotFound`` or ``CheckInRefused``; nothing is stored then.
    """
    with (store or get_store()).session() as session:
        user = _staff(session, actor)
        screening = session.get(ScreeningRow, screening_id, with_for_update=True)
        if screening is None:
            raise ScreeningNotFound(f"no screening {screening_id}")
        evaluation = judge(screening.appointment_at)
        defer = [f.rule_id for f in evaluation.flags if f.severity == "defer"]
        reopened: ReviewStatus | None = None
        if defer and screening.review_status != UNREVIEWED and screening.latest_review_id:
            reopened = screening.review_status
        row = CheckInRow(
            screening_id=screening.id, recorded_by_id=user.id, checked_in_at=checkin.checked_in_at,
            created_at=utcnow(), highest_severity=evaluation.highest_severity,
            requeued_review_id=screening.latest_review_id if reopened else None,
            data=checkin.model_dump(mode="json"), evaluation=evaluation.public())
        session.add(row)
        screening.checked_in_at = checkin.checked_in_at
        screening.checkin_severity = evaluation.highest_severity
        if reopened:  # back to "To review"; the decision and its history stay
            screening.review_status = UNREVIEWED
        session.flush()
        audit.write_audit(session, user.username, CHECKIN_AUDIT,
                          audit.target_of("screening", screening.id), {
                              "checkin_id": row.id,
                              "flags": [f.rule_id for f in evaluation.flags],
                              "highest_severity": evaluation.highest_severity,
                              "requeued_from": reopened,
                              "walk_in": screening.appointment_at is None,
                          })
        result = CheckInResult(checkin_id=row.id, screening_id=screening.id,
                               checked_in_at=checkin.checked_in_at)
    log.info("check-in %s recorded for screening %s", result.checkin_id, screening_id)
    return result


def _view(row: CheckInRow, username: str, appointment_at: datetime | None) -> CheckInView:
    return CheckInView(
        id=row.id, screening_id=row.screening_id, recorded_by=username,
        checked_in_at=row.checked_in_at, created_at=row.created_at,
        highest_severity=row.highest_severity, requeued_review_id=row.requeued_review_id,
        appointment_at=appointment_at, data=CheckIn.model_validate(row.data),
        evaluation=Evaluation.model_validate(row.evaluation))


def latest_checkin(screening_id: int, *, store: Store | None = None) -> CheckInView | None:
    """The newest check-in of a screening (for clinicians), or None."""
    with (store or get_store()).session(readonly=True) as session:
        found = session.execute(
            select(CheckInRow, UserRow.username, ScreeningRow.appointment_at)
            .join(UserRow, UserRow.id == CheckInRow.recorded_by_id)
            .join(ScreeningRow, ScreeningRow.id == CheckInRow.screening_id)
            .where(CheckInRow.screening_id == screening_id)
            .order_by(CheckInRow.id.desc()).limit(1)).first()
        return _view(found[0], found[1], found[2]) if found else None


def latest_checkin_flags(session: Session, screening_id: int) -> tuple[Flag, ...]:
    """The flags of the newest check-in (inside a caller's transaction: reviews)."""
    stored = session.scalar(select(CheckInRow.evaluation)
                            .where(CheckInRow.screening_id == screening_id)
                            .order_by(CheckInRow.id.desc()).limit(1))
    return Evaluation.model_validate(stored).flags if stored is not None else ()


def checkin_candidates(day: date, *, name: str | None = None, viewer: str | None = None,
                       limit: int = 100, store: Store | None = None) -> list[CheckInCandidate]:
    """Screenings with an appointment on ``day`` of the clinic's calendar, soonest first;
    with ``name``, any screening whose name contains it (walk-ins), newest first. With
    ``viewer`` the listing is audited (``checkin_list``)."""
    columns = (ScreeningRow.id, ScreeningRow.public_id, ScreeningRow.first_name,
               ScreeningRow.last_name, ScreeningRow.date_of_birth, ScreeningRow.appointment_at,
               ScreeningRow.checked_in_at)
    query: Any
    if name and name.strip():
        pattern = "%" + normalise_name(name).replace("\\", "\\\\").replace("%", "\\%") \
            .replace("_", "\\_") + "%"
        query = (select(*columns).where(ScreeningRow.name_search.like(pattern, escape="\\"))
                 .order_by(ScreeningRow.submitted_at.desc(), ScreeningRow.id.desc()))
    else:
        start, end = clinic_day_bounds(day)
        query = (select(*columns)
                 .where(ScreeningRow.appointment_at >= start, ScreeningRow.appointment_at < end)
                 .order_by(ScreeningRow.appointment_at, ScreeningRow.id))
    with (store or get_store()).session(readonly=viewer is None) as session:
        rows = session.execute(query.limit(limit)).all()
        if viewer is not None:
            audit.write_audit(session, viewer, CHECKIN_LIST_AUDIT, None, {
                "day": day.isoformat(), "name_search": bool(name and name.strip()),
                "results": len(rows)})
    return [CheckInCandidate(id=r.id, public_id=r.public_id, first_name=r.first_name,
                             last_name=r.last_name, date_of_birth=r.date_of_birth,
                             appointment_at=r.appointment_at, checked_in_at=r.checked_in_at)
            for r in rows]

