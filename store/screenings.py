"""Submitted screenings: store a validated, evaluated screening in one transaction; read one back.

The store does not run the domain: ``services.intake.submit`` validates the document and
evaluates it once, then hands ``save_screening`` the typed screening and its evaluation.
Storing is idempotent two ways: the same ``idempotency_key`` returns the screening stored
first (also when two requests race: the unique constraint decides), and so does a second
submit of the same draft. ``find_submitted`` answers a replay before anything is evaluated.
"""

from __future__ import annotations

import hashlib
import json
import logging
import uuid
from datetime import date
from typing import Any

from sqlalchemy import func, select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from core.evaluation import Evaluation
from core.vocab import UNREVIEWED, Severity
from forms.models import Screening
from forms.validation import normalise_name
from store import alerts, audit, invitations
from store.chain import document_sha256
from store.db import Store, get_store, rows_changed
from store.drafts import PATIENT, find_draft
from store.models import (
    AcknowledgementView,
    ReviewView,
    ScreeningDetail,
    ScreeningNotFound,
    SubmitResult,
)
from store.schema import (
    SEVERITY_ORDER,
    SEVERITY_RANK,
    AckRow,
    DraftRow,
    FlagRow,
    ReviewRow,
    ScreeningRow,
    UserRow,
    utcnow,
)

log = logging.getLogger(__name__)

MAX_IDEMPOTENCY_KEY = 128


class _DraftTaken(Exception):
    """The draft was submitted by a concurrent request: roll back, return that one."""


def document_key(document: dict[str, Any]) -> str:
    """A stable idempotency key for a document's content (used by ``python -m store import``)."""
    canonical = json.dumps(document, sort_keys=True, separators=(",", ":"), ensure_ascii=False)
    return "sha256:" + hashlib.sha256(canonical.encode("utf-8")).hexdigest()


def _result(row: ScreeningRow, flags: list[str], created: bool) -> SubmitResult:
    return SubmitResult(screening_id=row.id, public_id=row.public_id, created=created,
                        urgent=row.urgent, highest_severity=row.highest_severity,
                        flags=tuple(flags))


def _existing(session: Session, condition: Any) -> SubmitResult | None:
    row = session.scalar(select(ScreeningRow).where(condition))
    if row is None:
        return None
    flags = session.scalars(select(FlagRow.rule_id).where(FlagRow.screening_id == row.id)
                            .order_by(FlagRow.position)).all()
    return _result(row, list(flags), created=False)


def _existing_for_draft(session: Session, draft_token: str | None) -> SubmitResult | None:
    if draft_token is None:
        return None
    draft = find_draft(session, draft_token)
    if draft is None or draft.submitted_screening_id is None:
        return None
    return _existing(session, ScreeningRow.id == draft.submitted_screening_id)


def _new_rows(screening: Screening, evaluation: Evaluation, idempotency_key: str | None,
              language: str = "en") -> tuple[ScreeningRow, list[FlagRow]]:
    answers = screening.answers
    counts = evaluation.counts()
    highest = evaluation.highest_severity
    first, last = answers["first_name"], answers["last_name"]
    row = ScreeningRow(
        public_id=str(uuid.uuid4()),
        idempotency_key=idempotency_key,
        form_version=screening.form_version,
        ruleset_version=evaluation.ruleset_version,
        submitted_at=screening.submitted_at,
        created_at=utcnow(),
        first_name=first,
        last_name=last,
        # casefold can lengthen text ("ß" -> "ss"); the column holds 201 characters
        name_search=normalise_name(f"{first} {last}")[:201],
        date_of_birth=date.fromisoformat(answers["date_of_birth"]),
        age=screening.age,
        bmi=screening.bmi,
        urgent=evaluation.urgent,
        highest_severity=highest,
        severity_rank=SEVERITY_RANK[highest],
        count_defer=counts["defer"],
        count_review=counts["review"],
        count_adjust=counts["adjust"],
        count_info=counts["info"],
        review_status=UNREVIEWED,
        language=language,
        document=screening.to_document(),
        evaluation=evaluation.public(),
    )
    flags = [FlagRow(position=i, rule_id=f.rule_id, severity=f.severity, urgent=f.urgent)
             for i, f in enumerate(evaluation.flags)]
    return row, flags


