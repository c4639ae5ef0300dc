"""Least privilege on PostgreSQL: what the application's login role may do.

Migrations (``alembic upgrade``, run by ``python -m store init`` or at start-up) run as the
*owner* role, which owns the tables. The app itself connects as a separate role granted
only what it uses:

- ``audit_log``: SELECT and INSERT only (no UPDATE, DELETE or TRUNCATE; the triggers stay
  as a second wall, and the hash chain finds what an owner might still do);
- ``screenings``: SELECT, INSERT, and UPDATE of the review, hand-off, invitation and
  re-evaluation columns only; never the answer document, the names, the date of birth or
  the submission time, and no DELETE;
- the append-only ``screening_notes``, ``screening_assignments``, ``reviews``,
  ``flag_acknowledgements``, ``screening_evaluations`` and ``screening_checkins``: SELECT
  and INSERT;
- ``screening_flags``: SELECT, INSERT and DELETE (a re-evaluation replaces a screening's
  flag rows); the working tables (drafts, users, invitations, the alert outbox,
  re-evaluation runs, trusted devices): SELECT, INSERT, UPDATE, DELETE;
- ``alembic_version``: SELECT (start-up checks the schema is current; it cannot migrate);
- every sequence: USAGE and SELECT (ids of new rows).

``python -m store grant-app-role ROLE`` applies this as the owner (``--print`` shows the
SQL instead); re-run it after a migration adds a table. A test fails when a table or a
screenings column is added without a place in these lists.
"""

from __future__ import annotations

import re

from sqlalchemy.engine import Connection

SCREENING_UPDATABLE = (
    # reviews (store.reviews), hand-offs (store.notes), invitations (store.invitations)
    "review_status", "latest_review_id", "reviewed_at", "assigned_to_id", "invitation_id",
    "appointment_at",
    # re-evaluation (store.reevaluate): the evaluation and the queue values derived from it
    "ruleset_version", "urgent", "highest_severity", "severity_rank", "count_defer",
    "count_review", "count_adjust", "count_info", "evaluation",
    # the day-of check-in (store.checkins)
    "checked_in_at", "checkin_severity",
)
# What the patient submitted and when: written once at INSERT, never updated by the app.
SCREENING_SEALED = (
    "id", "public_id", "idempotency_key", "form_version", "submitted_at", "created_at",
    "first_name", "last_name", "name_search", "date_of_birth", "age", "bmi", "language",
    "document",
)
APPEND_ONLY = ("audit_log", "screening_notes", "screening_assignments", "reviews",
               "flag_acknowledgements", "screening_evaluations", "screening_checkins")
WORKING = ("drafts", "users", "invitations", "alert_outbox", "reevaluation_runs",
           "trusted_devices")
_ROLE_RE = re.compile(r"^[a-z_][a-z0-9_]{0,62}$")


def app_role_grants(role: str) -> list[str]:
    """The SQL that gives ``role`` exactly the application's privileges (owner runs it)."""
    if not _ROLE_RE.match(role):
        raise ValueError("role must be a lower-case PostgreSQL identifier: letters, digits, _")
    every = ", ".join(("screenings", "screening_flags", "alembic_version", *APPEND_ONLY,
                       *WORKING))
    columns = ", ".join(SCREENING_UPDATABLE)
    return [
        f"REVOKE ALL ON {every} FROM {role}",
        f"GRANT USAGE ON SCHEMA public TO {role}",
        f"GRANT SELECT ON alembic_version TO {role}",
        f"GRANT SELECT, INSERT ON {', '.join(APPEND_ONLY)} TO {role}",
        f"GRANT SELECT, INSERT ON screenings TO {role}",
        f"GRANT UPDATE ({columns}) ON screenings TO {role}",
        f"GRANT SELECT, INSERT, DELETE ON screening_flags TO {role}",
        f"GRANT SELECT, INSERT, UPDATE, DELETE ON {', '.join(WORKING)} TO {role}",
        f"GRANT USAGE, SELECT ON ALL SEQUENCES IN SCHEMA public TO {role}",
    ]


def grant_app_role(conn: Connection, role: str) -> None:
    """Apply ``app_role_grants`` on a PostgreSQL connection of the owner role."""
    if conn.dialect.name != "postgresql":
        raise ValueError("least-privilege roles are a PostgreSQL feature (SQLite has no roles)")
    for statement in app_role_grants(role):
        conn.exec_driver_sql(statement)
