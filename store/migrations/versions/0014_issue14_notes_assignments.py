"""Notes, contacts and hand-offs on a screening (append-only), and its current assignee

Revision ID: 0014_issue14
Revises: 0013_issue13
Create Date: 2026-12-02
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

import store.schema

revision = "0014_issue14"
down_revision = "0013_issue13"
branch_labels = None
depends_on = None

APPEND_ONLY = ("screening_notes", "screening_assignments")
_MESSAGE = "is append-only"


def _create_triggers() -> None:
    bind = op.get_bind()
    for table in APPEND_ONLY:
        if bind.dialect.name == "sqlite":
            for action in ("UPDATE", "DELETE"):
                op.execute(f"CREATE TRIGGER IF NOT EXISTS {table}_no_{action.lower()} BEFORE {action} "
                           f"ON {table} BEGIN SELECT RAISE(ABORT, '{table} {_MESSAGE}'); END")
        elif bind.dialect.name == "postgresql":
            op.execute(f"""
                CREATE OR REPLACE FUNCTION {table}_append_only() RETURNS trigger
                LANGUAGE plpgsql AS $$
                BEGIN
                    RAISE EXCEPTION '{table} {_MESSAGE}';
                END
                $$""")
            op.execute(f"CREATE TRIGGER {table}_no_update_delete BEFORE UPDATE OR DELETE ON {table} "
                       f"FOR EACH ROW EXECUTE FUNCTION {table}_append_only()")
            op.execute(f"CREATE TRIGGER {table}_no_truncate BEFORE TRUNCATE ON {table} "
                       f"FOR EACH STATEMENT EXECUTE FUNCTION {table}_append_only()")


def upgrade() -> None:
    # A plain ADD COLUMN (no batch copy of screenings: on SQLite a copy drops the table,
    # which would fire ON DELETE CASCADE of screening_flags and reviews).
    bind = op.get_bind()
    # A database made by create_all before migrations existed may already have the column.
    if "assigned_to_id" not in {c["name"] for c in sa.inspect(bind).get_columns("screenings")}:
        op.add_column("screenings", sa.Column("assigned_to_id", sa.Integer(), nullable=True))
        op.create_index(op.f("ix_screenings_assigned_to_id"), "screenings", ["assigned_to_id"])
    op.create_table(
        "screening_notes",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("screening_id", sa.Integer(), nullable=False),
        sa.Column("author_id", sa.Integer(), nullable=False),
        sa.Column("kind", sa.String(length=16), nullable=False),
        sa.Column("channel", sa.String(length=16), nullable=True),
        sa.Column("body", sa.Text(), nullable=False),
        sa.Column("created_at", store.schema.UTCDateTime(timezone=True), nullable=False),
        sa.CheckConstraint("kind IN ('note', 'contact')", name=op.f("ck_screening_notes_kind")),
        sa.CheckConstraint("channel IS NULL OR channel IN ('phone', 'sms', 'email', 'in_person', "
                           "'voicemail')", name=op.f("ck_screening_notes_channel")),
        sa.ForeignKeyConstraint(["author_id"], ["users.id"],
                                name=op.f("fk_screening_notes_author_id_users")),
        sa.ForeignKeyConstraint(["screening_id"], ["screenings.id"],
                                name=op.f("fk_screening_notes_screening_id_screenings")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_screening_notes")),
    )
    op.create_index("ix_screening_notes_screening", "screening_notes", ["screening_id", "id"])
    op.create_table(
        "screening_assignments",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("screening_id", sa.Integer(), nullable=False),
        sa.Column("assignee_id", sa.Integer(), nullable=True),
        sa.Column("assigned_by_id", sa.Integer(), nullable=False),
        sa.Column("created_at", store.schema.UTCDateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(["assigned_by_id"], ["users.id"],
                                name=op.f("fk_screening_assignments_assigned_by_id_users")),
        sa.ForeignKeyConstraint(["assignee_id"], ["users.id"],
                                name=op.f("fk_screening_assignments_assignee_id_users")),
        sa.ForeignKeyConstraint(["screening_id"], ["screenings.id"],
                                name=op.f("fk_screening_assignments_screening_id_screenings")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_screening_assignments")),
    )
    op.create_index("ix_screening_assignments_screening", "screening_assignments",
                    ["screening_id", "id"])
    _create_triggers()


def downgrade() -> None:
    bind = op.get_bind()
    for table in APPEND_ONLY:
        if bind.dialect.name == "postgresql":
            op.execute(f"DROP TABLE IF EXISTS {table}")
            op.execute(f"DROP FUNCTION IF EXISTS {table}_append_only()")
        else:
            op.drop_table(table)
    op.drop_index(op.f("ix_screenings_assigned_to_id"), table_name="screenings")
    op.drop_column("screenings", "assigned_to_id")