def _check_key(idempotency_key: str | None) -> None:
    if idempotency_key is not None and not 0 < len(idempotency_key) <= MAX_IDEMPOTENCY_KEY:
        raise ValueError(f"idempotency_key must be 1-{MAX_IDEMPOTENCY_KEY} characters")


def find_submitted(*, draft_token: str | None = None, idempotency_key: str | None = None,
                   store: Store | None = None) -> SubmitResult | None:
    """The screening already stored under this idempotency key or from this draft, or None.

    A replay (a double click, a retried request, a re-imported file) is answered from here
    without validating or evaluating anything again.
    """
    _check_key(idempotency_key)
    if idempotency_key is None and draft_token is None:
        return None
    with (store or get_store()).session(readonly=True) as session:
        return (_existing(session, ScreeningRow.idempotency_key == idempotency_key)
                if idempotency_key else None) or _existing_for_draft(session, draft_token)


def save_screening(screening: Screening, evaluation: Evaluation, *,
                   draft_token: str | None = None, idempotency_key: str | None = None,
                   actor: str = PATIENT, store: Store | None = None,
                   language: str = "en") -> SubmitResult:
    """Store one validated screening with its evaluation; returns the stored screening.

    In one transaction: the screening, one row per flag, the draft marked submitted with
    its answers cleared, an urgent alert in the outbox when a flag is urgent
    (``store.alerts``), and an audit row ``submit``. When a concurrent request stored the
    same idempotency key or draft first, that screening is returned (``created`` False).
    Callers go through ``services.intake.submit``, which checks for a replay first.
    """
    _check_key(idempotency_key)
    store = store or get_store()
    try:
        with store.session() as session:
            row, flag_rows = _new_rows(screening, evaluation, idempotency_key, language)
            session.add(row)
            session.flush()
            for flag in flag_rows:
                flag.screening_id = row.id
            session.add_all(flag_rows)
            draft_id = _mark_draft_submitted(session, draft_token, row.id)
            if draft_id is not None:  # a screening from an invitation: tied to the appointment
                invitations.link_submission(session, draft_id, row, screening.answers)
            if row.urgent:  # the alert is committed with the screening, or neither is
                alerts.enqueue_urgent_alert(session, row.id,
                                            [f.rule_id for f in flag_rows if f.urgent], actor=actor)
            audit.write_audit(session, actor, audit.SUBMIT, audit.target_of("screening", row.id), {
                "public_id": row.public_id,
                "draft_id": draft_id,
                "flags": len(flag_rows),
                "highest_severity": row.highest_severity,
                "urgent": row.urgent,
                "ruleset_version": row.ruleset_version,
                # sealed: ``python -m store verify`` finds answers rewritten later
                "document_sha256": document_sha256(row.document),
            })
            result = _result(row, [f.rule_id for f in flag_rows], created=True)
    except _DraftTaken:
        with store.session(readonly=True) as session:
            found = _existing_for_draft(session, draft_token)
        if found is None:  # pragma: no cover - the draft was linked a moment ago
            raise
        log.info("submit race resolved by draft: screening %s", found.screening_id)
        return found
    except IntegrityError:
        if idempotency_key is None:
            raise
        with store.session(readonly=True) as session:
            found = _existing(session, ScreeningRow.idempotency_key == idempotency_key)
        if found is None:
            raise
        log.info("submit race resolved by idempotency key: screening %s", found.screening_id)
        return found
    log.info("screening %s stored (%s flags)", result.screening_id, len(result.flags))
    return result


def _mark_draft_submitted(session: Session, draft_token: str | None,
                          screening_id: int) -> int | None:
    """Link the draft to the screening and clear its answers; returns the draft id.

    None when there is no such draft: the screening is kept, since a valid submission is
    never lost because its draft was purged. Raises _DraftTaken if it was submitted.
    """
    if draft_token is None:
        return None
    draft = find_draft(session, draft_token)
    if draft is None:
        log.warning("submit with an unknown draft token; screening %s kept", screening_id)
        return None
    changed = rows_changed(session.execute(
        update(DraftRow)
        .where(DraftRow.id == draft.id, DraftRow.submitted_screening_id.is_(None))
        .values(submitted_screening_id=screening_id, answers=None, updated_at=utcnow())
    ))
    if not changed:
        raise _DraftTaken
    return draft.id


