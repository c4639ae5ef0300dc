"""Issue 14, item 7: the exporter role (may export, nothing else)

Revision ID: 0024_issue14
Revises: 0018_issue13
Create Date: 2026-12-02 04:30:00
"""

from __future__ import annotations

import re

from alembic import op

revision = "0024_issue14"
down_revision = "0018_issue13"
branch_labels = None
depends_on = None

ROLES_BEFORE = ("clinician", "admin", "front_desk")
ROLES_AFTER = ("clinician", "admin", "front_desk", "exporter")


def _set_roles(roles: tuple[str, ...]) -> None:
    """Replace the users.role CHECK constraint (as migration 0013 does; migrations are
    frozen history, so the few lines are repeated rather than imported).

    SQLite cannot alter a constraint, and rebuilding ``users`` would break the foreign keys
    that point at it: the stored table definition is edited in place (SQLite's documented
    way to change a CHECK constraint; the on-disk format does not change) and the schema
    version is bumped."""
    check = "role IN (" + ", ".join(f"'{r}'" for r in roles) + ")"
    bind = op.get_bind()
    if bind.dialect.name != "sqlite":
        op.drop_constraint(op.f("ck_users_role"), "users", type_="check")
        op.create_check_constraint(op.f("ck_users_role"), "users", check)
        return
    sql = bind.exec_driver_sql("SELECT sql FROM sqlite_master WHERE type = 'table' "
                               "AND name = 'users'").scalar_one()
    new_sql, found = re.subn(r"CONSTRAINT ck_users_role CHECK \(role IN \([^)]*\)\)",
                             f"CONSTRAINT ck_users_role CHECK ({check})", sql)
    if found != 1:
        raise RuntimeError("users.role CHECK constraint not found where migration 0001 made it")
    version = bind.exec_driver_sql("PRAGMA schema_version").scalar_one()
    bind.exec_driver_sql("PRAGMA writable_schema = ON")
    bind.exec_driver_sql("UPDATE sqlite_master SET sql = ? WHERE type = 'table' AND name = 'users'",
                         (new_sql,))
    bind.exec_driver_sql(f"PRAGMA schema_version = {int(version) + 1}")
    bind.exec_driver_sql("PRAGMA writable_schema = OFF")


def upgrade() -> None:
    _set_roles(ROLES_AFTER)


def downgrade() -> None:
    op.execute("UPDATE users SET active = false WHERE role = 'exporter'")
    op.execute("UPDATE users SET role = 'front_desk' WHERE role = 'exporter'")
    _set_roles(ROLES_BEFORE)
