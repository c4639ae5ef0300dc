"""Re-evaluation of stored screenings: runs and the history of replaced evaluations

Revision ID: 0016_issue16
Revises: 0002
Create Date: 2026-12-02
"""

from __future__ import annotations

from typing import Any

import sqlalchemy as sa
from alembic import op
from sqlalchemy import Text
from sqlalchemy.dialects import postgresql

import store.schema

revision = "0016_issue16"
down_revision = "0002"
branch_labels = None
depends_on = None


def _json() -> sa.types.TypeEngine[Any]:
    return sa.JSON(none_as_null=True).with_variant(
        postgresql.JSONB(none_as_null=True, astext_type=Text()), "postgresql")


def upgrade() -> None:
    op.create_table(
        "reevaluation_runs",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("started_at", store.schema.UTCDateTime(timezone=True), nullable=False),
        sa.Column("finished_at", store.schema.UTCDateTime(timezone=True), nullable=True),
        sa.Column("actor", sa.String(length=64), nullable=False),
        sa.Column("engine_version", sa.String(length=128), nullable=False),
        sa.Column("options", _json(), nullable=False),
        sa.Column("next_id", sa.Integer(), nullable=False),
        sa.Column("last_id", sa.Integer(), nullable=False),
        sa.Column("span", sa.Integer(), nullable=False),
        sa.Column("examined", sa.Integer(), nullable=False),
        sa.Column("changed", sa.Integer(), nullable=False),
        sa.Column("gained_defer", sa.Integer(), nullable=False),
        sa.Column("gained_urgent", sa.Integer(), nullable=False),
        sa.Column("requeued", sa.Integer(), nullable=False),
        sa.Column("failed", sa.Integer(), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_reevaluation_runs")),
    )
    op.create_table(
        "screening_evaluations",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("screening_id", sa.Integer(), nullable=False),
        sa.Column("run_id", sa.Integer(), nullable=True),
        sa.Column("created_at", store.schema.UTCDateTime(timezone=True), nullable=False),
        sa.Column("actor", sa.String(length=64), nullable=False),
        sa.Column("from_version", sa.String(length=128), nullable=False),
        sa.Column("to_version", sa.String(length=128), nullable=False),
        sa.Column("added", _json(), nullable=False),
        sa.Column("removed", _json(), nullable=False),
        sa.Column("changed", _json(), nullable=False),
        sa.Column("review_id", sa.Integer(), nullable=True),
        sa.Column("requeued_from", sa.String(length=32), nullable=True),
        sa.Column("requeue_reason", sa.Text(), nullable=True),
        sa.Column("previous", _json(), nullable=False),
        sa.ForeignKeyConstraint(["run_id"], ["reevaluation_runs.id"],
                                name=op.f("fk_screening_evaluations_run_id_reevaluation_runs")),
        sa.ForeignKeyConstraint(["screening_id"], ["screenings.id"],
                                name=op.f("fk_screening_evaluations_screening_id_screenings"),
                                ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_screening_evaluations")),
    )
    with op.batch_alter_table("screening_evaluations", schema=None) as batch_op:
        batch_op.create_index("ix_screening_evaluations_screening", ["screening_id", "created_at"],
                              unique=False)


def downgrade() -> None:
    with op.batch_alter_table("screening_evaluations", schema=None) as batch_op:
        batch_op.drop_index("ix_screening_evaluations_screening")
    op.drop_table("screening_evaluations")
    op.drop_table("reevaluation_runs")
