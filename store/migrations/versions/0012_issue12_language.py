"""The language the patient answered in, shown to the clinician beside English labels

Revision ID: 0012_issue12
Revises: 0016_issue16
Create Date: 2026-12-02
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0012_issue12"
down_revision = "0016_issue16"
branch_labels = None
depends_on = None


def upgrade() -> None:
    # A database made by create_all before migrations existed may already have the column.
    if "language" in {c["name"] for c in sa.inspect(op.get_bind()).get_columns("screenings")}:
        return
    with op.batch_alter_table("screenings") as batch:
        batch.add_column(sa.Column("language", sa.String(length=8), nullable=False,
                                   server_default="en"))


def downgrade() -> None:
    with op.batch_alter_table("screenings") as batch:
        batch.drop_column("language")
