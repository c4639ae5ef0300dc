"""Values that cross the store's API boundary (pydantic, ``extra="forbid"``), and its errors."""

from __future__ import annotations

from datetime import date, datetime
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, field_validator

from core.evaluation import Evaluation
from core.vocab import Decision as Decision
from core.vocab import HighestSeverity as HighestSeverity
from core.vocab import ReviewStatus as ReviewStatus
from core.vocab import Role as Role
from core.vocab import Severity as Severity

MAX_PAGE_SIZE = 200
# The queue's sort: urgent, severity, oldest (the default) or the soonest appointment.
QueueOrder = Literal["priority", "appointment"]


class _View(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


# --- errors -----------------------------------------------------------------------------

class StoreError(Exception):
    """Base of the store's own errors; messages never contain patient data."""


class DraftNotFound(StoreError):
    """No draft has this token."""


class DraftAlreadySubmitted(StoreError):
    """The draft was submitted; it can no longer be changed."""


class ScreeningNotFound(StoreError):
    pass


class UserExists(StoreError):
    pass


class UserNotFound(StoreError):
    pass


class ReviewRefused(StoreError):
    """A review that may not be recorded (missing acknowledgement, bad rule id, ...)."""


class ClearingNeedsConfirmation(ReviewRefused):
    """Clearing for treatment while review or adjust flags are not acknowledged: the
    reviewer must confirm (``confirm_open_flags=True``) after reading which are open."""

    def __init__(self, open_flags: tuple[str, ...]):
        self.open_flags = open_flags
        super().__init__("these flags are still open (not acknowledged): "
                         + ", ".join(open_flags) + "; confirm to clear anyway")


class StaleReview(ReviewRefused):
    """Someone else reviewed the screening since it was opened: reload and review again."""

    def __init__(self, screening_id: int, expected: int | None, current: int | None):
        self.screening_id, self.expected, self.current = screening_id, expected, current
        super().__init__(
            f"screening {screening_id} was reviewed by someone else since you opened it "
            f"(latest review is {current}, you saw {expected}); reload it and review again")


# --- drafts -----------------------------------------------------------------------------

class DraftView(_View):
    """A draft as the intake pages need it. A submitted draft has no answers."""

    draft_id: int
    step: int
    answers: dict[str, Any] | None
    submitted: bool
    screening_public_id: str | None = None
    updated_at: datetime


# --- submit -----------------------------------------------------------------------------

class SubmitResult(_View):
    screening_id: int
    public_id: str
    created: bool  # False when an earlier submit (same idempotency key or draft) is returned
    urgent: bool
    highest_severity: HighestSeverity
    flags: tuple[str, ...]  # rule ids, in evaluation order


# --- users ------------------------------------------------------------------------------

class UserView(_View):
    id: int
    username: str
    role: Role
    active: bool
    failed_attempts: int
    locked_until: datetime | None
    created_at: datetime
    last_login_at: datetime | None


class AuthResult(_View):
    """``ok`` only for the right password on an active account, in time.

    ``reason`` is for the caller's logic; show staff one generic message for every failure
    so that it does not reveal which usernames exist. ``throttled``: refused unchecked,
    come back in ``retry_after`` seconds (also set after a failure that starts a delay).
    ``device_token``: after a success on a device not remembered yet, the secret to keep
    in that browser (``store.users.DEVICE_LIFETIME``); shown once, only its hash is stored.
    """

    ok: bool
    reason: Literal["ok", "invalid", "throttled", "inactive"]
    user: UserView | None = None
    locked_until: datetime | None = None  # the account's next attempt is not before this
    retry_after: int | None = None
    device_token: str | None = None


# --- queue ------------------------------------------------------------------------------

class QueueFilters(_View):
    """Filters of the clinician queue; every one is optional and they combine with AND.

    ``submitted_from``/``submitted_to`` are inclusive UTC days; ``appointment_on`` is a day
    of the clinic's calendar (``forms.clock.clinic_timezone()``): "due today" is today's date
    there. ``order`` "appointment" lists the soonest appointment first (walk-ins last).
    """

    review_status: tuple[ReviewStatus, ...] = ()
    severity: Severity | None = None  # screenings having at least one flag of it
    rule_id: str | None = Field(default=None, min_length=1, max_length=64)
    urgent: bool | None = None
    submitted_from: date | None = None
    submitted_to: date | None = None
    name: str | None = Field(default=None, max_length=100)  # substring of first/last name
    assigned_to: str | None = Field(default=None, max_length=64)  # username of the assignee
    # reviewed, then a re-evaluation changed its flags (``python -m rules reevaluate``)
    changed_since_review: bool = False
    appointment_on: date | None = None
    order: QueueOrder = "priority"

    @field_validator("review_status", mode="before")
    @classmethod
    def _one_or_many(cls, value: Any) -> Any:
        return (value,) if isinstance(value, str) else value

    @field_validator("name")
    @classmethod
    def _blank_is_none(cls, value: str | None) -> str | None:
        return (value.strip() or None) if value is not None else None


class QueueFlag(_View):
    rule_id: str
    severity: Severity
    urgent: bool


class QueueRow(_View):
    id: int
    public_id: str
    first_name: str
    last_name: str
    date_of_birth: date
    age: int
    submitted_at: datetime
    urgent: bool
    highest_severity: HighestSeverity
    counts: dict[Severity, int]
    review_status: ReviewStatus
    flags: tuple[QueueFlag, ...]
    assigned_to: str | None = None
    reviewed_before: bool = False  # unreviewed again: a re-evaluation sent it back
    appointment_at: datetime | None = None  # None: a walk-in
    checked_in_at: datetime | None = None
    checkin_severity: HighestSeverity | None = None


# --- screening detail and reviews -------------------------------------------------------

class AcknowledgementView(_View):
    rule_id: str
    note: str | None
    acknowledged_by: str
    acknowledged_at: datetime


class ReviewView(_View):
    id: int
    screening_id: int
    reviewer: str
    decision: Decision
    note: str
    created_at: datetime
    supersedes_id: int | None
    acknowledgements: tuple[AcknowledgementView, ...]


class ScreeningDetail(_View):
    id: int
    public_id: str
    form_version: str
    ruleset_version: str
    submitted_at: datetime
    created_at: datetime
    first_name: str
    last_name: str
    date_of_birth: date
    age: int
    bmi: float | None
    urgent: bool
    highest_severity: HighestSeverity
    counts: dict[Severity, int]
    language: str = "en"  # the language the patient answered in
    review_status: ReviewStatus
    latest_review_id: int | None
    document: dict[str, Any]
    evaluation: Evaluation
    reviews: tuple[ReviewView, ...]  # newest first
    assigned_to: str | None = None
    appointment_at: datetime | None = None  # None: a walk-in
    checked_in_at: datetime | None = None  # the latest day-of check-in


class NoteView(_View):
    id: int
    screening_id: int
    author: str
    kind: Literal["note", "contact"]
    channel: str | None
    body: str
    created_at: datetime


class AssignmentView(_View):
    id: int
    screening_id: int
    assignee: str | None
    assigned_by: str
    created_at: datetime


# --- audit ------------------------------------------------------------------------------

class AuditFilters(_View):
    actor: str | None = None
    action: str | None = None
    target: str | None = None
    since: datetime | None = None  # inclusive
    until: datetime | None = None  # exclusive


class AuditView(_View):
    id: int
    at: datetime
    actor: str
    action: str
    target: str | None
    details: dict[str, Any]


def check_page(page: int, page_size: int) -> tuple[int, int]:
    """Validated (offset, limit) of a 1-based page."""
    if page < 1:
        raise ValueError("page starts at 1")
    if not 1 <= page_size <= MAX_PAGE_SIZE:
        raise ValueError(f"page_size must be 1-{MAX_PAGE_SIZE}")
    return (page - 1) * page_size, page_size