# --- reading ----------------------------------------------------------------------------

def _counts(row: ScreeningRow) -> dict[Severity, int]:
    return {s: getattr(row, f"count_{s}") for s in SEVERITY_ORDER}


def review_history(session: Session, screening_id: int) -> tuple[ReviewView, ...]:
    reviews = session.execute(
        select(ReviewRow, UserRow.username)
        .join(UserRow, UserRow.id == ReviewRow.reviewer_id)
        .where(ReviewRow.screening_id == screening_id)
        .order_by(ReviewRow.id.desc())
    ).all()
    if not reviews:
        return ()
    acks: dict[int, list[AcknowledgementView]] = {}
    for ack, username in session.execute(
        select(AckRow, UserRow.username)
        .join(UserRow, UserRow.id == AckRow.acknowledged_by)
        .where(AckRow.review_id.in_([r.id for r, _ in reviews]))
        .order_by(AckRow.id)
    ):
        acks.setdefault(ack.review_id, []).append(AcknowledgementView(
            rule_id=ack.rule_id, note=ack.note, acknowledged_by=username,
            acknowledged_at=ack.acknowledged_at))
    return tuple(
        ReviewView(id=r.id, screening_id=r.screening_id, reviewer=username,
                   decision=r.decision, note=r.note, created_at=r.created_at,
                   supersedes_id=r.supersedes_id, acknowledgements=tuple(acks.get(r.id, ())))
        for r, username in reviews
    )


def get_screening(screening_id: int, *, viewer: str | None = None,
                  store: Store | None = None) -> ScreeningDetail:
    """One screening with its document, evaluation and review history (newest first).

    With ``viewer`` (the logged-in username) an audit row ``screening_view`` is written;
    the clinician pages must pass it. Raises ScreeningNotFound.
    """
    with (store or get_store()).session(readonly=viewer is None) as session:
        row = session.get(ScreeningRow, screening_id)
        if row is None:
            raise ScreeningNotFound(f"no screening {screening_id}")
        detail = ScreeningDetail(
            id=row.id, public_id=row.public_id, form_version=row.form_version,
            ruleset_version=row.ruleset_version, submitted_at=row.submitted_at,
            created_at=row.created_at, first_name=row.first_name, last_name=row.last_name,
            date_of_birth=row.date_of_birth, age=row.age, bmi=row.bmi, urgent=row.urgent,
            language=row.language,
            highest_severity=row.highest_severity,
            counts=_counts(row),
            review_status=row.review_status,
            latest_review_id=row.latest_review_id, document=row.document,
            evaluation=Evaluation.model_validate(row.evaluation), reviews=review_history(session, row.id),
            assigned_to=session.scalar(select(UserRow.username)
                                       .where(UserRow.id == row.assigned_to_id))
            if row.assigned_to_id is not None else None,
            appointment_at=row.appointment_at, checked_in_at=row.checked_in_at,
        )
        if viewer is not None:
            audit.write_audit(session, viewer, audit.SCREENING_VIEW,
                              audit.target_of("screening", row.id))
        return detail


def count_screenings(*, store: Store | None = None) -> int:
    with (store or get_store()).session(readonly=True) as session:
        return int(session.scalar(select(func.count()).select_from(ScreeningRow)) or 0)


def screening_id_for_public_id(public_id: str, *, store: Store | None = None) -> int | None:
    """The internal id of a screening's public id (links in alerts), or None."""
    if not isinstance(public_id, str) or len(public_id) != 36:
        return None
    with (store or get_store()).session(readonly=True) as session:
        return session.scalar(select(ScreeningRow.id).where(ScreeningRow.public_id == public_id))


def find_screening_id(public_id: str, *, store: Store | None = None) -> int | None:
    """The id of the screening with this public id (the one in its link, in any UUID
    spelling), or None. Any text that is not a UUID is None, without a query."""
    try:
        canonical = str(uuid.UUID(public_id)) if isinstance(public_id, str) and \
            len(public_id) <= 64 else None
    except ValueError:
        canonical = None
    if canonical is None:
        return None
    return screening_id_for_public_id(canonical, store=store)
