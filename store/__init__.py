"""The screening store: drafts, submitted screenings, the clinician queue, reviews, users
and the audit log, on SQLite (default ``var/screening.sqlite3``) or PostgreSQL
(``DATABASE_URL``). No UI code here; nothing here logs patient data.

Every function takes an optional keyword ``store=`` (default: ``get_store()``, i.e. the
database of ``DATABASE_URL``).
"""

from store.audit import list_audit, record_audit, target_of, write_audit
from store.db import Store, database_url, get_store, reset_stores
from store.drafts import (
    create_draft,
    load_draft_by_token,
    purge_stale_drafts,
    resume_draft,
    save_draft,
)
from store.models import (
    AcknowledgementView,
    AssignmentView,
    AuditFilters,
    AuditView,
    AuthResult,
    ClearingNeedsConfirmation,
    DraftAlreadySubmitted,
    DraftNotFound,
    DraftView,
    NoteView,
    QueueFilters,
    QueueFlag,
    QueueRow,
    ReviewRefused,
    ReviewView,
    ScreeningDetail,
    ScreeningNotFound,
    StaleReview,
    StoreError,
    SubmitResult,
    UserExists,
    UserNotFound,
    UserView,
)
from store.notes import (
    NoteRefused,
    add_note,
    assign,
    assignment_history,
    current_assignee,
    list_notes,
)
from store.queue import COUNT_LIMIT, list_queue
from store.reviews import open_flags_of, record_review
from store.screenings import (
    count_screenings,
    find_screening_id,
    find_submitted,
    get_screening,
    save_screening,
)
from store.users import (
    authenticate,
    create_user,
    get_user,
    list_users,
    set_password,
    set_user_active,
    unlock_user,
)

__all__ = [
    "COUNT_LIMIT",
    "AcknowledgementView",
    "AssignmentView",
    "AuditFilters",
    "AuditView",
    "AuthResult",
    "ClearingNeedsConfirmation",
    "DraftAlreadySubmitted",
    "DraftNotFound",
    "DraftView",
    "NoteRefused",
    "NoteView",
    "QueueFilters",
    "QueueFlag",
    "QueueRow",
    "ReviewRefused",
    "ReviewView",
    "ScreeningDetail",
    "ScreeningNotFound",
    "StaleReview",
    "Store",
    "StoreError",
    "SubmitResult",
    "UserExists",
    "UserNotFound",
    "UserView",
    "add_note",
    "assign",
    "assignment_history",
    "authenticate",
    "count_screenings",
    "create_draft",
    "create_user",
    "current_assignee",
    "database_url",
    "find_screening_id",
    "find_submitted",
    "get_screening",
    "get_store",
    "get_user",
    "list_audit",
    "list_notes",
    "list_queue",
    "list_users",
    "load_draft_by_token",
    "open_flags_of",
    "purge_stale_drafts",
    "record_audit",
    "record_review",
    "reset_stores",
    "resume_draft",
    "save_draft",
    "save_screening",
    "set_password",
    "set_user_active",
    "target_of",
    "unlock_user",
    "write_audit",
]
