"""Tables of the screening store (SQLAlchemy 2 ORM, portable between SQLite and PostgreSQL).

Every timestamp is stored in UTC and read back timezone-aware (``UTCDateTime``). JSON is
``sqlalchemy.JSON`` (JSONB on PostgreSQL). Indexes follow the queries in ``store.queue``
and ``store.audit``: the clinician queue is served from one wide index so that its
filters and counts never read the (large) document rows.
"""

from __future__ import annotations

from datetime import UTC, date, datetime
from typing import Any

from sqlalchemy import (
    JSON,
    Boolean,
    CheckConstraint,
    Date,
    DateTime,
    Dialect,
    Float,
    ForeignKey,
    Index,
    Integer,
    MetaData,
    String,
    Text,
    TypeDecorator,
    UniqueConstraint,
)
from sqlalchemy.dialects.postgresql import JSONB
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column

from core.vocab import CLEARING_DECISIONS as CLEARING_DECISIONS
from core.vocab import CLINICAL_ROLES as CLINICAL_ROLES
from core.vocab import CONFIRM_SEVERITIES as CONFIRM_SEVERITIES
from core.vocab import CONTACT_CHANNELS as CONTACT_CHANNELS
from core.vocab import DECISIONS as DECISIONS
from core.vocab import (
    NO_FLAG,
    SEVERITIES,
    UNREVIEWED,
    Decision,
    HighestSeverity,
    ReviewStatus,
    Role,
    Severity,
)
from core.vocab import NOTE_KINDS as NOTE_KINDS
from core.vocab import REVIEW_STATUSES as REVIEW_STATUSES
from core.vocab import ROLES as ROLES
from core.vocab import SEVERITY_RANK as SEVERITY_RANK

SEVERITY_ORDER: tuple[Severity, ...] = SEVERITIES  # defer, review, adjust, info: most severe first

# Python None is SQL NULL (not the JSON value null), so "IS NULL" means what it says.
JSONType = JSON(none_as_null=True).with_variant(JSONB(none_as_null=True), "postgresql")


def utcnow() -> datetime:
    return datetime.now(UTC)


class UTCDateTime(TypeDecorator[datetime]):
    """A timezone-aware timestamp stored as UTC; refuses naive datetimes.

    PostgreSQL keeps ``timestamptz``; SQLite has no time zones, so the UTC wall time is
    stored (ISO text, which sorts and compares correctly) and UTC is attached on read.
    """

    impl = DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value: datetime | None, dialect: Dialect) -> datetime | None:
        if value is None:
            return None
        if not isinstance(value, datetime) or value.tzinfo is None:
            raise ValueError("timestamps must be timezone-aware datetimes")
        value = value.astimezone(UTC)
        return value.replace(tzinfo=None) if dialect.name == "sqlite" else value

    def process_result_value(self, value: datetime | None, dialect: Dialect) -> datetime | None:
        if value is None:
            return None
        return value.replace(tzinfo=UTC) if value.tzinfo is None else value.astimezone(UTC)


def _in(column: str, values: tuple[str, ...]) -> str:
    return f"{column} IN ({', '.join(repr(v) for v in values)})"


class Base(DeclarativeBase):
    metadata = MetaData(naming_convention={
        "ix": "ix_%(column_0_label)s",
        "uq": "uq_%(table_name)s_%(column_0_name)s",
        "ck": "ck_%(table_name)s_%(constraint_name)s",
        "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
        "pk": "pk_%(table_name)s",
    })


class DraftRow(Base):
    """A patient's unfinished questionnaire, found again by the hash of a secret token."""

    __tablename__ = "drafts"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    date_of_birth: Mapped[date | None] = mapped_column(Date)
    answers: Mapped[dict[str, Any] | None] = mapped_column(JSONType)
    step: Mapped[int] = mapped_column(Integer, default=0)
    failed_resumes: Mapped[int] = mapped_column(Integer, default=0)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, index=True)
    submitted_screening_id: Mapped[int | None] = mapped_column(
        ForeignKey("screenings.id", ondelete="SET NULL"), index=True)


