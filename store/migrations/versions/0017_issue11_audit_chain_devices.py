"""Tamper evidence and sign-in throttling: audit_log.chain_hash (existing rows chained here)
and the trusted_devices of staff accounts

Existing audit rows are chained in id order by this migration (the append-only triggers are
lifted for that one UPDATE and restored in the same transaction), so ``verify`` checks the
whole log from its first row. Submit rows written before this migration carry no document
hash: their screenings are reported as "unsealed" (counted, not failed).

Revision ID: 0017_issue11
Revises: 0014_issue14
Create Date: 2026-12-02
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

import store.schema
from store.chain import GENESIS, row_hash
from store.db import create_audit_triggers, drop_audit_triggers

revision = "0017_issue11"
down_revision = "0014_issue14"
branch_labels = None
depends_on = None

_BATCH = 2_000


def _chain_existing_rows() -> None:
    bind = op.get_bind()
    audit = store.schema.AuditRow.__table__
    if bind.dialect.name == "postgresql":
        op.execute("ALTER TABLE audit_log DISABLE TRIGGER audit_log_no_update_delete")
    else:
        drop_audit_triggers(bind)
    previous, last_id = GENESIS, 0
    while True:
        rows = bind.execute(sa.select(audit.c.id, audit.c.at, audit.c.actor, audit.c.action,
                                      audit.c.target, audit.c.details)
                            .where(audit.c.id > last_id).order_by(audit.c.id).limit(_BATCH)).all()
        if not rows:
            break
        updates = []
        for row in rows:
            previous = row_hash(previous, row.at, row.actor, row.action, row.target, row.details)
            updates.append({"row_id": row.id, "hash": previous})
        bind.execute(audit.update().where(audit.c.id == sa.bindparam("row_id"))
                     .values(chain_hash=sa.bindparam("hash")), updates)
        last_id = rows[-1].id
    if bind.dialect.name == "postgresql":
        op.execute("ALTER TABLE audit_log ENABLE TRIGGER audit_log_no_update_delete")
    else:
        create_audit_triggers(bind)


def upgrade() -> None:
    bind = op.get_bind()
    if "chain_hash" not in {c["name"] for c in sa.inspect(bind).get_columns("audit_log")}:
        op.add_column("audit_log", sa.Column("chain_hash", sa.String(length=64), nullable=True))
    _chain_existing_rows()
    op.create_table(
        "trusted_devices",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("user_id", sa.Integer(), nullable=False),
        sa.Column("token_hash", sa.String(length=64), nullable=False),
        sa.Column("created_at", store.schema.UTCDateTime(timezone=True), nullable=False),
        sa.Column("last_used_at", store.schema.UTCDateTime(timezone=True), nullable=False),
        sa.Column("expires_at", store.schema.UTCDateTime(timezone=True), nullable=False),
        sa.Column("failed_attempts", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(["user_id"], ["users.id"], ondelete="CASCADE",
                                name=op.f("fk_trusted_devices_user_id_users")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_trusted_devices")),
        sa.UniqueConstraint("token_hash", name=op.f("uq_trusted_devices_token_hash")),
    )
    op.create_index(op.f("ix_trusted_devices_user_id"), "trusted_devices", ["user_id"])


def downgrade() -> None:
    op.drop_index(op.f("ix_trusted_devices_user_id"), table_name="trusted_devices")
    op.drop_table("trusted_devices")
    op.drop_column("audit_log", "chain_hash")
