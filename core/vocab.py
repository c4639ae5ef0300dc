"""Every code the product stores and shows, defined once, each with its label.

Severities, review decisions and statuses, staff roles and audit actions. Types are
``Literal`` aliases (pydantic and mypy check them); the tuples of codes are derived from
them, and each label table is checked at import to cover exactly its codes. Standard
library only: imported by every layer, including export worker processes.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any, Final, Literal, get_args

# --- severities -------------------------------------------------------------------------

Severity = Literal["defer", "review", "adjust", "info"]
HighestSeverity = Literal["defer", "review", "adjust", "info", "none"]
SEVERITIES: Final[tuple[Severity, ...]] = get_args(Severity)  # most severe first
NO_FLAG: Final = "none"  # the highest severity of a screening without flags
SEVERITY_RANK: Final[dict[str, int]] = {**{s: i for i, s in enumerate(SEVERITIES)},
                                        NO_FLAG: len(SEVERITIES)}
SEVERITY_LABELS: Final[dict[Severity, str]] = {
    "defer": "Defer", "review": "Review", "adjust": "Adjust", "info": "Info",
}
# What each severity means, for staff headings and the export's data dictionary.
SEVERITY_HEADINGS: Final[dict[Severity, str]] = {
    "defer": "Defer: contraindication",
    "review": "Review before treatment",
    "adjust": "Adjust medication with the prescriber",
    "info": "For the chart",
}
SEVERITY_DESCRIPTIONS: Final[dict[Severity, str]] = {
    "defer": "Defer (contraindication; treatment deferred until a clinician clears it)",
    "review": "Review (caution; a clinician reviews before treatment)",
    "adjust": "Adjust (interaction; plan a medication adjustment with the prescriber)",
    "info": "Info (noted for the chart)",
}
NO_FLAG_LABEL: Final = "No flag"


def requires_ack(severity: str, urgent: bool) -> bool:
    """A flag that must be acknowledged before any review decision is recorded."""
    return severity == "defer" or urgent


# --- medication readings ---------------------------------------------------------------

# recognized: every word read; partial: a drug read, but other words not (a clinician
# reads the line); ambiguous: a look-alike guess; unrecognized: nothing read.
ReadingStatus = Literal["recognized", "partial", "ambiguous", "unrecognized"]
READING_STATUSES: Final[tuple[ReadingStatus, ...]] = get_args(ReadingStatus)

# --- reviews ----------------------------------------------------------------------------

Decision = Literal["cleared", "cleared_with_conditions", "needs_follow_up", "not_a_candidate"]
ReviewStatus = Literal["unreviewed", "cleared", "cleared_with_conditions", "needs_follow_up",
                       "not_a_candidate"]
DECISIONS: Final[tuple[Decision, ...]] = get_args(Decision)
UNREVIEWED: Final = "unreviewed"
REVIEW_STATUSES: Final[tuple[ReviewStatus, ...]] = get_args(ReviewStatus)
DECISION_LABELS: Final[dict[Decision, str]] = {
    "cleared": "Cleared for treatment",
    "cleared_with_conditions": "Cleared with conditions",
    "needs_follow_up": "Needs follow-up",
    "not_a_candidate": "Not a candidate",
}
REVIEW_STATUS_LABELS: Final[dict[ReviewStatus, str]] = {"unreviewed": "Not reviewed yet"}
for _decision, _label in DECISION_LABELS.items():
    REVIEW_STATUS_LABELS[_decision] = _label

# Statuses still on a clinician's desk (the queue's "To review" tab); the rest are done.
OPEN_REVIEW_STATUSES: Final[tuple[ReviewStatus, ...]] = ("unreviewed", "needs_follow_up")
DONE_REVIEW_STATUSES: Final[tuple[ReviewStatus, ...]] = tuple(
    s for s in REVIEW_STATUSES if s not in OPEN_REVIEW_STATUSES)
# Decisions that let treatment go ahead: recording one while review/adjust flags are open
# needs the reviewer's confirmation (store.reviews.record_review).
CLEARING_DECISIONS: Final[tuple[Decision, ...]] = ("cleared", "cleared_with_conditions")
CONFIRM_SEVERITIES: Final[tuple[Severity, ...]] = ("review", "adjust")

# --- notes and patient contacts ---------------------------------------------------------

NoteKind = Literal["note", "contact"]
NOTE_KINDS: Final[tuple[NoteKind, ...]] = get_args(NoteKind)
ContactChannel = Literal["phone", "sms", "email", "in_person", "voicemail"]
CONTACT_CHANNELS: Final[tuple[ContactChannel, ...]] = get_args(ContactChannel)
CONTACT_CHANNEL_LABELS: Final[dict[ContactChannel, str]] = {
    "phone": "Phone call", "sms": "Text message", "email": "Email",
    "in_person": "In person", "voicemail": "Left a voicemail",
}

# --- staff roles ------------------------------------------------------------------------

Role = Literal["clinician", "admin", "front_desk", "exporter"]
ROLES: Final[tuple[Role, ...]] = get_args(Role)
ROLE_LABELS: Final[dict[Role, str]] = {"clinician": "Clinician", "admin": "Administrator",
                                       "front_desk": "Front desk", "exporter": "Exporter"}
# Roles that see clinical detail (queue, screenings, reviews, notes, chart summaries);
# front_desk has invitations (and check-in) only; exporter has the Export page only.
CLINICAL_ROLES: Final[tuple[Role, ...]] = ("clinician", "admin")
# Roles that may export screenings (CSV, FHIR NDJSON); never front_desk.
EXPORT_ROLES: Final[tuple[Role, ...]] = ("clinician", "admin", "exporter")
# Roles that may record a day-of check-in (the desk, and clinicians covering it).
CHECKIN_ROLES: Final[tuple[Role, ...]] = ("front_desk", "clinician", "admin")
# When an identity provider's groups map to several roles, the most privileged wins.
ROLE_PRECEDENCE: Final[tuple[Role, ...]] = ("admin", "clinician", "front_desk", "exporter")
SYSTEM_ROLE: Final = "system"  # scheduled jobs and command lines; never an account's role

# --- audit actions ----------------------------------------------------------------------

AuditAction = Literal[
    "login_success", "login_failure", "login_locked", "screening_view", "queue_view",
    "review", "export", "export_refused", "draft_create", "draft_save", "draft_resume",
    "draft_purge", "submit", "import", "user_create", "user_update", "user_list",
    "reevaluate", "reevaluation_run", "alert_queued", "alert_sent", "alert_failed",
    "invitation_create", "invitation_open", "invitation_list", "invitation_email",
    "continue_email", "reminder_email", "note_add", "contact_log", "assign",
    "login_throttled", "submit_refused", "device_trusted",
    "checkin", "checkin_list",
]
AUDIT_ACTIONS: Final[tuple[AuditAction, ...]] = get_args(AuditAction)
AUDIT_ACTION_LABELS: Final[dict[AuditAction, str]] = {
    "login_success": "Signed in",
    "login_failure": "Sign-in failed",
    "login_locked": "Account locked",
    "screening_view": "Opened a screening",
    "queue_view": "Listed screenings",
    "review": "Recorded a review",
    "export": "Exported screenings",
    "export_refused": "Export refused",
    "draft_create": "Draft started",
    "draft_save": "Draft saved",
    "draft_resume": "Draft resumed",
    "draft_purge": "Old drafts purged",
    "submit": "Screening submitted",
    "import": "Screenings imported",
    "user_create": "Account created",
    "user_update": "Account changed",
    "user_list": "Listed accounts",
    "reevaluate": "Screening re-evaluated",
    "reevaluation_run": "Re-evaluation run",
    "alert_queued": "Urgent alert queued",
    "alert_sent": "Urgent alert sent",
    "alert_failed": "Urgent alert not delivered (will retry)",
    "invitation_create": "Invitation created",
    "invitation_open": "Invitation link opened",
    "invitation_list": "Listed invitations",
    "invitation_email": "Invitation emailed",
    "continue_email": "Continue link emailed",
    "reminder_email": "Visit reminder emailed",
    "note_add": "Added a note",
    "contact_log": "Logged a patient contact",
    "assign": "Handed a screening over",
    "login_throttled": "Sign-in refused: too many attempts, wait",
    "submit_refused": "Submission refused: too many submissions",
    "device_trusted": "Device remembered for sign-in",
    "checkin": "Recorded a day-of check-in",
    "checkin_list": "Listed today's check-ins",
}


def _check(name: str, labels: Mapping[Any, str], codes: tuple[str, ...]) -> None:
    if tuple(labels) != codes:
        raise AssertionError(f"core.vocab: {name} must label exactly {codes}, in order")


for _name, _labels, _codes in (
    ("SEVERITY_LABELS", SEVERITY_LABELS, SEVERITIES),
    ("SEVERITY_HEADINGS", SEVERITY_HEADINGS, SEVERITIES),
    ("SEVERITY_DESCRIPTIONS", SEVERITY_DESCRIPTIONS, SEVERITIES),
    ("DECISION_LABELS", DECISION_LABELS, DECISIONS),
    ("REVIEW_STATUS_LABELS", REVIEW_STATUS_LABELS, REVIEW_STATUSES),
    ("ROLE_LABELS", ROLE_LABELS, ROLES),
    ("CONTACT_CHANNEL_LABELS", CONTACT_CHANNEL_LABELS, CONTACT_CHANNELS),
    ("AUDIT_ACTION_LABELS", AUDIT_ACTION_LABELS, AUDIT_ACTIONS),
):
    _check(_name, _labels, _codes)