class ScreeningRow(Base):
    """One submitted answer document with its evaluation and the values the queue needs."""

    __tablename__ = "screenings"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    public_id: Mapped[str] = mapped_column(String(36), unique=True)
    idempotency_key: Mapped[str | None] = mapped_column(String(128), unique=True)
    form_version: Mapped[str] = mapped_column(String(16))
    ruleset_version: Mapped[str] = mapped_column(String(128))
    submitted_at: Mapped[datetime] = mapped_column(UTCDateTime, index=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    first_name: Mapped[str] = mapped_column(String(100))
    last_name: Mapped[str] = mapped_column(String(100))
    name_search: Mapped[str] = mapped_column(String(201))  # casefolded "first last"
    date_of_birth: Mapped[date] = mapped_column(Date)
    age: Mapped[int] = mapped_column(Integer)
    bmi: Mapped[float | None] = mapped_column(Float)
    urgent: Mapped[bool] = mapped_column(Boolean)
    highest_severity: Mapped[HighestSeverity] = mapped_column(String(8))
    severity_rank: Mapped[int] = mapped_column(Integer)
    count_defer: Mapped[int] = mapped_column(Integer, default=0)
    count_review: Mapped[int] = mapped_column(Integer, default=0)
    count_adjust: Mapped[int] = mapped_column(Integer, default=0)
    count_info: Mapped[int] = mapped_column(Integer, default=0)
    review_status: Mapped[ReviewStatus] = mapped_column(String(32), default=UNREVIEWED)
    # The newest review, kept here so that a review can be recorded with one conditional
    # UPDATE (optimistic concurrency); the history itself lives in ``reviews``.
    latest_review_id: Mapped[int | None] = mapped_column(Integer)
    reviewed_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    # Who the screening is handed to now (the history lives in ``screening_assignments``).
    # (users.id; no foreign key, like latest_review_id: SQLite cannot add one to a table
    # without copying it, and a copy would fire the cascades of the tables that refer to it)
    assigned_to_id: Mapped[int | None] = mapped_column(Integer, index=True)
    # The appointment this screening was invited for (issue 13); None for a walk-in.
    appointment_at: Mapped[datetime | None] = mapped_column(UTCDateTime, index=True)
    invitation_id: Mapped[int | None] = mapped_column(Integer)
    # The latest day-of check-in (``screening_checkins``): when, and its highest severity.
    checked_in_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    checkin_severity: Mapped[str | None] = mapped_column(String(8))
    # The language the patient answered in (IETF tag, e.g. "es"); answers are stored as codes.
    language: Mapped[str] = mapped_column(String(8), default="en", server_default="en")
    # Large values last: on SQLite the columns above stay in the row's first page.
    document: Mapped[dict[str, Any]] = mapped_column(JSONType)
    evaluation: Mapped[dict[str, Any]] = mapped_column(JSONType)

    __table_args__ = (
        CheckConstraint(_in("highest_severity", (*SEVERITY_ORDER, NO_FLAG)), name="severity"),
        CheckConstraint(_in("review_status", REVIEW_STATUSES), name="review_status"),
    )


# The queue: its order, then every filter column, so that filters and counts are answered
# from the index alone and no (large) document row is read until a page is shown.
_S = ScreeningRow
Index("ix_screenings_queue", _S.urgent.desc(), _S.severity_rank, _S.submitted_at, _S.id,
      _S.review_status, _S.count_defer, _S.count_review, _S.count_adjust, _S.count_info,
      _S.name_search)
# The usual view: one review status (e.g. unreviewed) in queue order, other filters covered.
Index("ix_screenings_status_queue", _S.review_status, _S.urgent.desc(), _S.severity_rank,
      _S.submitted_at, _S.id, _S.count_defer, _S.count_review, _S.count_adjust, _S.count_info,
      _S.name_search)


class FlagRow(Base):
    """One flag of a screening's evaluation, so the queue can filter by rule in SQL."""

    __tablename__ = "screening_flags"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    screening_id: Mapped[int] = mapped_column(ForeignKey("screenings.id", ondelete="CASCADE"))
    position: Mapped[int] = mapped_column(Integer)
    rule_id: Mapped[str] = mapped_column(String(64))
    severity: Mapped[Severity] = mapped_column(String(8))
    urgent: Mapped[bool] = mapped_column(Boolean)

    __table_args__ = (
        UniqueConstraint("screening_id", "position"),
        Index("ix_screening_flags_rule", "rule_id", "screening_id"),
        Index("ix_screening_flags_severity", "severity", "screening_id"),
        CheckConstraint(_in("severity", SEVERITY_ORDER), name="severity"),
    )


class UserRow(Base):
    """A clinic account (clinician or admin); usernames are stored casefolded."""

    __tablename__ = "users"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    username: Mapped[str] = mapped_column(String(64), unique=True)
    password_hash: Mapped[str] = mapped_column(String(255))
    role: Mapped[Role] = mapped_column(String(16))
    active: Mapped[bool] = mapped_column(Boolean, default=True)
    failed_attempts: Mapped[int] = mapped_column(Integer, default=0)
    locked_until: Mapped[datetime | None] = mapped_column(UTCDateTime)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    last_login_at: Mapped[datetime | None] = mapped_column(UTCDateTime)

    __table_args__ = (CheckConstraint(_in("role", ROLES), name="role"),)


class ReviewRow(Base):
    """A clinician's decision on a screening. Append-only: a newer review supersedes."""

    __tablename__ = "reviews"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    screening_id: Mapped[int] = mapped_column(ForeignKey("screenings.id", ondelete="CASCADE"))
    reviewer_id: Mapped[int] = mapped_column(ForeignKey("users.id"), index=True)
    decision: Mapped[Decision] = mapped_column(String(32))
    note: Mapped[str] = mapped_column(Text, default="")
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    # Unique: two reviews can never supersede the same one (a lost update is impossible).
    supersedes_id: Mapped[int | None] = mapped_column(ForeignKey("reviews.id"), unique=True)

    __table_args__ = (
        Index("ix_reviews_screening", "screening_id", "id"),
        CheckConstraint(_in("decision", DECISIONS), name="decision"),
    )


class AckRow(Base):
    """A reviewer's acknowledgement of one flag, recorded with the review."""

    __tablename__ = "flag_acknowledgements"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    review_id: Mapped[int] = mapped_column(ForeignKey("reviews.id", ondelete="CASCADE"))
    rule_id: Mapped[str] = mapped_column(String(64))
    note: Mapped[str | None] = mapped_column(Text)
    acknowledged_by: Mapped[int] = mapped_column(ForeignKey("users.id"))
    acknowledged_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    __table_args__ = (UniqueConstraint("review_id", "rule_id"),)


class InvitationRow(Base):
    """A clinic's invitation to screen before an appointment, opened with a secret token
    (only its SHA-256 is kept) and the patient's date of birth.

    The token leads to one draft (``draft_id``) and so to one screening; it stops working
    at ``expires_at``, after the appointment.
    """

    __tablename__ = "invitations"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    first_name: Mapped[str] = mapped_column(String(100))
    last_name: Mapped[str] = mapped_column(String(100))
    date_of_birth: Mapped[date] = mapped_column(Date)
    email: Mapped[str | None] = mapped_column(String(254))
    appointment_at: Mapped[datetime] = mapped_column(UTCDateTime, index=True)
    expires_at: Mapped[datetime] = mapped_column(UTCDateTime)
    created_by: Mapped[str] = mapped_column(String(64))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    failed_opens: Mapped[int] = mapped_column(Integer, default=0)
    opened_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    reminded_at: Mapped[datetime | None] = mapped_column(UTCDateTime)  # the day-before email
    draft_id: Mapped[int | None] = mapped_column(ForeignKey("drafts.id", ondelete="SET NULL"))
    screening_id: Mapped[int | None] = mapped_column(
        ForeignKey("screenings.id", ondelete="SET NULL"), index=True)


ALERT_STATUSES: tuple[str, ...] = ("pending", "sent")


class AlertRow(Base):
    """An alert waiting to be delivered (the outbox), written in the transaction of the
    screening that raised it, so a committed urgent screening always has its alert.

    It holds rule ids and times, never patient names or answers. ``locked_until`` is the
    lease of the deliverer sending it now (several app replicas and workers may run);
    ``email_sent_at``/``webhook_sent_at`` record each channel, so a retry resends only
    what failed.
    """

    __tablename__ = "alert_outbox"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    screening_id: Mapped[int] = mapped_column(ForeignKey("screenings.id", ondelete="CASCADE"),
                                              index=True)
    kind: Mapped[str] = mapped_column(String(32))
    dedupe_key: Mapped[str] = mapped_column(String(128), unique=True)
    rule_ids: Mapped[list[str]] = mapped_column(JSONType)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    status: Mapped[str] = mapped_column(String(16), default="pending")
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    next_attempt_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    locked_until: Mapped[datetime | None] = mapped_column(UTCDateTime)
    email_sent_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    webhook_sent_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    sent_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    last_error: Mapped[str | None] = mapped_column(String(200))

    __table_args__ = (
        Index("ix_alert_outbox_due", "status", "next_attempt_at"),
        CheckConstraint(_in("status", ALERT_STATUSES), name="status"),
    )


class AuditRow(Base):
    """Who did what, when. Append-only (database triggers refuse UPDATE and DELETE).

    ``details`` never holds patient names or answers: ids, codes and counts only.
    """

    __tablename__ = "audit_log"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, index=True)
    actor: Mapped[str] = mapped_column(String(64))
    action: Mapped[str] = mapped_column(String(40))
    target: Mapped[str | None] = mapped_column(String(64))
    details: Mapped[dict[str, Any]] = mapped_column(JSONType, default=dict)
    # SHA-256 over this row's content and the previous row's chain_hash (``store.chain``):
    # a deleted, inserted or edited row breaks the chain (``python -m store verify``).
    chain_hash: Mapped[str | None] = mapped_column(String(64))

    __table_args__ = (
        Index("ix_audit_log_action", "action", "at"),
        Index("ix_audit_log_actor", "actor", "at"),
        Index("ix_audit_log_target", "target", "at"),
    )


