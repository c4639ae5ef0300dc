"""Anonymous submissions, limited per browser session and for the whole clinic per minute.

A script must not be able to flood the clinician queue with fake urgent screenings. The
session's limit is kept by the page (``store.throttle.RateLimit`` in its session state);
the global one counts the last minute's patient ``submit`` rows in the audit log (its
``action, at`` index), so it holds across processes and replicas. A refused submission
is audited (``submit_refused``: which limit, how long to wait) and logged without any
patient data; the patient's draft is untouched.
"""

from __future__ import annotations

import logging
import math
from datetime import datetime, timedelta

from sqlalchemy import func, select

from store import audit
from store.db import Store, get_store
from store.drafts import PATIENT
from store.schema import AuditRow, utcnow
from store.throttle import WINDOW_SECONDS, global_limit

log = logging.getLogger(__name__)


def global_wait(now: datetime | None = None, *, limit: int | None = None,
                store: Store | None = None) -> int:
    """Seconds until the clinic takes one more anonymous submission (0: now)."""
    now = now or utcnow()
    limit = limit or global_limit()
    since = now - timedelta(seconds=WINDOW_SECONDS)
    with (store or get_store()).session(readonly=True) as session:
        count, oldest = session.execute(
            select(func.count(), func.min(AuditRow.at))
            .where(AuditRow.action == audit.SUBMIT, AuditRow.at > since, AuditRow.actor == PATIENT)
        ).one()
    if int(count or 0) < limit or oldest is None:
        return 0
    oldest = oldest if oldest.tzinfo else oldest.replace(tzinfo=now.tzinfo)
    return max(1, math.ceil((oldest - since).total_seconds()))


def record_refusal(scope: str, retry_after: int, *, store: Store | None = None) -> None:
    """Audit and log a refused submission: the limit and the wait, nothing about the patient."""
    audit.record_audit(PATIENT, audit.SUBMIT_REFUSED, None,
                       {"scope": scope, "retry_after": retry_after}, store=store)
    log.warning("anonymous submission refused by the %s limit (retry in %s s)", scope, retry_after)
