"""Name search index for PostgreSQL (trigram), so 'name contains' needs no table scan

Revision ID: 0002
Revises: 0001
Create Date: 2026-11-21
"""

from __future__ import annotations

import logging

from alembic import op

revision = "0002"
down_revision = "0001"
branch_labels = None
depends_on = None

log = logging.getLogger(__name__)


def upgrade() -> None:
    bind = op.get_bind()
    if bind.dialect.name != "postgresql":
        return  # SQLite scans ~100,000 short names in a few milliseconds
    try:
        with bind.begin_nested():  # pg_trgm is a trusted extension; a locked-down server may refuse
            bind.exec_driver_sql("CREATE EXTENSION IF NOT EXISTS pg_trgm")
    except Exception:
        log.warning("pg_trgm not available: name search will scan the screenings table")
        return
    bind.exec_driver_sql("CREATE INDEX IF NOT EXISTS ix_screenings_name_trgm "
                         "ON screenings USING gin (name_search gin_trgm_ops)")


def downgrade() -> None:
    if op.get_bind().dialect.name == "postgresql":
        op.execute("DROP INDEX IF EXISTS ix_screenings_name_trgm")