class TrustedDeviceRow(Base):
    """A browser that signed in to an account before (issue 11): a correct password from it
    passes the per-account sign-in throttle. Only the SHA-256 of its random token is kept."""

    __tablename__ = "trusted_devices"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    last_used_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    expires_at: Mapped[datetime] = mapped_column(UTCDateTime)
    failed_attempts: Mapped[int] = mapped_column(Integer, default=0)


class NoteRow(Base):
    """A note or a contact with the patient on a screening. Append-only (database triggers
    refuse UPDATE and DELETE): a correction is a new note."""

    __tablename__ = "screening_notes"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    screening_id: Mapped[int] = mapped_column(ForeignKey("screenings.id"))
    author_id: Mapped[int] = mapped_column(ForeignKey("users.id"))
    kind: Mapped[str] = mapped_column(String(16))
    channel: Mapped[str | None] = mapped_column(String(16))
    body: Mapped[str] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    __table_args__ = (
        Index("ix_screening_notes_screening", "screening_id", "id"),
        CheckConstraint(_in("kind", NOTE_KINDS), name="kind"),
        CheckConstraint(f"channel IS NULL OR {_in('channel', CONTACT_CHANNELS)}", name="channel"),
    )


class CheckInRow(Base):
    """A day-of check-in of a screening: what the patient confirmed and the vitals on
    arrival (``data``, a ``forms.checkin.CheckIn``), judged by the catalogue's check-in rules
    (``evaluation``). A correction is a new row; the newest one counts."""

    __tablename__ = "screening_checkins"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    screening_id: Mapped[int] = mapped_column(ForeignKey("screenings.id", ondelete="CASCADE"))
    recorded_by_id: Mapped[int] = mapped_column(ForeignKey("users.id"))
    checked_in_at: Mapped[datetime] = mapped_column(UTCDateTime)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    highest_severity: Mapped[HighestSeverity] = mapped_column(String(8))
    # The decision this check-in sent back to the queue (a defer flag after a decision).
    requeued_review_id: Mapped[int | None] = mapped_column(Integer)
    data: Mapped[dict[str, Any]] = mapped_column(JSONType)
    evaluation: Mapped[dict[str, Any]] = mapped_column(JSONType)

    __table_args__ = (
        Index("ix_screening_checkins_screening", "screening_id", "id"),
        CheckConstraint(_in("highest_severity", (*SEVERITY_ORDER, NO_FLAG)), name="severity"),
    )


