"""Issue 13, day-of check-in: screening_checkins, and the latest check-in on screenings

Revision ID: 0018_issue13
Revises: 0014_issue14
Create Date: 2026-12-02
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op
from sqlalchemy import Text
from sqlalchemy.dialects import postgresql

import store.schema

revision = "0018_issue13"
down_revision = "0017_issue11"
branch_labels = None
depends_on = None


def _json() -> sa.types.TypeEngine:
    return sa.JSON(none_as_null=True).with_variant(
        postgresql.JSONB(none_as_null=True, astext_type=Text()), "postgresql")


def upgrade() -> None:
    # Plain ADD COLUMNs (no batch copy of screenings: on SQLite a copy drops the table,
    # which would fire ON DELETE CASCADE of screening_flags and reviews).
    op.add_column("screenings", sa.Column("checked_in_at", store.schema.UTCDateTime(timezone=True),
                                          nullable=True))
    op.add_column("screenings", sa.Column("checkin_severity", sa.String(length=8), nullable=True))
    op.create_table(
        "screening_checkins",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("screening_id", sa.Integer(), nullable=False),
        sa.Column("recorded_by_id", sa.Integer(), nullable=False),
        sa.Column("checked_in_at", store.schema.UTCDateTime(timezone=True), nullable=False),
        sa.Column("created_at", store.schema.UTCDateTime(timezone=True), nullable=False),
        sa.Column("highest_severity", sa.String(length=8), nullable=False),
        sa.Column("requeued_review_id", sa.Integer(), nullable=True),
        sa.Column("data", _json(), nullable=False),
        sa.Column("evaluation", _json(), nullable=False),
        sa.CheckConstraint("highest_severity IN ('defer', 'review', 'adjust', 'info', 'none')",
                           name=op.f("ck_screening_checkins_severity")),
        sa.ForeignKeyConstraint(["recorded_by_id"], ["users.id"],
                                name=op.f("fk_screening_checkins_recorded_by_id_users")),
        sa.ForeignKeyConstraint(["screening_id"], ["screenings.id"],
                                name=op.f("fk_screening_checkins_screening_id_screenings"),
                                ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_screening_checkins")),
    )
    op.create_index("ix_screening_checkins_screening", "screening_checkins", ["screening_id", "id"])


def downgrade() -> None:
    op.drop_index("ix_screening_checkins_screening", table_name="screening_checkins")
    op.drop_table("screening_checkins")
    op.drop_column("screenings", "checkin_severity")
    op.drop_column("screenings", "checked_in_at")
