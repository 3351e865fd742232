"""Alembic environment: the connection is handed in by store.db.upgrade()."""

from alembic import context
from sqlmodel import SQLModel

from varsel_tui.store import models  # noqa: F401  (registers the tables)
from varsel_tui.store.db import include_name

target_metadata = SQLModel.metadata


def run() -> None:
    connection = context.config.attributes.get("connection")
    if connection is None:
        from sqlalchemy import create_engine

        connection = create_engine(context.config.get_main_option("sqlalchemy.url")).connect()
    context.configure(connection=connection, target_metadata=target_metadata, render_as_batch=True,
                      include_name=include_name)
    with context.begin_transaction():
        context.run_migrations()


run()
