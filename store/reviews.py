"""Clinician reviews: append-only, with flag acknowledgements and optimistic concurrency.

A review names the review it expects to supersede (``expected_previous_review_id``, None
for the first). It is recorded only if that is still the screening's latest review, with
one conditional UPDATE of the screening, so two clinicians reviewing at once cannot
silently overwrite each other: the second is told to reload (``StaleReview``).
"""

from __future__ import annotations

import logging
from collections.abc import Collection, Sequence
from typing import Any

from sqlalchemy import select, update
from sqlalchemy.exc import IntegrityError

from core.vocab import CLINICAL_ROLES, requires_ack
from store import audit
from store.checkins import latest_checkin_flags
from store.db import Store, get_store, rows_changed
from store.models import (
    ClearingNeedsConfirmation,
    Decision,
    ReviewRefused,
    ReviewView,
    ScreeningNotFound,
    StaleReview,
)
from store.schema import (
    CLEARING_DECISIONS,
    CONFIRM_SEVERITIES,
    DECISIONS,
    AckRow,
    FlagRow,
    ReviewRow,
    ScreeningRow,
    UserRow,
    utcnow,
)
from store.screenings import review_history
from store.users import normalise_username

log = logging.getLogger(__name__)

MAX_NOTE_LENGTH = 4000


def _clean_note(note: str | None, what: str) -> str | None:
    if note is None:
        return None
    if not isinstance(note, str):
        raise ReviewRefused(f"{what} must be text")
    note = note.strip()
    if len(note) > MAX_NOTE_LENGTH:
        raise ReviewRefused(f"{what} is longer than {MAX_NOTE_LENGTH} characters")
    return note


def open_flags_of(flags: Sequence[Any], acknowledged: Collection[str]) -> tuple[str, ...]:
    """Rule ids of the review/adjust flags (objects with ``rule_id`` and ``severity``) not
    among ``acknowledged``: what a clearing decision must confirm."""
    return tuple(f.rule_id for f in flags
                 if f.severity in CONFIRM_SEVERITIES and f.rule_id not in acknowledged)


def record_review(screening_id: int, reviewer: str, decision: Decision, note: str | None,
                  acknowledgements: dict[str, str | None],
                  expected_previous_review_id: int | None, *,
                  confirm_open_flags: bool = False,
                  store: Store | None = None) -> ReviewView:
    """Record a review; returns it. Everything in one transaction with its audit row.

    Refused (``ReviewRefused``) when the reviewer is not an active clinician or admin
    account, the decision
    is unknown, an acknowledgement names a rule that did not flag this screening, or a
    flag that is ``defer`` or urgent is not acknowledged. ``StaleReview`` when
    ``expected_previous_review_id`` is not the latest review any more.
    ``ClearingNeedsConfirmation`` (naming the open flags) when a clearing decision leaves
    review or adjust flags unacknowledged and ``confirm_open_flags`` is not set; a
    confirmed one records the open flags in its audit row.
    """
    if decision not in DECISIONS:
        raise ReviewRefused(f"decision must be one of: {', '.join(DECISIONS)}")
    note = _clean_note(note, "the review note") or ""
    acks = {rule_id: _clean_note(text, f"the note on {rule_id}") or None
            for rule_id, text in (acknowledgements or {}).items()}
    with (store or get_store()).session() as session:
        user = session.scalar(select(UserRow)
                              .where(UserRow.username == normalise_username(reviewer)))
        if user is None or not user.active:
            raise ReviewRefused("reviewer is not an active account")
        if user.role not in CLINICAL_ROLES:  # front desk, exporter: no reviews
            raise ReviewRefused(f"only {' and '.join(CLINICAL_ROLES)} accounts record reviews")
        # Lock the screening row (PostgreSQL; SQLite writers are already serialised) so a
        # concurrent review waits here and then sees the newer review as stale, instead of
        # racing to insert a review superseding the same one.
        screening = session.get(ScreeningRow, screening_id, with_for_update=True)
        if screening is None:
            raise ScreeningNotFound(f"no screening {screening_id}")
        if screening.latest_review_id != expected_previous_review_id:
            raise StaleReview(screening_id, expected_previous_review_id,
                              screening.latest_review_id)

        stored = session.execute(select(FlagRow.rule_id, FlagRow.severity, FlagRow.urgent)
                                 .where(FlagRow.screening_id == screening_id)
                                 .order_by(FlagRow.position)).all()
        # The day-of check-in's flags count too: a defer raised at check-in needs its
        # acknowledgement like any other (issue 13). Both have rule_id, severity, urgent.
        flags: list[Any] = [*stored, *latest_checkin_flags(session, screening_id)]
        flagged = {f.rule_id for f in flags}
        unknown = sorted(set(acks) - flagged)
        if unknown:
            raise ReviewRefused("acknowledgements name rules that did not flag this screening: "
                                + ", ".join(unknown))
        must = [f.rule_id for f in flags if requires_ack(f.severity, f.urgent)]
        missing = [r for r in must if r not in acks]
        if missing:
            raise ReviewRefused("every deferring or urgent flag must be acknowledged first: "
                                + ", ".join(missing))
        open_flags = open_flags_of(flags, acks) if decision in CLEARING_DECISIONS else ()
        if open_flags and not confirm_open_flags:
            raise ClearingNeedsConfirmation(open_flags)

        now = utcnow()
        review = ReviewRow(screening_id=screening_id, reviewer_id=user.id, decision=decision,
                           note=note, created_at=now, supersedes_id=expected_previous_review_id)
        session.add(review)
        try:
            with session.begin_nested():
                session.flush()
        except IntegrityError:  # another review superseding the same one won the race
            latest = session.scalar(select(ScreeningRow.latest_review_id)
                                    .where(ScreeningRow.id == screening_id))
            raise StaleReview(screening_id, expected_previous_review_id, latest) from None
        session.add_all(AckRow(review_id=review.id, rule_id=rule_id, note=text,
                               acknowledged_by=user.id, acknowledged_at=now)
                        for rule_id, text in acks.items())
        # The check above read a snapshot; this UPDATE is the one that decides. A
        # concurrent review that committed first makes it match no row.
        current = (ScreeningRow.latest_review_id.is_(None) if expected_previous_review_id is None
                   else ScreeningRow.latest_review_id == expected_previous_review_id)
        changed = rows_changed(session.execute(
            update(ScreeningRow)
            .where(ScreeningRow.id == screening_id, current)
            .values(latest_review_id=review.id, review_status=decision, reviewed_at=now)
            .execution_options(synchronize_session=False)
        ))
        if changed != 1:
            latest = session.scalar(select(ScreeningRow.latest_review_id)
                                    .where(ScreeningRow.id == screening_id))
            raise StaleReview(screening_id, expected_previous_review_id, latest)
        audit.write_audit(session, user.username, audit.REVIEW,
                          audit.target_of("screening", screening_id), {
                              "review_id": review.id,
                              "decision": decision,
                              "supersedes_id": expected_previous_review_id,
                              "acknowledged": sorted(acks),
                              "cleared_with_open_flags": list(open_flags),
                          })
        session.flush()
        view = next(r for r in review_history(session, screening_id) if r.id == review.id)
    log.info("review %s recorded for screening %s", view.id, screening_id)
    return view
