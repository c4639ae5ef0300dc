"""Tamper evidence: the audit log as a hash chain, and each submitted document's SHA-256.

Every audit row stores ``chain_hash = SHA-256(canonical JSON of ["v1", previous row's
chain_hash, at, actor, action, target, details])``; the first row's previous hash is
``GENESIS``. Rows are chained in id order. Deleting, inserting (back-dated or not) or
editing a row changes what the next hash must be, so ``verify`` names the first row that no
longer matches. The submit row of each screening holds ``document_sha256``, the SHA-256 of
the stored answer document, so a rewritten answer is found too.

Appends are serialised: on PostgreSQL by a transaction-scoped advisory lock (taken before
the previous row is read, held until commit), on SQLite by its single writer (write
sessions begin IMMEDIATE). Two writers can therefore never chain onto the same row.

The hash has no secret key: someone who can write the database *and* recompute the whole
chain could forge it. ``verify`` prints the chain head (last id and hash); keep that
somewhere else (a daily log line, a ticket) and compare with ``verify --anchor ID:HASH``.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import select, text
from sqlalchemy.orm import Session

from store.schema import AuditRow, ScreeningRow

GENESIS = "0" * 64
CHAIN_VERSION = "v1"
_PG_CHAIN_LOCK = 7_412_011  # pg_advisory_xact_lock key of the audit chain
_BATCH = 2_000


def canonical_json(value: Any) -> str:
    return json.dumps(value, sort_keys=True, separators=(",", ":"), ensure_ascii=False)


def document_sha256(document: dict[str, Any]) -> str:
    """The SHA-256 of an answer document as stored (canonical JSON, sorted keys)."""
    return hashlib.sha256(canonical_json(document).encode("utf-8")).hexdigest()


def _iso(at: datetime) -> str:
    return at.astimezone(UTC).isoformat(timespec="microseconds")


def row_hash(previous: str, at: datetime, actor: str, action: str, target: str | None,
             details: dict[str, Any] | None) -> str:
    payload = [CHAIN_VERSION, previous, _iso(at), actor, action, target, details or {}]
    return hashlib.sha256(canonical_json(payload).encode("utf-8")).hexdigest()


def lock_chain(session: Session) -> None:
    """Serialise appends to the chain until this transaction ends."""
    if session.get_bind().dialect.name == "postgresql":
        session.execute(text("SELECT pg_advisory_xact_lock(:key)"), {"key": _PG_CHAIN_LOCK})


def chain_head(session: Session) -> str:
    """The chain_hash of the newest row (the caller holds the chain lock), or GENESIS."""
    session.flush()  # rows added earlier in this transaction come first
    last = session.scalar(select(AuditRow.chain_hash).order_by(AuditRow.id.desc()).limit(1))
    return last or GENESIS


def chain_values(session: Session, rows: Sequence[dict[str, Any]]) -> list[dict[str, Any]]:
    """``rows`` (column values, in insertion order) with their chain_hash set, chained
    onto the current head. Insert them in this order in the same transaction."""
    lock_chain(session)
    previous = chain_head(session)
    chained = []
    for row in rows:
        previous = row_hash(previous, row["at"], row["actor"], row["action"], row["target"],
                            row["details"])
        chained.append({**row, "chain_hash": previous})
    return chained


# --- verification -----------------------------------------------------------------------

@dataclass(frozen=True)
class VerifyReport:
    ok: bool
    audit_rows: int
    head_id: int | None
    head_hash: str
    screenings: int
    unsealed: int  # screenings submitted before migration 0017 (no document hash to compare)
    problem: str | None = None  # the first break, naming the row or screening


def _audit_rows(session: Session) -> Iterator[AuditRow]:
    last_id = 0
    while True:
        batch = session.scalars(select(AuditRow).where(AuditRow.id > last_id)
                                .order_by(AuditRow.id).limit(_BATCH)).all()
        if not batch:
            return
        yield from batch
        last_id = batch[-1].id
        session.expunge_all()


def verify_chain(session: Session
                 ) -> tuple[int, int | None, str, str | None, dict[int, str | None]]:
    """(rows, head id, head hash, first problem or None, {screening id: document hash, or
    None for a submit row written before documents were sealed})."""
    previous, count, head_id = GENESIS, 0, None
    sealed: dict[int, str | None] = {}
    for row in _audit_rows(session):
        count += 1
        expected = row_hash(previous, row.at, row.actor, row.action, row.target, row.details)
        if row.chain_hash is None:
            return count, head_id, previous, f"audit row {row.id} has no chain hash " \
                "(inserted outside the application)", sealed
        if row.chain_hash != expected:
            return count, head_id, previous, (
                f"audit row {row.id} does not match the chain: it was edited, or a row "
                f"before it was deleted or inserted (previous good row: {head_id})"), sealed
        if row.action == "submit" and row.target and row.target.startswith("screening:"):
            digest = (row.details or {}).get("document_sha256")
            sealed[int(row.target.split(":", 1)[1])] = digest if isinstance(digest, str) else None
        previous, head_id = row.chain_hash, row.id
    return count, head_id, previous, None, sealed


def verify(session: Session, anchor: tuple[int, str] | None = None) -> VerifyReport:
    """Check the audit chain, then every screening against its sealed document hash."""
    count, head_id, head, problem, sealed = verify_chain(session)

    def report(problem: str | None, screenings: int = 0, unsealed: int = 0) -> VerifyReport:
        return VerifyReport(ok=problem is None, audit_rows=count, head_id=head_id,
                            head_hash=head, screenings=screenings, unsealed=unsealed,
                            problem=problem)

    if problem is None and anchor is not None:
        anchor_id, anchor_hash = anchor
        found = session.scalar(select(AuditRow.chain_hash).where(AuditRow.id == anchor_id))
        if found != anchor_hash:
            problem = (f"audit row {anchor_id} is missing or differs from the recorded anchor: "
                       "the chain was rewritten or cut back")
    if problem is not None:
        return report(problem)
    seen, unsealed, last_id = 0, 0, 0
    while True:
        batch = session.execute(select(ScreeningRow.id, ScreeningRow.document)
                                .where(ScreeningRow.id > last_id)
                                .order_by(ScreeningRow.id).limit(_BATCH)).all()
        if not batch:
            break
        for screening_id, document in batch:
            seen += 1
            if screening_id not in sealed:
                return report(f"screening {screening_id} has no submit row in the audit log "
                              "(inserted outside the application)", seen, unsealed)
            digest = sealed.pop(screening_id)
            if digest is None:
                unsealed += 1
            elif document_sha256(document) != digest:
                return report(f"screening {screening_id}: its answers differ from those "
                              "sealed when it was submitted", seen, unsealed)
        last_id = batch[-1][0]
    if sealed:
        return report(f"screening {min(sealed)} was submitted (audited) but is missing",
                      seen, unsealed)
    return report(None, seen, unsealed)
