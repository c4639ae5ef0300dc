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
    AuditFilters,
    AuditView,
    AuthResult,
    DraftAlreadySubmitted,
    DraftNotFound,
    DraftView,
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
from store.queue import COUNT_LIMIT, list_queue
from store.reviews import record_review
from store.screenings import count_screenings, get_screening, submit_screening
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
    "AuditFilters",
    "AuditView",
    "AuthResult",
    "DraftAlreadySubmitted",
    "DraftNotFound",
    "DraftView",
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
    "authenticate",
    "count_screenings",
    "create_draft",
    "create_user",
    "database_url",
    "get_screening",
    "get_store",
    "get_user",
    "list_audit",
    "list_queue",
    "list_users",
    "load_draft_by_token",
    "purge_stale_drafts",
    "record_audit",
    "record_review",
    "reset_stores",
    "resume_draft",
    "save_draft",
    "set_password",
    "set_user_active",
    "submit_screening",
    "target_of",
    "unlock_user",
    "write_audit",
]