class AssignmentRow(Base):
    """Each hand-off of a screening (assignee None: unassigned). Append-only history; the
    current assignee is also kept on ``screenings.assigned_to_id`` for the queue filter."""

    __tablename__ = "screening_assignments"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    screening_id: Mapped[int] = mapped_column(ForeignKey("screenings.id"))
    assignee_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    assigned_by_id: Mapped[int] = mapped_column(ForeignKey("users.id"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    __table_args__ = (Index("ix_screening_assignments_screening", "screening_id", "id"),)
class ReevaluationRunRow(Base):
    """One ``python -m rules reevaluate`` run (not dry runs): options, progress and totals.

    ``next_id`` is the claim cursor: each worker takes the next range of screening ids with
    one atomic UPDATE, so parallel workers never evaluate the same screening twice.
    """

    __tablename__ = "reevaluation_runs"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    started_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    finished_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    actor: Mapped[str] = mapped_column(String(64))
    engine_version: Mapped[str] = mapped_column(String(128))
    options: Mapped[dict[str, Any]] = mapped_column(JSONType, default=dict)
    next_id: Mapped[int] = mapped_column(Integer)
    last_id: Mapped[int] = mapped_column(Integer)  # the newest screening when the run began
    span: Mapped[int] = mapped_column(Integer)  # ids per claim
    examined: Mapped[int] = mapped_column(Integer, default=0)
    changed: Mapped[int] = mapped_column(Integer, default=0)
    gained_defer: Mapped[int] = mapped_column(Integer, default=0)
    gained_urgent: Mapped[int] = mapped_column(Integer, default=0)
    requeued: Mapped[int] = mapped_column(Integer, default=0)
    failed: Mapped[int] = mapped_column(Integer, default=0)


class EvaluationChangeRow(Base):
    """A re-evaluation that changed a screening's flags: the evaluation it replaced (kept
    whole), what changed, and whether a reviewed screening went back to the queue."""

    __tablename__ = "screening_evaluations"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    screening_id: Mapped[int] = mapped_column(ForeignKey("screenings.id", ondelete="CASCADE"))
    run_id: Mapped[int | None] = mapped_column(ForeignKey("reevaluation_runs.id"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    actor: Mapped[str] = mapped_column(String(64))
    from_version: Mapped[str] = mapped_column(String(128))
    to_version: Mapped[str] = mapped_column(String(128))
    added: Mapped[list[Any]] = mapped_column(JSONType)  # [{rule_id, severity, urgent}]
    removed: Mapped[list[Any]] = mapped_column(JSONType)
    changed: Mapped[list[Any]] = mapped_column(JSONType)  # [{rule_id, before: {...}, after: {...}}]
    review_id: Mapped[int | None] = mapped_column(Integer)  # the latest review at the time
    requeued_from: Mapped[str | None] = mapped_column(String(32))  # review status it had
    requeue_reason: Mapped[str | None] = mapped_column(Text)
    previous: Mapped[dict[str, Any]] = mapped_column(JSONType)  # the replaced evaluation

    __table_args__ = (
        Index("ix_screening_evaluations_screening", "screening_id", "created_at"),
    )
