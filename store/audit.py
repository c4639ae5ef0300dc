"""The audit log: append-only rows of who did what to which record.

The API only adds and lists; the database itself refuses UPDATE and DELETE (triggers made
in ``store.db``), and every row is chained to the one before by a SHA-256
(``store.chain``), so a row deleted, inserted or edited under the application is found by
``python -m store verify``. ``details`` holds ids, codes and counts, never patient names or answers;
keys that usually carry patient data are refused outright.
"""

from __future__ import annotations

import re
from typing import Any

from sqlalchemy import func, insert, select
from sqlalchemy.orm import Session

from core.vocab import AUDIT_ACTIONS, AuditAction
from store import bulk
from store.chain import chain_values
from store.db import Store, get_store
from store.models import AuditFilters, AuditView, check_page
from store.schema import AuditRow, Base, utcnow

# Actions: every one is in core.vocab.AUDIT_ACTIONS (with its label); these names are
# kept for the store's callers.
LOGIN_SUCCESS: AuditAction = "login_success"
LOGIN_FAILURE: AuditAction = "login_failure"
LOGIN_LOCKED: AuditAction = "login_locked"
SCREENING_VIEW: AuditAction = "screening_view"
QUEUE_VIEW: AuditAction = "queue_view"
REVIEW: AuditAction = "review"
EXPORT: AuditAction = "export"
EXPORT_REFUSED: AuditAction = "export_refused"
DRAFT_CREATE: AuditAction = "draft_create"
DRAFT_SAVE: AuditAction = "draft_save"
DRAFT_RESUME: AuditAction = "draft_resume"
DRAFT_PURGE: AuditAction = "draft_purge"
SUBMIT: AuditAction = "submit"
IMPORT: AuditAction = "import"
USER_CREATE: AuditAction = "user_create"
USER_UPDATE: AuditAction = "user_update"  # details.changed: active/inactive, password, unlocked
USER_LIST: AuditAction = "user_list"
ALERT_QUEUED: AuditAction = "alert_queued"
ALERT_SENT: AuditAction = "alert_sent"
ALERT_FAILED: AuditAction = "alert_failed"
INVITATION_CREATE: AuditAction = "invitation_create"
INVITATION_OPEN: AuditAction = "invitation_open"
INVITATION_LIST: AuditAction = "invitation_list"
INVITATION_EMAIL: AuditAction = "invitation_email"
NOTE_ADD: AuditAction = "note_add"
CONTACT_LOG: AuditAction = "contact_log"
ASSIGN: AuditAction = "assign"
LOGIN_THROTTLED: AuditAction = "login_throttled"
SUBMIT_REFUSED: AuditAction = "submit_refused"
DEVICE_TRUSTED: AuditAction = "device_trusted"

_AUDIT_TABLE = Base.metadata.tables[AuditRow.__tablename__]
_ACTION_RE = re.compile(r"^[a-z][a-z0-9_]{0,39}$")
# Keys that would put patient data in the log; ``details`` must use ids and codes instead.
FORBIDDEN_DETAIL_KEYS = frozenset({
    "answers", "document", "first_name", "last_name", "name", "names", "date_of_birth",
    "dob", "email", "phone", "note", "notes", "password", "medications", "signature_name",
})


def target_of(kind: str, ident: int | str) -> str:
    """The audit target of a record, e.g. ``target_of("screening", 12) == "screening:12"``."""
    return f"{kind}:{ident}"


def _check_details(details: Any, path: str = "details") -> None:
    if isinstance(details, dict):
        for key, value in details.items():
            if not isinstance(key, str):
                raise ValueError(f"{path} keys must be text")
            if key.lower() in FORBIDDEN_DETAIL_KEYS:
                raise ValueError(f"{path}.{key} would put patient data in the audit log")
            _check_details(value, f"{path}.{key}")
    elif isinstance(details, list | tuple):
        for item in details:
            _check_details(item, path)


def audit_values(actor: str, action: str, target: str | None = None,
                 details: dict[str, Any] | None = None) -> dict[str, Any]:
    """One checked audit row as column values, for a bulk ``insert(AuditRow)`` of many."""
    if not actor or len(actor) > 64:
        raise ValueError("audit actor must be 1-64 characters")
    if not _ACTION_RE.match(action):
        raise ValueError("audit action must be lower_snake_case, at most 40 characters")
    if action not in AUDIT_ACTIONS:
        raise ValueError(f"unknown audit action {action!r}: add it to core.vocab.AuditAction")
    if target is not None and len(target) > 64:
        raise ValueError("audit target must be at most 64 characters")
    details = dict(details or {})
    _check_details(details)
    return {"at": utcnow(), "actor": actor, "action": action, "target": target, "details": details}


def write_audit(session: Session, actor: str, action: str, target: str | None = None,
                details: dict[str, Any] | None = None) -> None:
    """Add one audit row in the caller's transaction (committed, or not, with its work),
    chained onto the newest row (the chain stays locked until the transaction ends)."""
    write_audit_rows(session, [audit_values(actor, action, target, details)])


def write_audit_rows(session: Session, rows: list[dict[str, Any]]) -> None:
    """Add many rows made by ``audit_values``, in order, with one chain lock and one insert
    (on PostgreSQL one statement for all of them, ids in the given order: ``store.bulk``)."""
    if not rows:
        return
    chained = chain_values(session, rows)
    if session.get_bind().dialect.name == "postgresql":
        bulk.insert_rows(session, _AUDIT_TABLE, chained)
    else:
        session.execute(insert(AuditRow), chained)


def record_audit(actor: str, action: str, target: str | None = None,
                 details: dict[str, Any] | None = None, *, store: Store | None = None) -> None:
    """``write_audit`` in a transaction of its own (e.g. an export made by the UI)."""
    with (store or get_store()).session() as session:
        write_audit(session, actor, action, target, details)


def _to_view(row: AuditRow) -> AuditView:
    return AuditView(id=row.id, at=row.at, actor=row.actor, action=row.action,
                     target=row.target, details=dict(row.details or {}))


def list_audit(filters: AuditFilters | None = None, page: int = 1, page_size: int = 50, *,
               store: Store | None = None) -> tuple[list[AuditView], int]:
    """Audit rows, newest first, and the total matching the filters."""
    filters = filters or AuditFilters()
    offset, limit = check_page(page, page_size)
    conditions = []
    if filters.actor is not None:
        conditions.append(AuditRow.actor == filters.actor)
    if filters.action is not None:
        conditions.append(AuditRow.action == filters.action)
    if filters.target is not None:
        conditions.append(AuditRow.target == filters.target)
    if filters.since is not None:
        conditions.append(AuditRow.at >= filters.since)
    if filters.until is not None:
        conditions.append(AuditRow.at < filters.until)
    with (store or get_store()).session(readonly=True) as session:
        total = session.scalar(select(func.count()).select_from(AuditRow).where(*conditions))
        rows = session.scalars(
            select(AuditRow).where(*conditions)
            .order_by(AuditRow.at.desc(), AuditRow.id.desc()).offset(offset).limit(limit)
        ).all()
        return [_to_view(r) for r in rows], int(total or 0)
