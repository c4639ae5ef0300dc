"""Alembic environment: migrations run on start-up from store.db (``upgrade head``), on
the connection the store hands over, inside its schema lock."""

from __future__ import annotations

from alembic import context
from sqlalchemy import create_engine

from store.db import database_url
from store.schema import Base

config = context.config
target_metadata = Base.metadata


def run_migrations() -> None:
    connection = config.attributes.get("connection")
    if connection is not None:  # called by store.db with the store's own connection
        context.configure(connection=connection, target_metadata=target_metadata,
                          render_as_batch=connection.dialect.name == "sqlite")
        with context.begin_transaction():
            context.run_migrations()
        return
    # The alembic command line (alembic -c store/migrations/alembic.ini ...)
    engine = create_engine(database_url())
    with engine.begin() as conn:
        context.configure(connection=conn, target_metadata=target_metadata,
                          render_as_batch=conn.dialect.name == "sqlite")
        with context.begin_transaction():
            context.run_migrations()
    engine.dispose()


run_migrations()
